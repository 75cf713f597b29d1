"""A batch of images with their labels, and a model's predictions.

- ``image_grid(X, labels)``;
- ``predictions_grid(X, y_true, y_pred)``: the wrong predictions in red.
"""

import math
import numbers

import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.viz.style import _figure, _numeric_array, _scale01, WRONG_COLOR
from convlab.viz.words import N_, bilingual


# --- Images ------------------------------------------------------------------

def image_grid(X, labels=None, class_names=None, ncols=8, fig=None):
    """A batch of images in a grid, with their labels as titles.

    Inputs:
    - X: images (N, C, H, W) with C == 3 (colour) or C == 1 (grayscale);
      each image is min-max scaled to [0, 1] on its own
    - labels: None, or one label per image (N,): class numbers, or any text
    - class_names: None, or the names of the classes: title = class_names[label]
    - ncols: images per row
    - fig: figure to draw into (cleared first); None makes a new one

    Returns the Figure, one axes per image.
    """
    X = _images(X)
    titles = None
    if labels is not None:
        titles = [_label_name(label, class_names, "labels")
                  for label in _per_image("labels", labels, len(X))]
    return _image_panels(X, titles, None, ncols, fig)


def predictions_grid(X, y_true, y_pred, class_names=None, ncols=8, fig=None):
    """A batch of images titled with the predicted class, mistakes in red.

    Inputs as ``image_grid``, with y_true (N,) the true labels and y_pred
    (N,) the predictions. A wrong prediction gets a red title naming both
    classes and a red frame; the figure's title counts the wrong and the
    right ones among the images shown (in English and Vietnamese): when the
    images are a chosen few (the mistakes first, say), give the figure a
    title that says so. Returns the Figure.
    """
    X = _images(X)
    y_true = _per_image("y_true", y_true, len(X))
    y_pred = _per_image("y_pred", y_pred, len(X))
    titles, colors = [], []
    for true, pred in zip(y_true, y_pred):
        true_name = _label_name(true, class_names, "y_true")
        pred_name = _label_name(pred, class_names, "y_pred")
        if true == pred:
            titles.append(pred_name)
            colors.append(None)
        else:
            # The true class, "true / đúng: 7", under the prediction.
            titles.append("{}\n{}: {}".format(pred_name, bilingual(N_("true")),
                                               true_name))
            colors.append(WRONG_COLOR)
    fig = _image_panels(X, titles, colors, ncols, fig)
    correct = sum(color is None for color in colors)
    fig.suptitle(bilingual(N_("Of these {total} images: {wrong} predicted wrong (in red), "
                              "{correct} right")).format(
        total=len(X), wrong=len(X) - correct, correct=correct))
    return fig


def _images(X):
    X = _numeric_array("X", X)
    if X.ndim != 4 or X.shape[1] not in (1, 3):
        raise ShapeError(_("X must be a batch of images (N, C, H, W) with C = 1 or 3, "
                           "got shape {shape}. For one image use X[None]; for "
                           "grayscale images (N, H, W) use X[:, None].").format(
            shape=X.shape))
    return X


def _per_image(name, values, n):
    values = np.asarray(values)
    if values.shape != (n,):
        raise ShapeError(_("{name} must hold one label per image: expected shape "
                           "({n},), got {shape}.").format(name=name, n=n, shape=values.shape))
    return values.tolist()


def _label_name(label, class_names, name):
    if class_names is None:
        return str(label)
    if not isinstance(label, numbers.Integral) or not 0 <= label < len(class_names):
        raise ValueError(_("{name} must hold class numbers from 0 to {last} to name "
                           "them with class_names, got {label!r}.").format(
            name=name, last=len(class_names) - 1, label=label))
    return str(class_names[label])


def _image_panels(X, titles, colors, ncols, fig):
    ncols = checks.whole_number("ncols", ncols, minimum=1)
    ncols = min(ncols, len(X))
    nrows = math.ceil(len(X) / ncols)
    fig = _figure(fig, figsize=(1.5 * ncols, 1.7 * nrows + 0.4))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        if k >= len(X):
            ax.set_axis_off()
            continue
        _show_image(ax, X[k])
        color = colors[k] if colors else None
        if titles is not None:
            ax.set_title(titles[k], fontsize=9, color=color or "black")
        if color:
            ax.set_axis_on()
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(color)
                spine.set_linewidth(3)
    return fig


def _show_image(ax, image):
    """One image (C, H, W), C == 3 in colour, else the channel mean in gray."""
    if image.shape[0] == 3:
        ax.imshow(_scale01(image.transpose(1, 2, 0)), interpolation="nearest")
    else:
        ax.imshow(_scale01(image.mean(axis=0)), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
    ax.set_axis_off()
