"""scikit-learn's 1,797 handwritten digits, 8x8 pixels: the offline default.
"""

import numpy as np

from convlab import checks
from convlab.data.splits import (_float_dtype, _leaves_training_images, _split_indices,
                                 _subtract_training_mean)


# --- Handwritten digits (scikit-learn) -----------------------------------------

def load_digits(val_size=300, test_size=300, seed=0, dtype=np.float32):
    """scikit-learn's 1,797 handwritten digits (8x8 pixels), split and normalised.

    The images come with scikit-learn (``sklearn.datasets.load_digits``),
    so nothing is downloaded. The default split is 1,197 training, 300
    validation and 300 test images, stratified: every digit has about the
    same share of each split (about 120 / 30 / 30 images of each digit).

    Normalisation: pixel values 0..16 are divided by 16 (to [0, 1]), then
    the per-pixel mean of the training images is subtracted from all three
    splits (the validation and test images never influence it).

    Inputs:
    - val_size, test_size: number of images in the validation and test sets
      (0 is allowed); the training set gets the other 1797 - val_size - test_size
    - seed: which random split; the same seed gives the same arrays
    - dtype: floating-point dtype of the images

    Returns a dict:
    - X_train (1197, 1, 8, 8), X_val (300, 1, 8, 8), X_test (300, 1, 8, 8):
      dtype, NCHW with one channel
    - y_train, y_val, y_test: int64 labels 0..9
    - class_names: ["0", "1", ..., "9"]
    - mean: (1, 8, 8) dtype, the training mean already subtracted
    - index_train, index_val, index_test: int64 positions of the images in
      ``sklearn.datasets.load_digits()``
    """
    val_size = checks.whole_number("val_size", val_size, 0)
    test_size = checks.whole_number("test_size", test_size, 0)
    seed = checks.whole_number("seed", seed, 0)
    dtype = _float_dtype(dtype)
    from sklearn.datasets import load_digits as sklearn_load_digits  # slow import

    digits = sklearn_load_digits()
    X = (digits.images[:, None] / 16.0).astype(dtype)    # (1797, 1, 8, 8)
    y = digits.target.astype(np.int64)
    _leaves_training_images("val_size + test_size", val_size + test_size, len(y))
    train, val, test = _split_indices(y, val_size, test_size,
                                      np.random.default_rng(seed))
    data = {"X_train": X[train], "y_train": y[train],
            "X_val": X[val], "y_val": y[val],
            "X_test": X[test], "y_test": y[test],
            "class_names": [str(digit) for digit in range(10)],
            "index_train": train, "index_val": val, "index_test": test}
    return _subtract_training_mean(data)
