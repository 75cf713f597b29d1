"""Capital letters on the 20x20 photocells of the Mark I Perceptron (1957).

- ``letter_image(letter)``: one letter, drawn from its strokes;
- ``letters_20x20()``: shifted, noisy copies; ``separable_pair()``: a
  two-letter task a perceptron can learn.
"""

import numpy as np

from convlab import checks
from convlab.data.splits import _float_dtype, _real
from convlab.i18n import _


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
