"""Single neurons of the lecture's history: the perceptron and Hubel & Wiesel's cells.

- ``perceptron_trainer()``: the Mark I Perceptron (1957) learns to tell two
  letters apart on its 20x20 = 400 photocells, one example at a time, with
  the rule w_i(t+1) = w_i(t) + alpha (d - y(t)) x_i.
- ``orientation_tuning()``: a bar of light in front of three model cells of
  the visual cortex (Hubel & Wiesel, 1959-1968): a simple cell, a complex
  cell and an end-stopped (hypercomplex) cell.
"""
import html

import numpy as np
import ipywidgets

from convlab import checks
from convlab import data as datasets
from convlab.i18n import _
from convlab.models import Perceptron
from convlab.viz.style import NEGATIVE_COLOR, POSITIVE_COLOR, SIGNED_CMAP
from convlab.viz.words import N_, bilingual
from convlab.widgets.base import Demo

# The colour rule: red for positive weights (excitatory), blue for negative
# ones (inhibitory).
DIVERGING = SIGNED_CMAP
EXCITATORY_COLOR = POSITIVE_COLOR
INHIBITORY_COLOR = NEGATIVE_COLOR
WRONG_COLOR = "#d62728"
RIGHT_COLOR = "#2ca02c"


def _figure(figsize):
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


# --- The perceptron (1957) -------------------------------------------------------

class PerceptronTrainer(Demo):
    """Step through Rosenblatt's learning rule, one example at a time.

    Attributes besides the Demo's:
    - perceptron: the ``convlab.models.Perceptron`` being trained
    - X (n, D), d (n,): the examples and their desired outputs
    - position: index of the next example to present in the current epoch
    - epoch_mistakes: mistakes so far in the current epoch
    - mistakes_per_epoch: mistakes of each finished epoch
    - total_updates: how many times the weights changed
    - last: what the last step did (dict: index, d, y, changed), or None
    """

    def __init__(self, data=None, learning_rate=1.0):
        data = datasets.separable_pair() if data is None else data
        if "X_flat" in data:
            X = np.asarray(data["X_flat"], dtype=float)
        else:
            X = np.asarray(data["X"], dtype=float).reshape(len(data["X"]), -1)
        self.X = X
        self.d = np.asarray(data["d"] if "d" in data else data["y"]).astype(int)
        self.letters = data.get("letters")
        side = int(round(np.sqrt(X.shape[1])))
        # Examples are drawn as square images (20x20) when they can be.
        self.image_shape = (side, side) if side * side == X.shape[1] else (1, X.shape[1])
        self.perceptron = Perceptron(X.shape[1], learning_rate)
        self._drawing = True      # False while do_epoch runs: draw once at its end

        step = ipywidgets.Button(description=_("step"), tooltip=_(
            "present the next example and apply the learning rule"))
        epoch = ipywidgets.Button(description=_("epoch"), tooltip=_(
            "present the rest of the examples of this epoch"))
        reset = ipywidgets.Button(description=_("reset"), tooltip=_(
            "set the weights back to zero"))
        rate = ipywidgets.FloatSlider(value=learning_rate, min=0.05,
                                      max=max(2.0, learning_rate), step=0.05,
                                      description=_("learning rate"),
                                      style={"description_width": "initial"})
        step.on_click(lambda _button: self.do_step())
        epoch.on_click(lambda _button: self.do_epoch())
        reset.on_click(lambda _button: self.do_reset())
        super().__init__(dict(step=step, epoch=epoch, reset=reset, learning_rate=rate),
                         title=_("The Mark I Perceptron (1957) learns to tell {letters} "
                                 "apart").format(letters=self._letters_text()))
        self.do_reset()

    # --- What the buttons do -----------------------------------------------------

    def do_step(self):
        """Present the next example, apply the rule; returns y(t), the output before it."""
        i = self.position
        x, d = self.X[i], int(self.d[i])
        w_before, b_before = self.perceptron.w.copy(), self.perceptron.b
        y = self.perceptron.step(x, d)
        changed = bool(np.any(self.perceptron.w != w_before)
                       or self.perceptron.b != b_before)
        self.total_updates += changed
        self.epoch_mistakes += int(y != d)
        self.last = dict(index=i, d=d, y=y, changed=changed)
        self.position += 1
        if self.position == len(self.X):
            self.mistakes_per_epoch.append(self.epoch_mistakes)
            self.position, self.epoch_mistakes = 0, 0
        self.update()
        return y

    def do_epoch(self):
        """Present the rest of the current epoch (all examples when at its start).

        Returns the number of mistakes of that epoch.
        """
        self._drawing = False
        try:
            self.do_step()
            while self.position != 0:
                self.do_step()
        finally:
            self._drawing = True
        self.update()
        return self.mistakes_per_epoch[-1]

    def do_reset(self):
        """Weights and bias back to zero, back to the first example of epoch 1."""
        self.perceptron.w = np.zeros(self.perceptron.n_features)
        self.perceptron.b = 0.0
        self.position, self.epoch_mistakes, self.total_updates = 0, 0, 0
        self.mistakes_per_epoch = []
        self.last = None
        self.update()

    # --- Readout and figure --------------------------------------------------------

    def update(self, change=None):
        """Use the slider's learning rate; write the readout and draw the figure."""
        self.perceptron.learning_rate = float(self.controls["learning_rate"].value)
        if not self._drawing:
            return
        self.readout.value = self._readout_html()
        self.show(self.figure())

    def _letters_text(self):
        if self.letters and len(self.letters) == 2:
            return _("{first} and {second}").format(first=self.letters[0],
                                                     second=self.letters[1])
        return _("two classes")

    def _name(self, d):
        """The desired output d as text, with its letter when known: '1 (O)'."""
        if self.letters and len(self.letters) == 2:
            return f"{d} ({self.letters[d]})"
        return str(d)

    def _epoch_number(self):
        """The epoch the last example belonged to (1 for the first)."""
        finished = len(self.mistakes_per_epoch)
        # The last step may have just finished an epoch (position wrapped to 0).
        return finished if self.position == 0 and finished else finished + 1

    def _readout_html(self):
        n = len(self.X)
        lines = []
        if self.last is None:
            lines.append(_("Press {step} to present example 1 of {n}, or {epoch} for "
                           "a whole pass.").format(n=n, step=f"<b>{_('step')}</b>",
                                                   epoch=f"<b>{_('epoch')}</b>"))
        else:
            last = self.last
            lines.append(_("Example {number} of {n} (epoch {epoch}): desired output "
                           "d = {d}, output y(t) = {y} before the update.").format(
                number=last["index"] + 1, n=n, epoch=self._epoch_number(),
                d=self._name(last["d"]), y=last["y"]))
            if last["changed"]:
                text = _("Mistake: the weights changed, w_i \u2190 w_i + {rate} \u00d7 "
                         "({d} \u2212 {y}) \u00d7 x_i.").format(
                    rate=f"{self.perceptron.learning_rate:g}", d=last["d"], y=last["y"])
                color = WRONG_COLOR
            else:
                text = _("Correct: the weights did not change (d \u2212 y(t) = 0).")
                color = RIGHT_COLOR
            lines.append(f"<span style='color:{color}'>{html.escape(text)}</span>")
        if self.position != 0:
            lines.append(_("Mistakes in the current epoch so far: {count} (after "
                           "{seen} of {n} examples).").format(
                count=self.epoch_mistakes, seen=self.position, n=n))
        if self.mistakes_per_epoch:
            lines.append(_("Mistakes in the last finished epoch: {count} of {n}.").format(
                count=self.mistakes_per_epoch[-1], n=n))
            if self.mistakes_per_epoch[-1] == 0:
                lines.append("<b>" + _("No mistake in a whole epoch: the perceptron "
                                       "has learned the task.") + "</b>")
        lines.append(_("Total weight updates: {count}.").format(count=self.total_updates))
        return "<br>".join(lines)

    def figure(self):
        """The current example, the weights as an image, the mistakes per epoch."""
        from matplotlib.ticker import MaxNLocator

        fig = _figure((12, 3.8))
        example_ax, weights_ax, mistakes_ax = fig.subplots(
            1, 3, width_ratios=[1, 1.25, 1.4])

        index = self.position if self.last is None else self.last["index"]
        example_ax.imshow(self.X[index].reshape(self.image_shape), cmap="gray_r",
                          vmin=0, vmax=max(1.0, float(self.X[index].max())),
                          interpolation="nearest")
        example_ax.set_xticks([])
        example_ax.set_yticks([])
        if self.last is None:
            example_ax.set_title(bilingual(N_("next: example {number}, d = {d}")).format(
                number=index + 1, d=self._name(int(self.d[index]))))
        else:
            wrong = self.last["y"] != self.last["d"]
            example_ax.set_title(bilingual(N_("example {number}: d = {d}, y(t) = {y}")).format(
                number=index + 1, d=self._name(self.last["d"]), y=self.last["y"]),
                color=WRONG_COLOR if wrong else "black")

        w = self.perceptron.w.reshape(self.image_shape)
        limit = float(np.abs(w).max()) or 1.0      # all zero: any scale will do
        image = weights_ax.imshow(w, cmap=DIVERGING, vmin=-limit, vmax=limit,
                                  interpolation="nearest")
        fig.colorbar(image, ax=weights_ax, shrink=0.85,
                     label=bilingual(N_("+ red, − blue")))
        weights_ax.set_xticks([])
        weights_ax.set_yticks([])
        weights_ax.set_title(bilingual(N_("weights w, b = {b:.3g}")).format(
            b=self.perceptron.b))

        done = self.mistakes_per_epoch
        epochs = np.arange(1, len(done) + 1)
        if done:
            mistakes_ax.bar(epochs, done, color="#4c72b0",
                            label=bilingual(N_("finished epoch")))
        if self.position != 0:
            mistakes_ax.bar([len(done) + 1], [self.epoch_mistakes], color="#4c72b0",
                            alpha=0.35, hatch="//",
                            label=bilingual(N_("current epoch (so far)")))
        for epoch, count in zip(epochs, done):
            mistakes_ax.text(epoch, count, str(count), ha="center", va="bottom")
        mistakes_ax.set_xlim(0.3, max(len(done) + 1, 5) + 0.7)
        mistakes_ax.set_ylim(0, max([*done, self.epoch_mistakes, 1]) * 1.2)
        mistakes_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        mistakes_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        mistakes_ax.set_xlabel(bilingual(N_("epoch")))
        mistakes_ax.set_ylabel(bilingual(N_("mistakes")))
        mistakes_ax.set_title(bilingual(N_("mistakes per epoch")))
        if done or self.position:
            mistakes_ax.legend(loc="upper right", fontsize=9)
        return fig


def perceptron_trainer(data=None, learning_rate=1.0):
    """The Mark I Perceptron (1957) learning letters on its 20x20 = 400 photocells.

    Each click on "step" presents one example x with desired output d,
    computes y(t) = 1 if w.x + b > 0 else 0 and applies Rosenblatt's rule
    w_i(t+1) = w_i(t) + alpha (d - y(t)) x_i: the weights change only after a
    mistake. "epoch" presents the rest of the examples, "reset" zeroes the
    weights. Starting from zero weights, alpha only scales w and b: the
    mistakes are the same for every learning rate.

    - data: a dict with X_flat (n, 400) (or X (n, 1, 20, 20)) and d (or y),
      0 or 1; default ``convlab.data.separable_pair()``: X (d = 0) vs O (d = 1)
    - learning_rate: alpha

    Returns the demo; ``.do_step()``, ``.do_epoch()``, ``.do_reset()`` do what
    the buttons do, ``.perceptron`` is the Perceptron being trained.
    """
    return PerceptronTrainer(data, learning_rate)


# --- Hubel & Wiesel's cells (1959-1968) ----------------------------------------------

class OrientationTuning(Demo):
    """A bar of light and three model cells of the primary visual cortex.

    All three prefer bars at the orientation ``preferred`` and look at the
    middle of the image:
    - simple cell: one oriented filter, an excitatory (+) stripe between two
      inhibitory (-) ones; its response is the rectified dot product
      max(0, sum(filter * image)). It needs the bar at the right orientation
      AND at the right place.
    - complex cell: the largest response of simple cells of the same
      orientation at nearby positions (a max pooling). The bar may move
      within its field.
    - end-stopped (hypercomplex) cell: the complex cell minus the light in
      two end zones, just past the ends of its field on the preferred axis.
      A bar that reaches past the field, into the end zones, is suppressed:
      short bars win over long ones.

    The responses are scaled so that the simple cell's response to a long
    bar through its centre, at its preferred orientation, is 1.
    """

    BAR_WIDTH = 2.0

    def __init__(self, size=15):
        self.size = checks.whole_number("size", size, minimum=7)
        middle = (self.size - 1) // 2
        # Sizes in pixels, in proportion to the image (these are for size 15).
        scale = self.size / 15
        self.rf_radius = 4.5 * scale        # the simple cell's receptive field
        self.sigma_along = 2.5 * scale      # how far the filter reaches along the bar
        self.pool_radius = 2.0 * scale      # the complex cell pools this far
        self.end_distance = 6.5 * scale     # where the end zones are
        self.end_sigma = 2.0 * scale        # and how large
        self.center = ((self.size - 1) / 2, (self.size - 1) / 2)
        self._cache = {}

        slider = dict(continuous_update=False, style={"description_width": "initial"})
        controls = dict(
            orientation=ipywidgets.IntSlider(value=45, min=0, max=180, step=5,
                                             description=_("orientation (°)"), **slider),
            row=ipywidgets.IntSlider(value=middle, min=0, max=self.size - 1,
                                     description=_("row"), **slider),
            col=ipywidgets.IntSlider(value=middle, min=0, max=self.size - 1,
                                     description=_("column"), **slider),
            length=ipywidgets.IntSlider(value=7, min=1, max=2 * self.size,
                                        description=_("bar length"), **slider),
            preferred=ipywidgets.IntSlider(value=45, min=0, max=165, step=15,
                                           description=_("preferred orientation (°)"),
                                           **slider),
        )
        super().__init__(controls, title=_("Hubel & Wiesel: simple, complex and "
                                           "end-stopped (hypercomplex) cells"))
        self.update()

    # --- The model cells -------------------------------------------------------------

    def receptive_field(self, preferred=None, center=None):
        """The simple cell's weights, a (size, size) image: + excitatory, - inhibitory.

        An oriented filter centred on ``center`` (row, col): across the bar a
        difference of Gaussians (a narrow + stripe, wider - flanks), along it
        a Gaussian, cut to a disc of radius ``rf_radius``. The - part is scaled
        so that the weights sum to 0: an evenly lit image gives no response.
        Scaled so that the + weights sum to 1.
        """
        preferred = self.controls["preferred"].value if preferred is None else preferred
        row, col = self.center if center is None else center
        rows, cols = np.mgrid[0:self.size, 0:self.size]
        # The same axes as convlab.data.bar_image: up is minus a row.
        right, up = cols - col, row - rows
        cos, sin = np.cos(np.deg2rad(preferred)), np.sin(np.deg2rad(preferred))
        along = right * cos + up * sin
        across = -right * sin + up * cos

        def gaussian(x, sigma):
            return np.exp(-x ** 2 / (2 * sigma ** 2)) / sigma

        narrow = self.BAR_WIDTH / 2
        weights = (np.exp(-along ** 2 / (2 * self.sigma_along ** 2))
                   * (gaussian(across, narrow) - gaussian(across, 2 * narrow)))
        weights[along ** 2 + across ** 2 > self.rf_radius ** 2] = 0
        excitatory, inhibitory = weights.clip(min=0), weights.clip(max=0)
        weights = excitatory + inhibitory * (excitatory.sum() / -inhibitory.sum())
        return weights / excitatory.sum()

    def end_zones(self, preferred=None):
        """The end-stopped cell's two end zones: (2, size, size) weights.

        Gaussian blobs (sigma ``end_sigma``) on the preferred axis, at
        ``end_distance`` on either side of the centre: the light that falls
        there suppresses the cell.
        """
        preferred = self.controls["preferred"].value if preferred is None else preferred
        rows, cols = np.mgrid[0:self.size, 0:self.size]
        zones = []
        for row, col in self._end_centers(preferred):
            zones.append(np.exp(-((rows - row) ** 2 + (cols - col) ** 2)
                                / (2 * self.end_sigma ** 2)))
        return np.stack(zones)

    def _end_centers(self, preferred):
        """(row, col) of the two end zones' centres."""
        cos, sin = np.cos(np.deg2rad(preferred)), np.sin(np.deg2rad(preferred))
        row, col = self.center
        return [(row - side * self.end_distance * sin, col + side * self.end_distance * cos)
                for side in (1, -1)]

    def _filters(self, preferred):
        """The weights of the three cells at one preferred orientation, cached.

        Returns (centre filter (size*size,), complex cell's pool of simple
        cells (k, size*size), end zones (2, size*size)), all scaled so that a
        long bar through the centre at the preferred orientation gives 1 (the
        end zones: 1 each).
        """
        if preferred not in self._cache:
            cos, sin = np.cos(np.deg2rad(preferred)), np.sin(np.deg2rad(preferred))
            row, col = self.center
            # Simple cells at positions (along, across) of the cell's own axes,
            # every half pixel within pool_radius of the centre.
            half_steps = int(self.pool_radius / 0.5)
            steps = 0.5 * np.arange(-half_steps, half_steps + 1)
            pool = [(row - a * sin - c * cos, col + a * cos - c * sin)
                    for a in steps for c in steps if a * a + c * c <= self.pool_radius ** 2]
            best_bar = datasets.bar_image(preferred, self.center, 3 * self.size,
                                          self.BAR_WIDTH, self.size).ravel()
            center = self.receptive_field(preferred).ravel()
            scale = 1.0 / float(center @ best_bar)
            pool = np.stack([self.receptive_field(preferred, p).ravel() for p in pool])
            ends = self.end_zones(preferred).reshape(2, -1)
            ends = ends / (ends @ best_bar)[:, None]
            self._cache[preferred] = (center * scale, pool * scale, ends)
        return self._cache[preferred]

    def stimulus(self, orientation=None):
        """The bar the sliders describe (at ``orientation`` if given)."""
        c = self.controls
        orientation = c["orientation"].value if orientation is None else orientation
        return datasets.bar_image(orientation, (c["row"].value, c["col"].value),
                                  c["length"].value, self.BAR_WIDTH, self.size)

    def responses(self, image=None, preferred=None):
        """The three cells' responses to ``image`` (default: the current bar).

        Returns dict(simple=, complex=, end_stopped=), floats >= 0.
        """
        image = self.stimulus() if image is None else np.asarray(image, dtype=float)
        preferred = self.controls["preferred"].value if preferred is None else preferred
        center, pool, ends = self._filters(preferred)
        x = image.ravel()
        simple = max(0.0, float(center @ x))
        complex_ = max(0.0, float((pool @ x).max()))
        # The mean light in the two end zones, 1 for a long bar on the axis.
        suppression = float((ends @ x).mean())
        return dict(simple=simple, complex=complex_,
                    end_stopped=max(0.0, complex_ - suppression))

    def tuning_curve(self, orientations=None):
        """Responses to the current bar turned to each orientation (0..180 degrees).

        Returns (orientations, dict of arrays keyed like ``responses``).
        """
        orientations = np.arange(0, 181, 5) if orientations is None else orientations
        curves = {"simple": [], "complex": [], "end_stopped": []}
        for angle in orientations:
            for key, value in self.responses(self.stimulus(angle)).items():
                curves[key].append(value)
        return np.asarray(orientations), {k: np.array(v) for k, v in curves.items()}

    # --- Readout and figure -------------------------------------------------------------

    # The three cells, by key: the readout names them in the chosen
    # language, the figure in both.
    NAMES = {"simple": N_("simple cell"), "complex": N_("complex cell"),
             "end_stopped": N_("end-stopped cell")}

    def names(self):
        return {key: _(name) for key, name in self.NAMES.items()}

    def update(self, change=None):
        responses = self.responses()
        names = self.names()
        values = ", ".join(f"{names[key]} <b>{value:.2f}</b>"
                           for key, value in responses.items())
        self.readout.value = (_("Responses: {values}.").format(values=values) + "<br>"
                              + _("1 = the simple cell's response to a long bar through "
                                  "the centre at the preferred orientation."))
        self.show(self.figure(responses))

    def figure(self, responses=None):
        """The stimulus and the fields, the three responses, the tuning curves."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle, Patch

        responses = self.responses() if responses is None else responses
        preferred = self.controls["preferred"].value
        fig = _figure((14, 5.2))
        image_ax, bars_ax, curve_ax = fig.subplots(1, 3, width_ratios=[1.1, 1.0, 1.3])

        # The stimulus on a dark gray background (not black, so that the
        # field's colours show), the simple cell's field drawn over it.
        image_ax.imshow(self.stimulus(), cmap="gray", vmin=-0.6, vmax=1,
                        interpolation="nearest")
        field = self.receptive_field()
        level = 0.1 * np.abs(field).max()
        image_ax.contourf(field, levels=[level, np.inf], colors=[EXCITATORY_COLOR],
                          alpha=0.35)
        image_ax.contourf(field, levels=[-np.inf, -level], colors=[INHIBITORY_COLOR],
                          alpha=0.35)
        image_ax.contour(field, levels=[-level, level],
                         colors=[INHIBITORY_COLOR, EXCITATORY_COLOR], linewidths=2)
        row, col = self.center
        cos, sin = np.cos(np.deg2rad(preferred)), np.sin(np.deg2rad(preferred))
        # "+" on the excitatory stripe, "-" in the middle of the inhibitory
        # flanks, as Hubel & Wiesel marked their maps.
        flank = 1.5 * self.BAR_WIDTH
        marks = [(0, 0, "+")] + [(side * flank, along, "\u2212")
                                 for side in (1, -1) for along in (-1.5, 1.5)]
        for across, along, text in marks:
            x = col + along * cos - across * sin
            y = row - along * sin - across * cos
            image_ax.text(x, y, text, ha="center", va="center", fontsize=16,
                          fontweight="bold", color="white")
        image_ax.add_patch(Circle((col, row), self.rf_radius + self.pool_radius,
                                  fill=False, linestyle="--", color="#f0c000",
                                  linewidth=2))
        for end_row, end_col in self._end_centers(preferred):
            image_ax.add_patch(Circle((end_col, end_row), 1.5 * self.end_sigma,
                                      fill=False, linestyle=":", color="#c27ae0",
                                      linewidth=2.5))
        image_ax.set_xlim(-0.5, self.size - 0.5)
        image_ax.set_ylim(self.size - 0.5, -0.5)
        image_ax.set_xticks([])
        image_ax.set_yticks([])
        image_ax.set_title(bilingual(N_("stimulus and receptive field")))
        image_ax.legend(handles=[
            Patch(color=EXCITATORY_COLOR, alpha=0.7, label=bilingual(N_("excitatory (+)"))),
            Patch(color=INHIBITORY_COLOR, alpha=0.7, label=bilingual(N_("inhibitory (-)"))),
            Line2D([], [], linestyle="--", color="#f0c000", linewidth=2,
                   label=bilingual(N_("complex cell's field"))),
            Line2D([], [], linestyle=":", color="#c27ae0", linewidth=2.5,
                   label=bilingual(N_("end zones (suppress)"))),
        ], loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8,
            frameon=False)

        names = {key: bilingual(name) for key, name in self.NAMES.items()}
        keys = ["simple", "complex", "end_stopped"]
        colors = ["#4c72b0", "#dd8452", "#55a868"]
        values = [responses[k] for k in keys]
        bars_ax.bar(range(3), values, color=colors)
        for k, value in enumerate(values):
            bars_ax.text(k, value + 0.02, f"{value:.2f}", ha="center", va="bottom")
        # One language per line under each bar.
        bars_ax.set_xticks(range(3), [names[k].replace(" / ", "\n") for k in keys],
                           fontsize=8)
        bars_ax.set_ylim(0, max(1.15, max(values) + 0.15))
        bars_ax.set_ylabel(bilingual(N_("response")))
        bars_ax.set_title(bilingual(N_("responses")))

        angles, curves = self.tuning_curve()
        for key, color, style in zip(keys, colors, ["-", "-", "--"]):
            curve_ax.plot(angles, curves[key], style, color=color, label=names[key],
                          linewidth=2)
        curve_ax.axvline(self.controls["orientation"].value, color="black",
                         linewidth=1, label=bilingual(N_("this bar")))
        curve_ax.axvline(preferred, color="gray", linestyle=":", linewidth=1.5,
                         label=bilingual(N_("preferred")))
        curve_ax.set_xlim(0, 180)
        curve_ax.set_xticks(range(0, 181, 45))
        curve_ax.set_ylim(0, max(1.05, max(c.max() for c in curves.values()) + 0.05))
        curve_ax.set_xlabel(bilingual(N_("orientation of the bar (degrees)")))
        curve_ax.set_ylabel(bilingual(N_("response")))
        curve_ax.set_title(bilingual(N_("tuning curve (this bar, turned)")))
        curve_ax.grid(alpha=0.3)
        curve_ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22),
                        ncol=2, frameon=False)
        return fig


def orientation_tuning(size=15):
    """Hubel & Wiesel (1959-1968): how simple, complex and end-stopped cells respond.

    Move a bar of light (orientation, row, column, length) and watch three
    model cells that prefer bars at ``preferred`` degrees:
    - the simple cell answers only to the right orientation at the right place;
    - the complex cell answers to the right orientation anywhere in its field;
    - the end-stopped (hypercomplex) cell answers less when the bar is too long.
    The plot shows the stimulus with the simple cell's receptive field
    (excitatory + in red, inhibitory - in blue), the three responses and the
    tuning curves: the responses as the bar turns from 0 to 180 degrees.

    Returns the demo; ``.responses()`` gives dict(simple=, complex=, end_stopped=).
    """
    return OrientationTuning(size)
