"""What the loaders share: checks of their arguments, train/val/test splits
that keep the classes balanced, and the training mean subtracted.
"""

import numbers

import numpy as np

from convlab.i18n import _


# --- Checks of this module's arguments ----------------------------------------

def _float_dtype(dtype):
    """Check that ``dtype`` is a floating-point dtype and return it as np.dtype."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind != "f":
        raise TypeError(_("dtype must be a floating-point type such as np.float32 "
                          "or np.float64, got {dtype}.").format(dtype=dtype))
    return dtype


def _real(name, value, minimum=None, maximum=None, above=None):
    """Check that ``value`` is a finite real number in range and return it as a float.

    ``minimum`` and ``maximum`` are inclusive bounds, ``above`` an exclusive one.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(_("{name} must be a number, got {value!r} ({type}).").format(
            name=name, value=value, type=type(value).__name__))
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(_("{name} must be a finite number, got {value}.").format(
            name=name, value=value))
    if above is not None and value <= above:
        raise ValueError(_("{name} must be greater than {minimum}, got {value}.").format(
            name=name, minimum=above, value=value))
    if minimum is not None and value < minimum:
        raise ValueError(_("{name} must be at least {minimum}, got {value}.").format(
            name=name, minimum=minimum, value=value))
    if maximum is not None and value > maximum:
        raise ValueError(_("{name} must be at most {maximum}, got {value}.").format(
            name=name, maximum=maximum, value=value))
    return value


def _leaves_training_images(sizes, total, n):
    """Check that splitting ``total`` of ``n`` images off keeps some for training."""
    if total > n - 1:
        raise ValueError(_("{sizes} = {total} leaves no images for the training set: "
                           "there are {n} images to split, so {sizes} must be at "
                           "most {most}.").format(sizes=sizes, total=total, n=n,
                                                  most=n - 1))


# --- Splits and normalisation, shared by the loaders -------------------------

def _evenly_spaced(n, k):
    """k distinct positions spread evenly over range(n), for 0 <= k <= n."""
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    # The middles of k equal parts of [0, n): they are at least 1 apart.
    return (2 * np.arange(k) + 1) * n // (2 * k)


def _split_indices(y, val_size, test_size, rng):
    """Indices (train, val, test) of a stratified random split of the labels y (N,).

    The examples are sorted by class, in random order within each class;
    the test set takes ``test_size`` evenly spaced ones of that list, the
    validation set ``val_size`` evenly spaced ones of the rest. So each class
    gets its share of every split, to within one or two examples. Each split
    keeps the examples in their original order.
    """
    by_class = np.lexsort((rng.permutation(len(y)), y))
    test_positions = _evenly_spaced(len(by_class), test_size)
    test = by_class[test_positions]
    rest = np.delete(by_class, test_positions)
    val_positions = _evenly_spaced(len(rest), val_size)
    val = rest[val_positions]
    train = np.delete(rest, val_positions)
    return np.sort(train), np.sort(val), np.sort(test)


def _subtract_training_mean(data):
    """Subtract the training images' per-pixel mean from every split, in place.

    The mean, of shape (C, H, W), is stored under "mean": subtract it from
    any new image before giving it to a model trained on these splits.
    """
    dtype = data["X_train"].dtype
    # Summed in float64: a float32 sum of 50,000 images would lose digits.
    mean = data["X_train"].mean(axis=0, dtype=np.float64).astype(dtype)
    for split in ("X_train", "X_val", "X_test"):
        data[split] -= mean
    data["mean"] = mean
    return data
