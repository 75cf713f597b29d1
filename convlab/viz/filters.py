"""The filters of a conv layer, and what each layer computes for one image.

- ``filter_grid(w)``: the filters of a conv layer as small images;
- ``activation_maps(model, image)``: every layer's output for one image.
"""

import math
import numbers

import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.viz.images import _show_image
from convlab.viz.style import (NEGATIVE_COLOR, POSITIVE_COLOR, SIGNED_CMAP, _axes, _figure,
                               _grid_shape, _numeric_array, _scale01, _tile, signed_limit)
from convlab.viz.words import N_, bilingual


# --- Filters -----------------------------------------------------------------

def filter_grid(w, ax=None, title=None, normalize="each"):
    """The filters of a conv layer as a grid of small images.

    Inputs:
    - w: filters (F, C, HH, WW), or (F, HH, WW) for one channel each.
      C == 3 is shown in colour (channel 0 red, 1 green, 2 blue), C == 1 in
      grayscale. For any other C each tile shows the mean of the filter over
      its C channels, in grayscale; to see one channel k alone, pass
      ``w[:, k]``.
    - ax: axes to draw into (cleared first); None makes a new figure.
    - title: the axes title; None writes the number and size of the filters
      (in English and Vietnamese), "" writes none.
    - normalize: "each" scales every filter on its own to [0, 1] (min to
      black, max to white), which shows each pattern best; "all" uses one
      scale for all filters, which keeps their strengths comparable.

    Returns the Figure. ``ax.images[k]`` holds filter k's scaled pixels,
    (HH, WW, 3) for colour or (HH, WW).
    """
    w = _numeric_array("w", w)
    if w.ndim == 3:
        w = w[:, None]
    if w.ndim != 4:
        raise ShapeError(_("w must hold conv filters (F, C, HH, WW) or (F, HH, WW), "
                           "got shape {shape} ({ndim}-D).").format(
            shape=w.shape, ndim=w.ndim))
    if normalize not in ("each", "all"):
        raise ValueError(_("normalize must be \"each\" or \"all\", got "
                           "{value!r}.").format(value=normalize))
    F, C, HH, WW = w.shape
    if C == 3:
        tiles = w.transpose(0, 2, 3, 1)      # (F, HH, WW, 3): imshow wants RGB last
    elif C == 1:
        tiles = w[:, 0]
    else:
        tiles = w.mean(axis=1)
    if normalize == "each":
        tiles = np.stack([_scale01(tile) for tile in tiles])
    else:
        tiles = _scale01(tiles)

    nrows, ncols = _grid_shape(F)
    fig, ax = _axes(ax, figsize=(5, 5 * nrows / ncols + 0.5))
    cmap = None if C == 3 else "gray"
    _tile(ax, tiles, cmap=cmap, vmin=0, vmax=1)
    if title is None:
        title = bilingual(N_("{count} filters {width}x{height}x{depth}")).format(
            count=F, width=WW, height=HH, depth=C)
        if C not in (1, 3):
            title += "\n" + bilingual(N_("(mean over the {depth} channels)")).format(depth=C)
    ax.set_title(title)
    return fig


# --- Activation maps ---------------------------------------------------------

def activation_maps(model, image, layers=None, max_maps=16, fig=None):
    """What each layer of a network computes for one image.

    Inputs:
    - model: a network with ``model.activations(X)``, which takes a batch
      X (N, C, H, W) and returns the list of (layer name, array) of its
      layers in forward order, arrays (N, D, H', W') for conv and pooling
      layers and (N, D) for fully connected ones. Or that list itself, e.g.
      computed in the notebook; its arrays may also be one example's,
      (D, H', W') or (D,). Of a batch, example 0 is shown.
    - image: one input (C, H, W), or a batch of one (1, C, H, W); shown in
      the first panel. May be None when ``model`` is a list.
    - layers: which layers to show, by name or by position in the list
      (a list, or one name); None shows all.
    - max_maps: at most this many activation maps of each layer (the first
      ones); fully connected layers show all their outputs as bars.
    - fig: figure to draw into (cleared first); None makes a new one.

    Each conv or pooling layer gets one panel: a grid of its maps, all on
    one colour scale, by the colour rule (positive red, negative blue, zero
    white, centred on 0, with a colour bar): a map that stays white is a
    filter that did not respond, and after a ReLU no blue is left. Words are
    in English and Vietnamese. Returns the Figure.
    """
    max_maps = checks.whole_number("max_maps", max_maps, minimum=1)
    if image is not None:
        image = _numeric_array("image", image)
        if image.ndim == 4 and image.shape[0] == 1:
            image = image[0]
        if image.ndim != 3:
            raise ShapeError(_("image must be one input (C, H, W) or a batch of one "
                               "(1, C, H, W), got shape {shape}.").format(shape=image.shape))
    if hasattr(model, "activations"):
        if image is None:
            raise ValueError(_("image is needed to run the model: pass one input "
                               "(C, H, W)."))
        pairs = model.activations(image[None])
    elif isinstance(model, (list, tuple)):
        pairs = model
    else:
        raise TypeError(_("model must have a method activations(X) or be a list of "
                          "(layer name, array) pairs, got {type}.").format(
            type=type(model).__name__))
    pairs = [_one_example(pair) for pair in pairs]
    chosen = _choose_layers(pairs, layers)
    if not chosen:
        raise ValueError(_("layers: no layer chosen, nothing to show; the layers are "
                           "{names}.").format(names=", ".join(name for name, _v in pairs)))

    panels = len(chosen) + (image is not None)
    ncols = min(3, panels)
    nrows = math.ceil(panels / ncols)
    fig = _figure(fig, figsize=(4.2 * ncols, 3.8 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_axis_off()
    axes = list(axes[:panels])
    if image is not None:
        first = axes.pop(0)
        _show_image(first, image)
        first.set_title(bilingual(N_("input {width}x{height}x{depth}")).format(
            width=image.shape[2], height=image.shape[1], depth=image.shape[0]))
    for ax, (name, values) in zip(axes, chosen):
        if values.ndim == 1:
            # The colour rule: positive outputs red, negative ones blue.
            ax.bar(np.arange(values.size), values,
                   color=np.where(values >= 0, POSITIVE_COLOR, NEGATIVE_COLOR))
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xlabel(bilingual(N_("neuron")))
            ax.set_ylabel(bilingual(N_("value")))
            ax.set_title(name + "\n" + bilingual(N_("{depth} outputs")).format(
                depth=values.size))
            continue
        maps = values[:max_maps]
        limit = signed_limit(maps)
        images = _tile(ax, maps, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
        fig.colorbar(images[0], ax=ax, shrink=0.8,
                     label=bilingual(N_("+ red, − blue")))
        ax.set_title(name + "\n" + bilingual(N_("{shown} of {depth} activation maps, "
                                                 "{width}x{height}")).format(
            shown=len(maps), depth=values.shape[0], width=values.shape[2],
            height=values.shape[1]))
    return fig


def _one_example(pair):
    """(name, array) of a batch or of one example -> (name, (D,) or (D, H, W))."""
    try:
        name, values = pair
    except (TypeError, ValueError):
        raise TypeError(_("activations must be (layer name, array) pairs, got "
                          "{value!r:.60}.").format(value=pair)) from None
    values = _numeric_array(str(name), values)
    if values.ndim in (2, 4):
        values = values[0]
    if values.ndim not in (1, 3):
        raise ShapeError(_("the activations of layer {name} must be (N, D, H, W) or "
                           "(N, D), got shape {shape}.").format(
            name=name, shape=values.shape))
    return str(name), values


def _choose_layers(pairs, layers):
    if layers is None:
        return pairs
    if isinstance(layers, (str, numbers.Integral)):
        layers = [layers]
    names = [name for name, _values in pairs]
    chosen = []
    for layer in layers:
        if isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
            if not -len(pairs) <= layer < len(pairs):
                raise ValueError(_("layers: there is no layer number {layer}, the "
                                   "model has {count} layers.").format(
                    layer=layer, count=len(pairs)))
            chosen.append(pairs[layer])
        elif layer in names:
            chosen.extend(pair for pair in pairs if pair[0] == layer)
        else:
            raise ValueError(_("layers: there is no layer {layer!r}; the layers are "
                               "{names}.").format(layer=layer, names=", ".join(names)))
    return chosen
