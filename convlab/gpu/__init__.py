"""The GPU backend: where arrays live, and the CUDA kernels of the fast layers.

- ``backend.py``: ``get_array_module``, ``to_gpu`` / ``to_cpu``,
  ``gpu_available``; CuPy is imported only when a GPU is asked for;
- ``kernels.py``: launches the CUDA C kernels of ``cuda/*.cu`` (im2col,
  col2im, pooling) on CuPy arrays;
- ``emulation.py``: a stand-in GPU for tests on machines without one (the
  same .cu files compiled for the CPU).

It sits below the layers: it imports nothing of convlab but ``i18n``, and
its modules import each other one way (emulation -> kernels -> backend).
"""
from convlab.gpu.backend import gpu_available, to_cpu, to_gpu

__all__ = ["gpu_available", "to_cpu", "to_gpu"]
