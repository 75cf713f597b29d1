"""CIFAR-10 from the archive you downloaded yourself: convlab never downloads.

``load_cifar10(path)`` reads cifar-10-python.tar.gz (its MD5 checked) or
its unpacked folder; ``find_cifar10`` and ``cifar10_available`` say where
it is (``path``, then $CONVLAB_CIFAR10). The batches are unpickled by an
unpickler that builds nothing but NumPy arrays.
"""

from pathlib import Path
import gzip
import hashlib
import importlib.util
import os
import pickle
import tarfile
import zlib

import numpy as np

from convlab import checks
from convlab.data.splits import (_float_dtype, _leaves_training_images, _split_indices,
                                 _subtract_training_mean)
from convlab.i18n import _


# --- CIFAR-10, from a local archive ---------------------------------------------

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"   # published on CIFAR10_URL
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_FILES = ("batches.meta",) + CIFAR10_TRAIN_BATCHES + ("test_batch",)
CIFAR10_ENV = "CONVLAB_CIFAR10"
CIFAR10_EXAMPLE = "~/data/" + CIFAR10_ARCHIVE
CIFAR10_LAYOUT = (f"    {CIFAR10_FOLDER}/\n"
                  "        batches.meta\n"
                  "        data_batch_1 ... data_batch_5\n"
                  "        test_batch")


def _how_to_get_cifar10(given):
    """The steps to get CIFAR-10 by hand; ``given`` is the path the user passed, or None."""
    if given is None:
        step = _("save it, for example as {target}, and pass that path: "
                 "load_cifar10({target!r}), or set the environment variable {env} "
                 "to it.").format(target=CIFAR10_EXAMPLE, env=CIFAR10_ENV)
    else:
        # A path that names a folder gets the archive inside it: the loader
        # looks for it there.
        target = given if given.endswith(".tar.gz") else os.path.join(given, CIFAR10_ARCHIVE)
        step = _("save it as {target}: then load_cifar10({given!r}) finds "
                 "it.").format(target=target, given=given)
    return _("convlab never downloads anything; get CIFAR-10 by hand:\n"
             "  1. on {url}, download \"CIFAR-10 python version\" ({archive}, 163 MB);\n"
             "  2. {step}\n"
             "The .tar.gz is read as it is, there is no need to extract it. An "
             "extracted folder works too; it must look like this:\n{layout}").format(
        url=CIFAR10_URL, archive=CIFAR10_ARCHIVE, step=step, layout=CIFAR10_LAYOUT)


def find_cifar10(path=None):
    """Where CIFAR-10 is: the .tar.gz archive or the extracted folder, as a Path.

    ``path`` is the archive, the ``cifar-10-batches-py`` folder, or a folder
    that holds one of them (e.g. ``~/data``). Without ``path``, the
    environment variable CONVLAB_CIFAR10 gives it. Nothing is read: this
    only looks at file names.

    Raises FileNotFoundError, saying where to get the dataset and where to
    put it, when there is no such path.
    """
    given = path
    if path is None:
        given = os.environ.get(CIFAR10_ENV) or None
        if given is None:
            raise FileNotFoundError(
                _("CIFAR-10: no path given, and the environment variable {env} is "
                  "not set.").format(env=CIFAR10_ENV) + "\n" + _how_to_get_cifar10(None))
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(_("path must be a str or a pathlib.Path, got {type}.").format(
            type=type(given).__name__))
    given = os.fspath(given)
    found = Path(given).expanduser()
    if not found.exists():
        raise FileNotFoundError(
            _("CIFAR-10 not found: {path} does not exist.").format(path=given)
            + "\n" + _how_to_get_cifar10(given))
    if found.is_dir() and not (found / CIFAR10_TRAIN_BATCHES[0]).exists():
        for name in (CIFAR10_FOLDER, CIFAR10_ARCHIVE):
            if (found / name).exists():
                return found / name
    return found


def cifar10_available(path=None):
    """True if CIFAR-10 is at ``path`` (or $CONVLAB_CIFAR10), else False.

    Cheap: it only checks that the archive or the folder's files exist; it
    does not read them or verify the checksum (load_cifar10 does).
    """
    try:
        found = find_cifar10(path)
    except (FileNotFoundError, TypeError):
        return False
    if found.is_dir():
        return all((found / name).is_file() for name in CIFAR10_FILES)
    return found.is_file()


def _md5(path):
    """MD5 checksum of a file, as 32 hex digits, reading it 1 MB at a time."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that builds NumPy arrays and plain Python values, nothing else.

    CIFAR-10's python version is pickled, and unpickling a file can run any
    code it names. A genuine batch only needs these few functions.
    """
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"),
               ("_codecs", "encode")}     # how protocol 2 pickles bytes

    def __init__(self, file, name, source):
        super().__init__(file, encoding="bytes")   # CIFAR-10 was pickled by Python 2
        self.name, self.source = name, source

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise ValueError(_("{name} in {path} is not a CIFAR-10 file: it asks to "
                               "run {what}, which a CIFAR-10 batch never does (convlab "
                               "only reads NumPy arrays and lists from it, for "
                               "safety).").format(name=self.name, path=self.source,
                                                  what=f"{module}.{name}"))
        return super().find_class(module, name)


def _unpickle(file, name, source):
    """The dict in one CIFAR-10 file, with str keys (the files have bytes keys)."""
    try:
        content = _NumpyOnlyUnpickler(file, name, source).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError):
        content = None
    if not isinstance(content, dict):
        raise ValueError(_("{name} in {path} is not a CIFAR-10 file of the python "
                           "version: it does not hold a pickled dict.").format(
            name=name, path=source))
    return {k.decode("latin1") if isinstance(k, bytes) else k: v
            for k, v in content.items()}


def _read_cifar10_folder(folder):
    """The unpickled CIFAR-10 files of an extracted folder: dict file name -> dict."""
    missing = [name for name in CIFAR10_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            _("{folder} is missing {names}. A CIFAR-10 folder must hold these files:\n"
              "{layout}\nExtract {archive} again, or pass the .tar.gz "
              "itself.").format(folder=folder, names=", ".join(missing),
                                layout=CIFAR10_LAYOUT, archive=CIFAR10_ARCHIVE))
    files = {}
    for name in CIFAR10_FILES:
        with open(folder / name, "rb") as f:
            files[name] = _unpickle(f, name, folder)
    return files


def _read_cifar10_archive(archive):
    """The unpickled CIFAR-10 files of the .tar.gz, read without extracting it to disk."""
    wanted = {f"{CIFAR10_FOLDER}/{name}": name for name in CIFAR10_FILES}
    files = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:      # one pass through the archive, in its order
                member_name = member.name[2:] if member.name.startswith("./") else member.name
                if member.isfile() and member_name in wanted:
                    name = wanted[member_name]
                    files[name] = _unpickle(tar.extractfile(member), name, archive)
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError):
        raise ValueError(_("{path} is neither a folder nor a .tar.gz archive: pass the "
                           "{archive} you downloaded from {url}, or the {folder} "
                           "folder extracted from it.").format(
            path=archive, archive=CIFAR10_ARCHIVE, url=CIFAR10_URL,
            folder=CIFAR10_FOLDER)) from None
    missing = [f"{CIFAR10_FOLDER}/{name}" for name in CIFAR10_FILES if name not in files]
    if missing:
        raise FileNotFoundError(
            _("{path} does not hold {names}: it is not the CIFAR-10 python version "
              "archive. Download {archive} again from {url}.").format(
                path=archive, names=", ".join(missing), archive=CIFAR10_ARCHIVE,
                url=CIFAR10_URL))
    return files


def _batch_arrays(batch, name, source):
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 of one CIFAR-10 batch."""
    data, labels = batch.get("data"), batch.get("labels")
    ok = isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 \
        and data.shape[1] == 3 * 32 * 32 and isinstance(labels, (list, np.ndarray)) \
        and len(labels) == len(data)
    if ok:
        labels = np.asarray(labels)
        ok = labels.dtype.kind in "iu" and labels.size > 0 \
            and labels.min() >= 0 and labels.max() <= 9
    if not ok:
        raise ValueError(_("{name} in {path} is not a CIFAR-10 batch of the python "
                           "version: expected a dict with 'data' (N x 3072 uint8) and "
                           "'labels' (N integers from 0 to 9).").format(
            name=name, path=source))
    # Each row holds the 1024 red values, then the green, then the blue, each
    # a 32x32 image row by row: exactly the order of (3, 32, 32).
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def _class_names(meta, source):
    names = meta.get("label_names")
    if not isinstance(names, list) or len(names) != 10:
        raise ValueError(_("batches.meta in {path} has no list of the 10 "
                           "label_names.").format(path=source))
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]


def load_cifar10(path=None, dtype=np.float32, val_size=1000, seed=0,
                 expected_md5=CIFAR10_MD5):
    """CIFAR-10 from your local copy of its python version, split and normalised.

    convlab never downloads it: get ``cifar-10-python.tar.gz`` (163 MB,
    "CIFAR-10 python version") from https://www.cs.toronto.edu/~kriz/cifar.html
    yourself. If the path does not exist, the error says what to do.

    Inputs:
    - path: the .tar.gz (read as it is, nothing is extracted to disk), the
      extracted ``cifar-10-batches-py`` folder, or a folder holding either.
      None: the environment variable CONVLAB_CIFAR10.
    - dtype: floating-point dtype of the images
    - val_size: number of training images set aside for validation,
      stratified (about val_size / 10 of each class)
    - seed: which validation images; the same seed gives the same arrays
    - expected_md5: the MD5 checksum the .tar.gz must have, by default the
      published one of the official archive: a truncated or different file
      is refused before it is read. None skips the check (for an archive you
      made yourself, as the tests do). The folder is not checksummed.

    Pixel values 0..255 are divided by 255 (to [0, 1]), then the per-pixel
    mean of the training images is subtracted from all three splits.

    Returns a dict, with the full dataset and val_size=1000:
    - X_train (49000, 3, 32, 32), X_val (1000, 3, 32, 32), X_test (10000, 3, 32, 32)
    - y_train, y_val, y_test: int64 labels 0..9
    - class_names: ["airplane", "automobile", ..., "truck"] (from batches.meta)
    - mean: (3, 32, 32) dtype, the training mean already subtracted
    - index_train, index_val: positions among the 50,000 training images
      (data_batch_1 to data_batch_5, in order); index_test: 0..9999
    Float32 arrays of the full dataset take about 740 MB.

    Security: the files are Python pickles; only NumPy arrays and plain
    values are unpickled from them, anything else is refused.
    """
    val_size = checks.whole_number("val_size", val_size, 0)
    seed = checks.whole_number("seed", seed, 0)
    dtype = _float_dtype(dtype)
    if expected_md5 is not None and not isinstance(expected_md5, str):
        raise TypeError(_("expected_md5 must be a string of 32 hex digits or None, "
                          "got {value!r}.").format(value=expected_md5))
    source = find_cifar10(path)
    if source.is_dir():
        files = _read_cifar10_folder(source)
    else:
        if expected_md5 is not None:
            actual = _md5(source)
            if actual != expected_md5.lower():
                raise ValueError(_(
                    "{path} is corrupt or is not the official {archive}: its MD5 "
                    "checksum is {actual}, expected {expected}. A download that "
                    "stopped early gives this error. Download {archive} again from "
                    "{url} (163 MB). For an archive you made yourself, pass "
                    "expected_md5=None to skip the check.").format(
                        path=source, archive=CIFAR10_ARCHIVE, actual=actual,
                        expected=expected_md5, url=CIFAR10_URL))
        files = _read_cifar10_archive(source)

    batches = [_batch_arrays(files[name], name, source) for name in CIFAR10_TRAIN_BATCHES]
    images = np.concatenate([images for images, _labels in batches])
    y = np.concatenate([labels for _images, labels in batches])
    test_images, y_test = _batch_arrays(files["test_batch"], "test_batch", source)
    _leaves_training_images("val_size", val_size, len(y))
    train, val, _none = _split_indices(y, val_size, 0, np.random.default_rng(seed))

    def scaled(uint8_images):
        X = uint8_images.astype(dtype)
        X /= 255
        return X

    data = {"X_train": scaled(images[train]), "y_train": y[train],
            "X_val": scaled(images[val]), "y_val": y[val],
            "X_test": scaled(test_images), "y_test": y_test,
            "class_names": _class_names(files["batches.meta"], source),
            "index_train": train, "index_val": val,
            "index_test": np.arange(len(y_test), dtype=np.int64)}
    return _subtract_training_mean(data)


# --- What is available (for `convlab doctor`) ------------------------------------

def available_datasets(cifar10_path=None):
    """Which datasets can be loaded on this machine: dict name -> True, False or a path.

    digits (if scikit-learn is installed), bars and letters (drawn by
    convlab, always) map to True or False; cifar10 maps to the path where
    it was found (``cifar10_path`` or $CONVLAB_CIFAR10) as a str, or False.
    Cheap: nothing is read.
    """
    cifar10 = cifar10_available(cifar10_path) and str(find_cifar10(cifar10_path))
    return {"digits": importlib.util.find_spec("sklearn") is not None,
            "bars": True,
            "letters": True,
            "cifar10": cifar10}
