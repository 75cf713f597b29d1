"""Plots for the course notebooks, with matplotlib.

- ``filter_grid(w)``: the filters of a conv layer as small images.
- ``activation_maps(model, image)``: what each layer of a network computes
  for one image.
- ``training_curves(history)`` and ``update_training_curves(fig, history)``:
  the loss and the accuracies of a training run, also as a live plot.
- ``conv_step(x, w, i, j)`` and ``pool_step(x, i, j)``: one step of a
  convolution or a pooling layer, drawn as in the lecture's slides; the
  numbers they show come from ``conv_step_values`` and ``pool_step_values``.
- ``image_grid(X, labels)`` and ``predictions_grid(X, y_true, y_pred)``: a
  batch of images with their labels, the wrong predictions in red.

Every function returns the matplotlib Figure it drew, never calls
``plt.show()`` and leaves matplotlib's global settings alone. Functions that
draw one picture take ``ax=``, those that draw several take ``fig=``; the
axes or figure passed in is cleared first, so a widget can redraw into the
same place. Arrays are NCHW, as everywhere in convlab. Every text shown goes
through ``convlab.i18n``, so the figures follow ``set_language("vi")``.

matplotlib is imported inside the functions: ``import convlab`` (which does
not import this package) and ``import convlab.viz`` stay fast.

The modules: ``filters.py``, ``training.py``, ``steps.py``, ``images.py``,
and ``style.py``, what they share (colours, figures, grids of cells).
"""
from convlab.viz.filters import activation_maps, filter_grid
from convlab.viz.images import image_grid, predictions_grid
from convlab.viz.steps import conv_step, conv_step_values, pool_step, pool_step_values
from convlab.viz.style import HIGHLIGHT, PADDING_COLOR, WRONG_COLOR
from convlab.viz.training import moving_average, training_curves, update_training_curves

__all__ = [
    "activation_maps", "conv_step", "conv_step_values", "filter_grid",
    "image_grid", "moving_average", "pool_step", "pool_step_values", "predictions_grid",
    "training_curves", "update_training_curves",
]
