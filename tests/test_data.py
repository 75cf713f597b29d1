"""convlab.data: the course's datasets, all offline."""
import hashlib
import itertools
import os
import pickle
import re
import socket
import tarfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from convlab import ShapeError, data
from convlab.data import cifar10


# --- Handwritten digits ----------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


@pytest.fixture(scope="module")
def sklearn_digits():
    from sklearn.datasets import load_digits
    return load_digits()


def test_digits_shapes_and_dtypes(digits):
    for split, n in (("train", 1197), ("val", 300), ("test", 300)):
        assert digits[f"X_{split}"].shape == (n, 1, 8, 8)
        assert digits[f"X_{split}"].dtype == np.float32
        assert digits[f"y_{split}"].shape == (n,)
        assert digits[f"y_{split}"].dtype == np.int64
    assert digits["mean"].shape == (1, 8, 8) and digits["mean"].dtype == np.float32
    assert digits["class_names"] == [str(d) for d in range(10)]


def test_digits_splits_are_disjoint_and_cover_the_dataset(digits):
    indices = [digits[f"index_{split}"] for split in ("train", "val", "test")]
    assert sum(len(i) for i in indices) == 1797
    assert len(np.unique(np.concatenate(indices))) == 1797
    for a, b in itertools.combinations(indices, 2):
        assert not set(a) & set(b)


def test_digits_splits_are_stratified(digits, sklearn_digits):
    counts = np.bincount(sklearn_digits.target, minlength=10)
    for split, n in (("train", 1197), ("val", 300), ("test", 300)):
        share = np.bincount(digits[f"y_{split}"], minlength=10)
        assert share.min() > 0, f"a digit is missing from the {split} split"
        np.testing.assert_allclose(share, counts * n / 1797, atol=3)


def test_digits_are_scaled_then_centred_on_the_training_mean(digits, sklearn_digits):
    assert np.abs(digits["X_train"].mean(axis=0)).max() < 1e-6
    for split in ("train", "val", "test"):
        pixels = (digits[f"X_{split}"] + digits["mean"]) * 16     # back to 0..16
        original = sklearn_digits.images[digits[f"index_{split}"]][:, None]
        np.testing.assert_allclose(pixels, original, atol=1e-4)
        np.testing.assert_array_equal(digits[f"y_{split}"],
                                      sklearn_digits.target[digits[f"index_{split}"]])


def test_digits_same_seed_same_arrays_other_seed_other_split(digits):
    again = data.load_digits(seed=0)
    for key in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "mean"):
        np.testing.assert_array_equal(again[key], digits[key])
    other = data.load_digits(seed=1)
    assert not np.array_equal(other["index_val"], digits["index_val"])
    assert not np.array_equal(other["index_test"], digits["index_test"])


def test_digits_other_sizes_and_dtype():
    d = data.load_digits(val_size=0, test_size=97, dtype=np.float64)
    assert d["X_train"].shape == (1700, 1, 8, 8) and d["X_train"].dtype == np.float64
    assert d["X_val"].shape == (0, 1, 8, 8)
    assert d["X_test"].shape == (97, 1, 8, 8)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"val_size": -1}, ShapeError, "val_size must be at least 0"),
    ({"test_size": 0.2}, TypeError, "test_size must be a whole number"),
    ({"val_size": 1000, "test_size": 797}, ValueError, "leaves no images for the training set"),
    ({"dtype": np.int32}, TypeError, "floating-point"),
    ({"seed": -3}, ShapeError, "seed must be at least 0"),
])
def test_digits_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        data.load_digits(**kwargs)


# --- Oriented bars -----------------------------------------------------------------

def principal_angle(image):
    """Orientation (degrees, 0..180, counter-clockwise as shown) of the bright pixels.

    From the image's second moments: the axis along which they spread most.
    """
    rows, cols = np.indices(image.shape)
    weight = image / image.sum()
    right = cols - (weight * cols).sum()
    up = -(rows - (weight * rows).sum())
    mu20, mu02, mu11 = ((weight * right**2).sum(), (weight * up**2).sum(),
                        (weight * right * up).sum())
    return np.degrees(0.5 * np.arctan2(2 * mu11, mu20 - mu02)) % 180


def angle_difference(a, b):
    """Difference between two orientations, in degrees (0..90): 0 and 180 are one."""
    return abs((a - b + 90) % 180 - 90)


@pytest.fixture(scope="module")
def bars():
    return data.oriented_bars(n_per_class=25, seed=3)


def test_bars_shapes_and_labels(bars):
    assert bars["X"].shape == (100, 1, 15, 15) and bars["X"].dtype == np.float32
    assert bars["y"].dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bars["y"]), [25] * 4)
    np.testing.assert_array_equal(bars["orientations"], [0, 45, 90, 135])
    assert bars["positions"].shape == (100, 2) and bars["lengths"].shape == (100,)
    assert bars["X"].min() >= 0 and bars["X"].max() <= 1


def test_bars_label_matches_the_measured_orientation(bars):
    for image, label in zip(bars["X"][:, 0], bars["y"]):
        measured = principal_angle(image.astype(np.float64))
        assert angle_difference(measured, bars["orientations"][label]) < 2


@settings(max_examples=40)
@given(angle=st.floats(0, 180), length=st.floats(8, 12), width=st.floats(1, 2.5),
       row=st.floats(8, 12), col=st.floats(8, 12))
def test_bar_image_is_drawn_at_its_orientation(angle, length, width, row, col):
    image = data.bar_image(angle, (row, col), length, width, size=21)
    assert image.shape == (21, 21) and image.min() >= 0 and image.max() <= 1
    assert angle_difference(principal_angle(image), angle) < 3


def test_bar_image_angle_convention():
    horizontal = data.bar_image(0, (7, 7), 9, 1, 15)
    vertical = data.bar_image(90, (7, 7), 9, 1, 15)
    rising = data.bar_image(45, (7, 7), 9, 1, 15)
    assert horizontal[7].sum() == 9 and horizontal.sum() == 9
    np.testing.assert_array_equal(vertical, horizontal.T)
    # "/" as plt.imshow shows it: bright up and to the right, row 0 at the top
    assert rising[4, 10] > 0.5 and rising[10, 4] > 0.5 and rising[4, 4] == 0


def test_bars_lie_inside_the_image_at_their_positions(bars):
    size = bars["X"].shape[-1]
    assert np.all((bars["positions"] >= 0) & (bars["positions"] <= size - 1))
    border = np.concatenate([bars["X"][:, 0, [0, -1], :].reshape(100, -1),
                             bars["X"][:, 0, :, [0, -1]].transpose(1, 0, 2).reshape(100, -1)],
                            axis=1)
    assert border.max() == 0, "a bar of bar_length reaches the border"
    for image, (row, col) in zip(bars["X"][:, 0], bars["positions"]):
        assert image[round(row), round(col)] > 0.5
    np.testing.assert_array_equal(bars["lengths"], 7.0)


def test_bars_positions_vary(bars):
    assert len(np.unique(bars["positions"][:, 0])) == 100


def test_end_stopped_bars_are_short_or_cross_the_image():
    bars = data.oriented_bars(n_per_class=10, bar_length=7, end_stopped=True, seed=1)
    lengths, size = bars["lengths"], 15
    short = lengths <= 7
    for label in range(4):
        assert short[bars["y"] == label].sum() == 5
    assert np.all((lengths[short] >= 3.5) & (lengths[short] <= 7))
    assert len(np.unique(lengths[short])) == short.sum(), "short bars vary in length"
    np.testing.assert_array_equal(lengths[~short], 3 * size)
    ink_on_border = [np.concatenate([im[0], im[-1], im[:, 0], im[:, -1]]).max() > 0
                     for im in bars["X"][:, 0]]
    np.testing.assert_array_equal(ink_on_border, ~short)
    for image, label in zip(bars["X"][:, 0], bars["y"]):
        measured = principal_angle(image.astype(np.float64))
        assert angle_difference(measured, bars["orientations"][label]) < 2


def test_bars_determinism_and_noise(bars):
    again = data.oriented_bars(n_per_class=25, seed=3)
    for key in ("X", "y", "positions", "lengths"):
        np.testing.assert_array_equal(again[key], bars[key])
    assert not np.array_equal(data.oriented_bars(n_per_class=25, seed=4)["X"], bars["X"])
    noisy = data.oriented_bars(n_per_class=25, noise=0.1, seed=3)
    np.testing.assert_array_equal(noisy["y"], bars["y"])
    np.testing.assert_array_equal(noisy["positions"], bars["positions"])   # same bars
    assert 0.02 < np.abs(noisy["X"] - bars["X"]).mean() < 0.1
    assert noisy["X"].min() >= 0 and noisy["X"].max() <= 1


def test_bars_other_orientations_and_size():
    bars = data.oriented_bars(n_per_class=3, size=21, orientations=(30, 120, 170),
                              bar_length=11, bar_width=1.5, dtype=np.float64)
    assert bars["X"].shape == (9, 1, 21, 21) and bars["X"].dtype == np.float64
    for image, label in zip(bars["X"][:, 0], bars["y"]):
        assert angle_difference(principal_angle(image),
                                bars["orientations"][label]) < 2


@pytest.mark.parametrize("kwargs, error, words", [
    ({"orientations": (0, 180)}, ValueError, "0.0 and 180.0 degrees draw the same bar"),
    ({"orientations": ()}, TypeError, "non-empty list of angles"),
    ({"orientations": ("up",)}, TypeError, "non-empty list of angles"),
    ({"bar_width": 0}, ValueError, "bar_width must be greater than 0"),
    ({"bar_length": "7"}, TypeError, "bar_length must be a number"),
    ({"noise": -0.1}, ValueError, "noise must be at least 0"),
    ({"n_per_class": 0}, ShapeError, "n_per_class must be at least 1"),
])
def test_bars_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        data.oriented_bars(**kwargs)


def test_bar_image_bad_center():
    with pytest.raises(TypeError, match=r"center must be a pair \(row, column\)"):
        data.bar_image(0, 7, 5, 1)


# --- Letters on 20x20 photocells ------------------------------------------------------

TEMPLATES = np.stack([data.letter_image(letter) for letter in data.ALPHABET])


def test_letter_images_are_binary_and_keep_a_blank_margin():
    assert TEMPLATES.shape == (26, 20, 20)
    assert set(np.unique(TEMPLATES)) == {0.0, 1.0}
    m = data.MAX_SHIFT
    for letter, image in zip(data.ALPHABET, TEMPLATES):
        assert image[m:-m, m:-m].sum() == image.sum(), letter
        assert image.sum() >= 40, letter


def test_letters_are_drawn_the_same_everywhere():
    # The strokes are rasterised with NumPy only (no font, no matplotlib), so
    # the 26 images never change unless STROKES does. Then update this digest.
    digest = hashlib.sha256(np.packbits(TEMPLATES.astype(bool)).tobytes()).hexdigest()
    assert digest == "6ae879b339fea60622a33d23c453ac25e2ffc50163116a8a213a6da8c7c680b5"


def test_every_letter_differs_from_every_other_even_shifted():
    # Two letters, each shifted by up to MAX_SHIFT: relative shifts up to 2 * MAX_SHIFT.
    reach = 2 * data.MAX_SHIFT
    padded = np.pad(TEMPLATES, ((0, 0), (reach, reach), (reach, reach)))
    for a, b in itertools.combinations(range(26), 2):
        for shift in itertools.product(range(-reach, reach + 1), repeat=2):
            different = np.sum(np.roll(padded[a], shift, axis=(0, 1)) != padded[b])
            assert different >= 10, (data.ALPHABET[a], data.ALPHABET[b], shift)


def test_letters_shapes_labels_and_clean_copies():
    d = data.letters_20x20(n_per_letter=3, shift=0, noise=0.0)
    assert d["X"].shape == (78, 1, 20, 20) and d["X"].dtype == np.float32
    assert d["X"].reshape(78, -1).shape[1] == 400
    assert d["letters"] == list(data.ALPHABET)
    np.testing.assert_array_equal(np.bincount(d["y"]), [3] * 26)
    np.testing.assert_array_equal(d["X"][:, 0], TEMPLATES[d["y"]])


def test_letters_shift_moves_the_letter_within_range():
    d = data.letters_20x20("AKQ", n_per_letter=30, shift=2, noise=0.0, seed=5)
    assert set(np.unique(d["X"])) == {0.0, 1.0}
    moved = 0
    for image, label in zip(d["X"][:, 0], d["y"]):
        template = TEMPLATES[data.ALPHABET.index(d["letters"][label])]
        shifts = [s for s in itertools.product(range(-2, 3), repeat=2)
                  if np.array_equal(np.roll(template, s, axis=(0, 1)), image)]
        assert shifts, "not a shifted copy of its letter"
        moved += shifts != [(0, 0)]
    assert moved > 60


def test_letters_noise_flips_about_that_fraction_of_pixels():
    clean = data.letters_20x20("EF", n_per_letter=50, shift=0, noise=0.0, seed=2)
    noisy = data.letters_20x20("EF", n_per_letter=50, shift=0, noise=0.1, seed=2)
    np.testing.assert_array_equal(noisy["y"], clean["y"])
    assert set(np.unique(noisy["X"])) == {0.0, 1.0}
    flipped = np.mean(noisy["X"] != clean["X"])
    assert 0.08 < flipped < 0.12


def test_letters_determinism():
    a = data.letters_20x20("ABC", n_per_letter=10, shift=1, noise=0.05, seed=7)
    b = data.letters_20x20("ABC", n_per_letter=10, shift=1, noise=0.05, seed=7)
    c = data.letters_20x20("ABC", n_per_letter=10, shift=1, noise=0.05, seed=8)
    np.testing.assert_array_equal(a["X"], b["X"])
    np.testing.assert_array_equal(a["y"], b["y"])
    assert not np.array_equal(a["X"], c["X"])


@pytest.mark.parametrize("kwargs, error, words", [
    ({"letters": "ab"}, ValueError, "capital letters A to Z"),
    ({"letters": ""}, ValueError, "non-empty string"),
    ({"letters": "ABA"}, ValueError, "A twice"),
    ({"shift": 3}, ValueError, "shift must be at most 2 pixels"),
    ({"noise": 1.5}, ValueError, "noise must be at most 1"),
    ({"n_per_letter": 0}, ShapeError, "n_per_letter must be at least 1"),
])
def test_letters_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        data.letters_20x20(**kwargs)


def linearly_separable(X, d):
    """True if some w, b have w.x + b >= 1 for d = 1 and <= -1 for d = 0 (an LP)."""
    sign = np.where(d == 1, 1.0, -1.0)
    A = -sign[:, None] * np.hstack([X, np.ones((len(X), 1))])
    result = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(X)),
                     bounds=(None, None), method="highs")
    return result.status == 0


def test_separable_pair_is_linearly_separable_for_every_shift():
    # Every image separable_pair can draw: X and O, each shifted by -1..1 pixels.
    images, d = [], []
    for label, letter in enumerate("XO"):
        for shift in itertools.product((-1, 0, 1), repeat=2):
            images.append(np.roll(data.letter_image(letter), shift, axis=(0, 1)).ravel())
            d.append(label)
    assert linearly_separable(np.array(images), np.array(d))
    # The check can say no: E with and without its middle bar, in one class
    # each, plus the same images swapped, is not separable.
    e, f = data.letter_image("E").ravel(), data.letter_image("F").ravel()
    assert not linearly_separable(np.array([e, f, f, e]), np.array([0, 1, 0, 1]))


def test_separable_pair_perceptron_converges():
    pair = data.separable_pair(n_per_letter=50, seed=0)
    X, d = pair["X_flat"].astype(np.float64), pair["d"]
    assert X.shape == (100, 400) and pair["X"].shape == (100, 1, 20, 20)
    np.testing.assert_array_equal(X, pair["X"].reshape(100, 400))
    assert pair["letters"] == ["X", "O"]
    np.testing.assert_array_equal(np.bincount(d), [50, 50])
    assert linearly_separable(X, d)
    # Rosenblatt's rule, bias as a weight on a constant input 1.
    X1 = np.hstack([X, np.ones((100, 1))])
    w = np.zeros(401)
    for epoch in range(100):
        mistakes = 0
        for x, target in zip(X1, d):
            y = int(w @ x > 0)
            if y != target:
                w += (target - y) * x
                mistakes += 1
        if mistakes == 0:
            break
    assert mistakes == 0, "the perceptron did not converge in 100 epochs"
    np.testing.assert_array_equal((X1 @ w > 0).astype(int), d)


def test_separable_pair_determinism():
    a, b = data.separable_pair(n_per_letter=5, seed=4), data.separable_pair(n_per_letter=5, seed=4)
    np.testing.assert_array_equal(a["X_flat"], b["X_flat"])
    np.testing.assert_array_equal(a["d"], b["d"])


# --- CIFAR-10 from a tiny archive in the official format ------------------------------

PER_BATCH = 20
LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]


def write_tiny_cifar10(root):
    """A CIFAR-10 python version with 20 images per batch, as the official files are.

    Writes root/cifar-10-batches-py/ and root/cifar-10-python.tar.gz (with
    the folder inside). Returns the raw (uint8 rows, labels) of the training
    batches and of the test batch. In data_batch_1, image 3 is black except
    for one green pixel at row 5, column 7.
    """
    rng = np.random.default_rng(0)
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    raw = {}
    for name in cifar10.CIFAR10_FILES[1:]:
        rows = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)
        labels = [int(k) for k in rng.permutation(np.arange(PER_BATCH) % 10)]
        if name == "data_batch_1":
            rows[3] = 0
            rows[3, 1024 + 5 * 32 + 7] = 200     # green plane, row 5, column 7
        raw[name] = (rows, labels)
        batch = {b"batch_label": f"{name} of 5".encode(), b"labels": labels,
                 b"data": rows, b"filenames": [b"x.png"] * PER_BATCH}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    meta = {b"num_cases_per_batch": PER_BATCH, b"num_vis": 3072,
            b"label_names": [n.encode() for n in LABEL_NAMES]}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=2)
    with tarfile.open(root / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    train_rows = np.concatenate([raw[n][0] for n in cifar10.CIFAR10_TRAIN_BATCHES])
    train_labels = np.concatenate([raw[n][1] for n in cifar10.CIFAR10_TRAIN_BATCHES])
    return (train_rows, train_labels), raw["test_batch"]


@pytest.fixture
def tiny(tmp_path):
    train, test = write_tiny_cifar10(tmp_path)
    return {"root": tmp_path, "folder": tmp_path / "cifar-10-batches-py",
            "archive": tmp_path / "cifar-10-python.tar.gz", "train": train, "test": test}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("convlab.data tried to use the network")
    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)


def check_tiny_cifar10(d, tiny, val_size):
    (train_rows, train_labels), (test_rows, test_labels) = tiny["train"], tiny["test"]
    n_train = 5 * PER_BATCH - val_size
    assert d["X_train"].shape == (n_train, 3, 32, 32) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (val_size, 3, 32, 32)
    assert d["X_test"].shape == (PER_BATCH, 3, 32, 32)
    assert d["mean"].shape == (3, 32, 32)
    assert d["class_names"] == LABEL_NAMES
    assert np.abs(d["X_train"].mean(axis=0)).max() < 1e-6
    assert sorted(np.concatenate([d["index_train"], d["index_val"]])) == list(range(100))
    for split in ("train", "val"):
        index = d[f"index_{split}"]
        np.testing.assert_array_equal(d[f"y_{split}"], train_labels[index])
        pixels = (d[f"X_{split}"] + d["mean"]) * 255
        np.testing.assert_allclose(pixels, train_rows[index].reshape(-1, 3, 32, 32),
                                   atol=1e-3)
    np.testing.assert_array_equal(d["y_test"], test_labels)
    np.testing.assert_allclose((d["X_test"] + d["mean"]) * 255,
                               test_rows.reshape(-1, 3, 32, 32), atol=1e-3)
    # The marked image: its only lit pixel is green, row 5, column 7.
    split = "train" if 3 in d["index_train"] else "val"
    position = list(d[f"index_{split}"]).index(3)
    marked = (d[f"X_{split}"][position] + d["mean"]) * 255
    assert np.argwhere(marked > 0.5).tolist() == [[1, 5, 7]]
    assert marked[1, 5, 7] == pytest.approx(200, abs=1e-3)


def test_cifar10_from_the_folder(tiny, no_network):
    d = data.load_cifar10(tiny["folder"], val_size=10)
    check_tiny_cifar10(d, tiny, 10)


def test_cifar10_from_the_archive_without_extracting(tiny, no_network, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    d = data.load_cifar10(tiny["archive"], val_size=10, expected_md5=None)
    check_tiny_cifar10(d, tiny, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    from_folder = data.load_cifar10(tiny["folder"], val_size=10)
    for key in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "mean"):
        np.testing.assert_array_equal(d[key], from_folder[key])


def test_cifar10_archive_with_its_right_checksum_loads(tiny, no_network):
    md5 = hashlib.md5(tiny["archive"].read_bytes()).hexdigest()
    d = data.load_cifar10(str(tiny["archive"]), val_size=0, expected_md5=md5)
    check_tiny_cifar10(d, tiny, 0)


def test_cifar10_archive_is_verified_by_default(tiny):
    assert cifar10.CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"
    with pytest.raises(ValueError) as error:
        data.load_cifar10(tiny["archive"], val_size=10)
    message = str(error.value)
    for words in ("corrupt", "not the official cifar-10-python.tar.gz", "MD5",
                  cifar10.CIFAR10_MD5, hashlib.md5(tiny["archive"].read_bytes()).hexdigest(),
                  "https://www.cs.toronto.edu/~kriz/cifar.html", "expected_md5=None"):
        assert words in message


def test_cifar10_validation_split_is_stratified_and_seeded(tiny):
    d = data.load_cifar10(tiny["folder"], val_size=10, seed=0)
    np.testing.assert_array_equal(np.bincount(d["y_val"], minlength=10), [1] * 10)
    again = data.load_cifar10(tiny["folder"], val_size=10, seed=0)
    np.testing.assert_array_equal(again["X_val"], d["X_val"])
    other = data.load_cifar10(tiny["folder"], val_size=10, seed=1)
    assert not np.array_equal(other["index_val"], d["index_val"])


def test_cifar10_parent_folder_and_environment_variable(tiny, monkeypatch):
    assert data.find_cifar10(tiny["root"]) == tiny["folder"]
    (tiny["root"] / "only-archive").mkdir()
    os.replace(tiny["archive"], tiny["root"] / "only-archive" / "cifar-10-python.tar.gz")
    assert data.find_cifar10(tiny["root"] / "only-archive") \
        == tiny["root"] / "only-archive" / "cifar-10-python.tar.gz"
    monkeypatch.setenv("CONVLAB_CIFAR10", str(tiny["folder"]))
    assert data.load_cifar10(val_size=10)["X_test"].shape == (PER_BATCH, 3, 32, 32)


def test_cifar10_missing_path_says_where_to_get_it(tmp_path):
    missing = str(tmp_path / "nowhere" / "cifar-10-python.tar.gz")
    with pytest.raises(FileNotFoundError) as error:
        data.load_cifar10(missing)
    message = str(error.value)
    for words in (missing, "https://www.cs.toronto.edu/~kriz/cifar.html",
                  "CIFAR-10 python version", "cifar-10-python.tar.gz", "163 MB",
                  "never downloads", "cifar-10-batches-py/", "data_batch_1", "test_batch"):
        assert words in message


def test_cifar10_missing_folder_suggests_the_archive_inside_it(tmp_path):
    missing = str(tmp_path / "data")
    target = os.path.join(missing, "cifar-10-python.tar.gz")
    with pytest.raises(FileNotFoundError, match=re.escape(f"save it as {target}")):
        data.load_cifar10(missing)


def test_cifar10_no_path_and_no_environment_variable(monkeypatch):
    monkeypatch.delenv("CONVLAB_CIFAR10", raising=False)
    with pytest.raises(FileNotFoundError) as error:
        data.load_cifar10()
    message = str(error.value)
    for words in ("CONVLAB_CIFAR10", "https://www.cs.toronto.edu/~kriz/cifar.html",
                  "~/data/cifar-10-python.tar.gz", "163 MB"):
        assert words in message


def test_cifar10_file_missing_from_the_folder(tiny):
    (tiny["folder"] / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="is missing data_batch_3") as error:
        data.load_cifar10(tiny["folder"], val_size=10)
    assert "cifar-10-batches-py/" in str(error.value)
    assert not data.cifar10_available(tiny["folder"])


def test_cifar10_file_missing_from_the_archive(tiny, tmp_path):
    archive = tmp_path / "partial.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in cifar10.CIFAR10_FILES[:-1]:       # no test_batch
            tar.add(tiny["folder"] / name, arcname=f"cifar-10-batches-py/{name}")
    with pytest.raises(FileNotFoundError, match="does not hold cifar-10-batches-py/test_batch"):
        data.load_cifar10(archive, val_size=10, expected_md5=None)


def test_cifar10_not_an_archive(tmp_path):
    fake = tmp_path / "cifar-10-python.tar.gz"
    fake.write_text("<html>404 Not Found</html>")
    with pytest.raises(ValueError, match="neither a folder nor a .tar.gz archive"):
        data.load_cifar10(fake, expected_md5=None)
    with pytest.raises(ValueError, match="corrupt"):
        data.load_cifar10(fake)


class RunsCode:
    """An object whose unpickling would call os.getcwd."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_cifar10_files_are_unpickled_safely(tiny):
    with open(tiny["folder"] / "data_batch_2", "wb") as f:
        pickle.dump({b"data": RunsCode(), b"labels": []}, f, protocol=2)
    with pytest.raises(ValueError, match="asks to run posix.getcwd|asks to run nt.getcwd"):
        data.load_cifar10(tiny["folder"], val_size=10)


def test_cifar10_wrong_batch_format(tiny):
    with open(tiny["folder"] / "test_batch", "wb") as f:
        pickle.dump({b"data": np.zeros((5, 100), np.uint8), b"labels": [0] * 5}, f)
    with pytest.raises(ValueError, match="test_batch in .* is not a CIFAR-10 batch"):
        data.load_cifar10(tiny["folder"], val_size=10)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"val_size": 100}, ValueError, "val_size = 100 leaves no images for the training set"),
    ({"val_size": -1}, ShapeError, "val_size must be at least 0"),
    ({"dtype": "uint8"}, TypeError, "floating-point"),
    ({"expected_md5": 12}, TypeError, "expected_md5 must be a string"),
])
def test_cifar10_bad_arguments(tiny, kwargs, error, words):
    with pytest.raises(error, match=words):
        data.load_cifar10(tiny["folder"], **kwargs)


def test_cifar10_path_of_the_wrong_type():
    with pytest.raises(TypeError, match="path must be a str or a pathlib.Path"):
        data.load_cifar10(3)


# --- What is available ------------------------------------------------------------

def test_cifar10_available_only_looks_at_names(tiny, tmp_path, monkeypatch):
    monkeypatch.delenv("CONVLAB_CIFAR10", raising=False)
    assert data.cifar10_available(tiny["folder"])
    assert data.cifar10_available(tiny["archive"])
    assert data.cifar10_available(tiny["root"])
    assert not data.cifar10_available(tmp_path / "missing")
    assert not data.cifar10_available()
    fake = tmp_path / "fake.tar.gz"
    fake.write_bytes(b"not read, not checksummed")
    assert data.cifar10_available(fake)
    monkeypatch.setenv("CONVLAB_CIFAR10", str(tiny["archive"]))
    assert data.cifar10_available()


def test_available_datasets(tiny, monkeypatch):
    monkeypatch.delenv("CONVLAB_CIFAR10", raising=False)
    assert data.available_datasets() == {"digits": True, "bars": True, "letters": True,
                                         "cifar10": False}
    monkeypatch.setenv("CONVLAB_CIFAR10", str(tiny["folder"]))
    assert data.available_datasets()["cifar10"] == str(tiny["folder"])
    assert data.available_datasets(tiny["archive"])["cifar10"] == str(tiny["archive"])
