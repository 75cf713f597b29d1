"""Datasets of the course, all offline: NumPy arrays ready for the layers.

- ``load_digits``: scikit-learn's 1,797 handwritten digits, 8x8 pixels. They
  come with scikit-learn, so this works without internet: the default dataset.
- ``oriented_bars``: bright bars on a dark background at a few orientations,
  the stimuli of Hubel & Wiesel's experiments (1959). ``bar_image`` draws one.
- ``letters_20x20``: capital letters on the 20x20 grid of the Mark I
  Perceptron's 400 photocells (1957). ``separable_pair`` is a two-letter task
  a perceptron can learn.
- ``load_cifar10``: CIFAR-10 (60,000 colour images, 32x32) from the archive
  you downloaded yourself. convlab never downloads anything.

Images are NCHW, X (N, C, H, W), floating point (float32 unless ``dtype``
says otherwise); labels y (N,) are int64. The functions that draw at random
take a ``seed``: the same seed always gives the same arrays.

The loaders (``load_digits``, ``load_cifar10``) return a dict with X_train,
y_train, X_val, y_val, X_test, y_test (the CS231n names), class_names,
mean (the training images' per-pixel mean, already subtracted from every
split) and index_train, index_val, index_test (where each image sits in the
original dataset).
"""
import gzip
import hashlib
import importlib.util
import numbers
import os
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from convlab import checks
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


# --- Oriented bars (Hubel & Wiesel) ----------------------------------------------

def bar_image(orientation, center, length, width, size=15):
    """One bright bar on a dark background: a (size, size) float64 image in [0, 1].

    Inputs:
    - orientation: angle of the bar in degrees, counter-clockwise from the
      horizontal as the image is shown with row 0 at the top (as
      ``plt.imshow`` draws it): 0 is "-", 45 "/", 90 "|", 135 "\\"
    - center: (row, column) of the middle of the bar, in pixels; pixel
      (i, j) has its centre at (i, j), so (size - 1) / 2 is the middle of
      the image. Fractions are fine, and so is a centre outside the image.
    - length: of the bar, end to end, in pixels (it may be longer than the
      image: the image then shows the part of the bar inside it)
    - width: of the bar, side to side, in pixels
    - size: the image is size x size pixels

    The bar's edges are soft, a simple anti-aliasing: a pixel is 1 when its
    centre is inside the bar by half a pixel or more, 0 when it is outside
    by half a pixel or more, and in between its value changes linearly. So
    a tilted bar does not look jagged, and moving a bar by a fraction of a
    pixel changes the image a little instead of not at all.
    """
    orientation = _real("orientation", orientation)
    row, col = _center(center)
    length = _real("length", length, above=0)
    width = _real("width", width, above=0)
    size = checks.whole_number("size", size, 1)
    # Rounded so that 90 degrees gives cos = 0 exactly, not 6e-17: an upright
    # bar then has pixels of exactly 0 and 1, like a horizontal one.
    cos = np.round(np.cos(np.deg2rad(orientation)), 12)
    sin = np.round(np.sin(np.deg2rad(orientation)), 12)
    rows, cols = np.mgrid[0:size, 0:size]
    # Coordinates of each pixel centre relative to the bar's centre, with
    # the vertical axis pointing up (rows count down).
    right, up = cols - col, row - rows
    along = right * cos + up * sin
    across = -right * sin + up * cos
    inside_length = np.clip(length / 2 + 0.5 - np.abs(along), 0, 1)
    inside_width = np.clip(width / 2 + 0.5 - np.abs(across), 0, 1)
    return inside_length * inside_width


def _center(center):
    """Check that ``center`` is a pair (row, column) of finite numbers."""
    try:
        row, col = center
    except (TypeError, ValueError):
        row = col = None
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)
               for v in (row, col)):
        raise TypeError(_("center must be a pair (row, column) of numbers, "
                          "got {value!r}.").format(value=center))
    return float(row), float(col)


def _orientations(orientations):
    """Check ``orientations`` (a non-empty list of distinct angles) and return it as an array."""
    try:
        angles = [float(a) for a in orientations
                  if isinstance(a, numbers.Real) and not isinstance(a, bool)]
        complete = len(angles) == len(orientations) > 0
    except TypeError:
        complete = False
    if not complete or not np.all(np.isfinite(angles)):
        raise TypeError(_("orientations must be a non-empty list of angles in degrees, "
                          "got {value!r}.").format(value=orientations))
    for i, later in enumerate(angles):
        for earlier in angles[:i]:
            if (later - earlier) % 180 == 0:
                raise ValueError(_("orientations must be different bars, but {a} and "
                                   "{b} degrees draw the same bar (angles that differ "
                                   "by a multiple of 180 degrees do).").format(
                    a=earlier, b=later))
    return np.array(angles)


def _half_extent(angle, length, width):
    """Half the height and half the width (in pixels) of the region a bar lights up.

    That region is the bar grown by half a pixel on each side (its soft edge).
    """
    half_length, half_width = length / 2 + 0.5, width / 2 + 0.5
    cos, sin = abs(np.cos(np.deg2rad(angle))), abs(np.sin(np.deg2rad(angle)))
    return sin * half_length + cos * half_width, cos * half_length + sin * half_width


def oriented_bars(n_per_class=100, size=15, orientations=(0, 45, 90, 135),
                  bar_length=7.0, bar_width=2.0, end_stopped=False, noise=0.0,
                  seed=0, dtype=np.float32):
    """Hubel & Wiesel style stimuli: one bright bar per image, at one of a few orientations.

    Each image is ``bar_image(orientation, center, length, bar_width, size)``
    (see it for the angle convention and the soft edges), the images are in
    random order, and the label is the index of the bar's orientation.

    Position: the centre is drawn uniformly among the positions where a bar
    of length ``bar_length`` at that orientation lies wholly inside the
    image (in the middle of the image if it does not fit anywhere).

    Length: with ``end_stopped=False`` every bar is ``bar_length`` long. With
    ``end_stopped=True``, to show an end-stopped (hypercomplex) cell, half of
    the bars of each orientation are short and half are long:
    - short bars have a length drawn uniformly between bar_length / 2 and
      bar_length: both ends lie inside a receptive field of diameter
      bar_length centred on the bar (and inside the image, if a bar of
      bar_length fits in it);
    - long bars are 3 * size long, longer than twice the image's diagonal:
      wherever their centre is, they cross the whole image and no end is in
      view, so they extend beyond any receptive field in the image.
    So ``lengths <= bar_length`` tells the short bars from the long ones.

    Inputs:
    - n_per_class: number of images of each orientation
    - size: images are size x size pixels
    - orientations: angles in degrees (see bar_image), all different bars
    - bar_length, bar_width: in pixels
    - end_stopped: mix short and long bars (see above)
    - noise: standard deviation of Gaussian noise added to every pixel;
      the values are then clipped to [0, 1]
    - seed: the same seed gives the same arrays
    - dtype: floating-point dtype of X

    Returns a dict, with n = n_per_class * len(orientations):
    - X: (n, 1, size, size) dtype, values in [0, 1], background 0
    - y: (n,) int64, the index of each image's orientation in ``orientations``
    - orientations: (len(orientations),) float64, the angles in degrees
    - positions: (n, 2) float64, (row, column) of each bar's centre
    - lengths: (n,) float64, each bar's length end to end, in pixels
    """
    n_per_class = checks.whole_number("n_per_class", n_per_class, 1)
    size = checks.whole_number("size", size, 1)
    angles = _orientations(orientations)
    bar_length = _real("bar_length", bar_length, above=0)
    bar_width = _real("bar_width", bar_width, above=0)
    noise = _real("noise", noise, minimum=0)
    seed = checks.whole_number("seed", seed, 0)
    dtype = _float_dtype(dtype)
    rng = np.random.default_rng(seed)

    n = n_per_class * len(angles)
    y = np.repeat(np.arange(len(angles), dtype=np.int64), n_per_class)
    lengths = np.full(n, bar_length)
    if end_stopped:
        long_bar = np.arange(n) % n_per_class % 2 == 1     # every other image of a class
        lengths = np.where(long_bar, 3.0 * size,
                           rng.uniform(bar_length / 2, bar_length, size=n))
    middle = (size - 1) / 2
    positions = np.empty((n, 2))
    for i in range(n):
        for axis, half in enumerate(_half_extent(angles[y[i]], bar_length, bar_width)):
            low, high = (half, size - 1 - half) if half <= middle else (middle, middle)
            positions[i, axis] = rng.uniform(low, high)

    order = rng.permutation(n)
    y, positions, lengths = y[order], positions[order], lengths[order]

    X = np.empty((n, 1, size, size), dtype=dtype)
    for i in range(n):
        X[i, 0] = bar_image(angles[y[i]], positions[i], lengths[i], bar_width, size)
    # Drawn last: the same seed gives the same bars with and without noise.
    if noise > 0:
        X = np.clip(X + rng.normal(0, noise, size=X.shape), 0, 1).astype(dtype)
    return {"X": X, "y": y, "orientations": angles,
            "positions": positions, "lengths": lengths}


# --- Letters on 20x20 photocells (Mark I Perceptron) --------------------------

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LETTER_SIZE = 20      # the Mark I Perceptron's 20x20 = 400 photocells
MAX_SHIFT = 2         # every letter has a blank margin of (at least) 2 pixels

# Each letter is drawn as strokes: polylines through points (x, y) of the
# 20x20 grid, x to the right and y down, pixel (row, col) centred at
# (x, y) = (col, row). The letters fill the box x 3.5..15.5, y 2.5..16.5;
# a stroke lights the pixels whose centre lies within STROKE_RADIUS of it.
# Strokes on half-integer lines are then exactly 2 pixels wide.
STROKE_RADIUS = 1.1   # a little over 1: no pixel centre falls exactly on the edge
_L, _R, _T, _B, _M = 3.5, 15.5, 2.5, 16.5, 9.5   # left, right, top, bottom, middle


def _arc(cx, cy, rx, ry, start, end):
    """Points of an elliptic arc, from angle ``start`` to ``end`` (degrees).

    Angles are counter-clockwise as seen, 0 pointing right: the point at
    angle a is (cx + rx cos a, cy - ry sin a), since y points down.
    """
    steps = int(np.ceil(abs(end - start) / 10)) + 1     # a point every 10 degrees or less
    angles = np.deg2rad(np.linspace(start, end, steps))
    return [(cx + rx * np.cos(a), cy - ry * np.sin(a)) for a in angles]


_P_BOWL = [(_L, _B), (_L, _T)] + _arc(11.5, 6.25, 4, 3.75, 90, -90) + [(_L, 10)]
_O_RING = _arc(_M, _M, 6, 7, 0, 360)

STROKES = {
    "A": [[(_L, _B), (_M, _T), (_R, _B)], [(5.6, 11.5), (13.4, 11.5)]],
    "B": [[(_L, _B), (_L, _T)] + _arc(11.5, 6, 3, 3.5, 90, -90) + [(_L, _M)],
          [(_L, _M)] + _arc(12, 13, 3.5, 3.5, 90, -90) + [(_L, _B)]],
    "C": [_arc(_M, _M, 6, 7, 45, 315)],
    "D": [[(_L, _T)] + _arc(_M, _M, 6, 7, 90, -90) + [(_L, _B), (_L, _T)]],
    "E": [[(_R, _T), (_L, _T), (_L, _B), (_R, _B)], [(_L, _M), (13.5, _M)]],
    "F": [[(_R, _T), (_L, _T), (_L, _B)], [(_L, _M), (13.5, _M)]],
    "G": [_arc(_M, _M, 6, 7, 45, 360) + [(10.5, _M)]],
    "H": [[(_L, _T), (_L, _B)], [(_R, _T), (_R, _B)], [(_L, _M), (_R, _M)]],
    "I": [[(_M, _T), (_M, _B)], [(6.5, _T), (12.5, _T)], [(6.5, _B), (12.5, _B)]],
    "J": [[(7.5, _T), (_R, _T)], [(12.5, _T)] + _arc(8.5, 12.5, 4, 4, 0, -180)],
    "K": [[(_L, _T), (_L, _B)], [(_R, _T), (_L, 11)], [(7.5, 8.2), (_R, _B)]],
    "L": [[(_L, _T), (_L, _B), (_R, _B)]],
    "M": [[(_L, _B), (_L, _T), (_M, 11.5), (_R, _T), (_R, _B)]],
    "N": [[(_L, _B), (_L, _T), (_R, _B), (_R, _T)]],
    "O": [_O_RING],
    "P": [_P_BOWL],
    "Q": [_O_RING, [(11, 12), (_R, _B)]],
    "R": [_P_BOWL, [(_M, 10), (_R, _B)]],
    "S": [_arc(_M, 6, 5.5, 3.5, 30, 270) + _arc(_M, 13, 6, 3.5, 90, -150)],
    "T": [[(_L, _T), (_R, _T)], [(_M, _T), (_M, _B)]],
    "U": [[(_L, _T)] + _arc(_M, 10.5, 6, 6, 180, 360) + [(_R, _T)]],
    "V": [[(_L, _T), (_M, _B), (_R, _T)]],
    "W": [[(_L, _T), (6.5, _B), (_M, 8.5), (12.5, _B), (_R, _T)]],
    "X": [[(_L, _T), (_R, _B)], [(_R, _T), (_L, _B)]],
    "Y": [[(_L, _T), (_M, _M), (_R, _T)], [(_M, _M), (_M, _B)]],
    "Z": [[(_L, _T), (_R, _T), (_L, _B), (_R, _B)]],
}


def _draw_strokes(polylines, size=LETTER_SIZE, radius=STROKE_RADIUS):
    """Rasterise polylines: a (size, size) bool image, True within ``radius`` of a stroke."""
    rows, cols = np.mgrid[0:size, 0:size]
    image = np.zeros((size, size), dtype=bool)
    for points in polylines:
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            # Nearest point of the segment to each pixel centre: a fraction t
            # of the way from its start to its end, t in [0, 1].
            dx, dy = x1 - x0, y1 - y0
            t = ((cols - x0) * dx + (rows - y0) * dy) / max(dx * dx + dy * dy, 1e-12)
            t = np.clip(t, 0, 1)
            distance2 = (cols - x0 - t * dx) ** 2 + (rows - y0 - t * dy) ** 2
            image |= distance2 <= radius ** 2
    return image


def _letters(letters):
    """Check ``letters`` (capital letters A to Z, each at most once) and return them as a list."""
    if isinstance(letters, str):
        chosen = list(letters)
    else:
        try:
            chosen = list(letters)
        except TypeError:
            chosen = []
    if not chosen or not all(isinstance(c, str) and len(c) == 1 and c in ALPHABET
                             for c in chosen):
        raise ValueError(_("letters must be a non-empty string of capital letters "
                           "A to Z, got {value!r}.").format(value=letters))
    for i, letter in enumerate(chosen):
        if letter in chosen[:i]:
            raise ValueError(_("letters must not repeat a letter, got {value!r} "
                               "({letter} twice).").format(value=letters, letter=letter))
    return chosen


def letter_image(letter):
    """The clean 20x20 image of one capital letter: float64, 1 (ink) or 0.

    Drawn from the strokes in ``STROKES`` with NumPy alone, so it never
    depends on a font or a matplotlib version.
    """
    if not (isinstance(letter, str) and len(letter) == 1 and letter in ALPHABET):
        raise ValueError(_("letter must be one capital letter from A to Z, "
                           "got {value!r}.").format(value=letter))
    return _draw_strokes(STROKES[letter]).astype(np.float64)


def letters_20x20(letters=ALPHABET, n_per_letter=20, shift=1, noise=0.0, seed=0,
                  dtype=np.float32):
    """Capital letters on a 20x20 grid, like the Mark I Perceptron's 400 photocells.

    Each image is ``letter_image(letter)`` moved by a random whole number of
    pixels, from -shift to shift, down and right (each direction on its own),
    then each pixel flipped (0 <-> 1) with probability ``noise``. The images
    are in random order.

    Inputs:
    - letters: the letters to draw, a string such as "ABC" (or a list)
    - n_per_letter: number of images of each letter
    - shift: largest shift in pixels, 0 to 2 (the letters' blank margin)
    - noise: probability that a pixel is flipped, 0 to 1
    - seed: the same seed gives the same arrays
    - dtype: floating-point dtype of X

    Returns a dict, with n = n_per_letter * len(letters):
    - X: (n, 1, 20, 20) dtype, each value 0 or 1
    - y: (n,) int64, the index of each image's letter in ``letters``
    - letters: the letters, a list of str
    """
    chosen = _letters(letters)
    n_per_letter = checks.whole_number("n_per_letter", n_per_letter, 1)
    shift = checks.whole_number("shift", shift, 0)
    if shift > MAX_SHIFT:
        raise ValueError(_("shift must be at most {maximum} pixels, got {value}: the "
                           "letters have a blank margin of {maximum} pixels, a larger "
                           "shift would cut them at the border of the 20x20 "
                           "grid.").format(maximum=MAX_SHIFT, value=shift))
    noise = _real("noise", noise, minimum=0, maximum=1)
    seed = checks.whole_number("seed", seed, 0)
    dtype = _float_dtype(dtype)
    rng = np.random.default_rng(seed)

    n = n_per_letter * len(chosen)
    y = np.repeat(np.arange(len(chosen), dtype=np.int64), n_per_letter)
    templates = [letter_image(letter) for letter in chosen]
    shifts = rng.integers(-shift, shift + 1, size=(n, 2))
    flips = rng.random((n, LETTER_SIZE, LETTER_SIZE)) < noise
    X = np.empty((n, 1, LETTER_SIZE, LETTER_SIZE), dtype=dtype)
    for i in range(n):
        # np.roll wraps around the border, but the letters' blank margin is
        # at least as wide as the shift: only blank pixels wrap.
        moved = np.roll(templates[y[i]], tuple(shifts[i]), axis=(0, 1))
        X[i, 0] = np.where(flips[i], 1 - moved, moved)
    order = rng.permutation(n)
    return {"X": X[order], "y": y[order], "letters": chosen}


def separable_pair(n_per_letter=50, seed=0, dtype=np.float32):
    """Two letters a perceptron can tell apart: "X" (d = 0) and "O" (d = 1).

    ``letters_20x20("XO", n_per_letter, shift=1, noise=0)``: the letters move
    by up to one pixel and have no noise. The two classes are linearly
    separable (the tests prove it for all 2 x 9 images the shifts can make),
    so the perceptron learning rule stops making mistakes after a finite
    number of passes (Rosenblatt's convergence theorem).

    Returns the dict of letters_20x20 (X (n, 1, 20, 20), y, letters) plus:
    - d: (n,) int64, the desired output, 0 for "X" and 1 for "O" (equal to y)
    - X_flat: (n, 400), the images as rows of 400 photocells
    """
    data = letters_20x20("XO", n_per_letter, shift=1, noise=0.0, seed=seed, dtype=dtype)
    data["d"] = data["y"].copy()
    data["X_flat"] = data["X"].reshape(len(data["X"]), -1)
    return data


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
