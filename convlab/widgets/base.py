"""What every demo of convlab.widgets is made of.

A Demo is an ipywidgets VBox with three parts:
- controls: a dict of input widgets by name (sliders, buttons, ...), shown
  in a row at the top; changing any of them calls ``update``;
- readout: an HTML widget with the numbers the demo shows (tests read it);
- plot: an Output widget where ``show`` draws a matplotlib figure.
"""
import ipywidgets
from IPython.display import clear_output, display


class Demo(ipywidgets.VBox):
    """Base class: subclasses build their controls and implement ``update``."""

    def __init__(self, controls, title=""):
        self.controls = dict(controls)
        self.title = ipywidgets.HTML(f"<b>{title}</b>" if title else "")
        self.readout = ipywidgets.HTML()
        self.plot = ipywidgets.Output()
        # CSS classes name the parts in the browser (the browser tests find
        # them by these names).
        self.add_class("convlab-demo")
        self.readout.add_class("convlab-readout")
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
        """Draw a matplotlib figure in the plot area (replacing the last one)."""
        import matplotlib.pyplot as plt

        with self.plot:
            clear_output(wait=True)
            display(figure)
        plt.close(figure)
