"""What every demo of convlab.widgets is made of.

A Demo is an ipywidgets VBox with three parts:
- controls: a dict of input widgets by name (sliders, buttons, ...), shown
  in a row at the top; changing any of them calls ``update``;
- readout: an HTML widget with the numbers the demo shows (tests read it);
- plot: a Box holding ``image``, where ``show`` puts a matplotlib figure as
  a PNG picture.

Why an Image and not an Output widget: a figure displayed into an Output
widget while a cell runs is mirrored by nbclient (which runs the notebooks
of ``jupyter nbconvert --execute``, nbgrader and the tests) back to the
kernel, as a comm message on the shell channel, while nbclient waits on
that same channel for the cell's reply. That send can swallow the wake-up
of the reply: nbclient then sees it only when its per-cell timeout runs
out, and the kernel handles the comm message after the cell has ended.
An Image's picture is widget state, sent by the kernel like a slider's
value: nothing is mirrored, nothing waits.
"""
import io

import ipywidgets

# Figures are rendered at this resolution (pixels per inch), as the
# notebook's inline backend shows them.
DPI = 80


class Demo(ipywidgets.VBox):
    """Base class: subclasses build their controls and implement ``update``."""

    def __init__(self, controls, title=""):
        self.controls = dict(controls)
        self.title = ipywidgets.HTML(f"<b>{title}</b>" if title else "")
        self.readout = ipywidgets.HTML()
        self.image = ipywidgets.Image(format="png", layout=ipywidgets.Layout(max_width="100%"))
        self.plot = ipywidgets.Box([self.image])
        # CSS classes name the parts in the browser (the browser tests find
        # them by these names).
        self.add_class("convlab-demo")
        self.readout.add_class("convlab-readout")
        self.image.add_class("convlab-figure")
        for name, control in self.controls.items():
            control.add_class(f"convlab-control-{name}")
        row = ipywidgets.HBox(list(self.controls.values()),
                              layout=ipywidgets.Layout(flex_flow="row wrap"))
        super().__init__([self.title, row, self.readout, self.plot])
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self.update, names="value")

    def update(self, change=None):
        """Recompute the readout and the figure from the controls."""
        raise NotImplementedError

    def show(self, figure):
        """Show a matplotlib figure in the plot area (replacing the last one), as a PNG."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
        self.image.value = buffer.getvalue()
        self.image.layout.display = None
        plt.close(figure)

    def clear_plot(self):
        """Show no figure (e.g. while the controls describe a layer that does not fit)."""
        self.image.value = b""
        self.image.layout.display = "none"
