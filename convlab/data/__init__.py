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

The modules: ``digits.py``, ``bars.py``, ``letters.py``, ``cifar10.py``, and
``splits.py``, what the loaders share.
"""
from convlab.data.bars import bar_image, oriented_bars
from convlab.data.cifar10 import (available_datasets, cifar10_available, find_cifar10,
                                  load_cifar10)
from convlab.data.digits import load_digits
from convlab.data.letters import (ALPHABET, LETTER_SIZE, MAX_SHIFT, letter_image, letters_20x20,
                                  separable_pair)

__all__ = ["ALPHABET", "LETTER_SIZE", "MAX_SHIFT", "available_datasets", "bar_image",
           "cifar10_available", "find_cifar10", "letter_image", "letters_20x20",
           "load_cifar10", "load_digits", "oriented_bars", "separable_pair"]
