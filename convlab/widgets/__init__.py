"""Interactive demos of the course, built with ipywidgets.

Each is one call in a notebook, e.g. ``widgets.conv_stepper()``, and
returns an ipywidgets box. Every demo exposes ``controls`` (a dict of its
input widgets, by name) and ``readout`` (an HTML widget with the numbers it
shows), so tests can move a slider in Python and read what changed.

- conv_stepper, pool_stepper: slide a filter or a pooling window step by step
- output_size_calculator, padding_explorer, receptive_field_growth: the
  spatial arithmetic of conv layers
- perceptron_trainer: the 1957 learning rule on the Mark I's 20x20 letters
- orientation_tuning: Hubel & Wiesel's simple, complex and end-stopped cells
- training_dashboard: train a ConvNet live, ConvNetJS style

The demos import ipywidgets and matplotlib; ``import convlab`` does not
import this package.
"""
import importlib

_WHERE = {
    "conv_stepper": "steppers", "pool_stepper": "steppers",
    "output_size_calculator": "calculators", "padding_explorer": "calculators",
    "receptive_field_growth": "calculators",
    "perceptron_trainer": "neurons", "orientation_tuning": "neurons",
    "training_dashboard": "training",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    # Import the demo's module on first use: each needs only its own pieces.
    if name in _WHERE:
        module = importlib.import_module(f"convlab.widgets.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'convlab.widgets' has no attribute {name!r}")
