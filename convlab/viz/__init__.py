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
- ``bilingual(english, vietnamese)``: figure words in both languages;
  ``untranslated(fig)`` lists the words of a figure that have no Vietnamese.
- ``signed_image(ax, values)``: signed values by the colour rule, with a
  colour bar (``sign_legend(fig)`` says the rule in a legend instead);
  ``annotate_cells(ax, image)`` writes the numbers into the cells, readable
  on dark ones; ``colour_rule_problems(fig)`` checks a figure.

Every function returns the matplotlib Figure it drew, never calls
``plt.show()`` and leaves matplotlib's global settings alone. Functions that
draw one picture take ``ax=``, those that draw several take ``fig=``; the
axes or figure passed in is cleared first, so a widget can redraw into the
same place. Arrays are NCHW, as everywhere in convlab.

Two rules hold for every figure of the course (viz, the widgets, the
notebooks):
- words: every title, axis label and legend is in English and Vietnamese
  at once, "English / Tiếng Việt" (``bilingual``), whatever
  ``set_language`` says; error messages follow the chosen language.
- colours: signed values are drawn positive red, negative blue, zero white
  (``SIGNED_CMAP`` = "RdBu_r", centred on zero), with a colour bar or a
  legend. See course/glossary.md, "Colours".

matplotlib is imported inside the functions: ``import convlab`` (which does
not import this package) and ``import convlab.viz`` stay fast.

The modules: ``filters.py``, ``training.py``, ``steps.py``, ``images.py``,
``style.py``, what they share (colours, figures, grids of cells), and
``words.py``, the two languages of a figure.
"""
from convlab.viz.filters import activation_maps, filter_grid
from convlab.viz.images import image_grid, predictions_grid
from convlab.viz.steps import conv_step, conv_step_values, pool_step, pool_step_values
from convlab.viz.style import (HIGHLIGHT, PADDING_COLOR, SIGNED_CMAP, WRONG_COLOR,
                               annotate_cells, colour_rule_problems, sign_legend,
                               signed_image, signed_limit, text_color)
from convlab.viz.training import moving_average, training_curves, update_training_curves
from convlab.viz.words import bilingual, untranslated

__all__ = [
    "activation_maps", "annotate_cells", "bilingual", "colour_rule_problems", "conv_step",
    "conv_step_values", "filter_grid", "image_grid", "moving_average", "pool_step",
    "pool_step_values", "predictions_grid", "sign_legend", "signed_image", "signed_limit",
    "text_color", "training_curves", "untranslated", "update_training_curves",
]
