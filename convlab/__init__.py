"""convlab: convolutional neural networks from the lecture, in NumPy.

- ``convlab.layers``, ``convlab.shapes``, ``convlab.gradcheck``: the layers
  of a ConvNet (naive and fast), their shape arithmetic, gradient checks;
- ``convlab.models``, ``convlab.optim``, ``convlab.Solver``: networks from
  the 1957 perceptron to ConvNets, update rules, training;
- ``convlab.data``: offline datasets; ``convlab.viz`` (imported on its own,
  it needs matplotlib): plots.
"""
from convlab.errors import ShapeError
from convlab.i18n import get_language, set_language
from convlab import data, gradcheck, layers, models, optim, shapes
from convlab.solver import Solver
from convlab.gpu.backend import gpu_available, to_cpu, to_gpu

__version__ = "0.1.0"

__all__ = ["ShapeError", "Solver", "data", "get_language", "gpu_available", "gradcheck",
           "layers", "models", "optim", "set_language", "shapes", "to_cpu", "to_gpu"]
