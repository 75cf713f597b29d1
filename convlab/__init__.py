"""convlab: convolutional neural networks from the lecture, in NumPy.

The reference layers (``convlab.layers``), their shape arithmetic
(``convlab.shapes``) and gradient checks (``convlab.gradcheck``) used by the
course notebooks and by the autograder.
"""
from convlab.errors import ShapeError
from convlab.i18n import get_language, set_language
from convlab import gradcheck, layers, shapes

__version__ = "0.1.0"

__all__ = ["ShapeError", "get_language", "gradcheck", "layers",
           "set_language", "shapes"]
