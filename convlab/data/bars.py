"""Oriented bars, the stimuli of Hubel & Wiesel's experiments (1959).

- ``bar_image(orientation, center, length, width)``: one bar;
- ``oriented_bars()``: a labelled set of them.
"""

import numbers

import numpy as np

from convlab import checks
from convlab.data.splits import _float_dtype, _real
from convlab.i18n import _


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
