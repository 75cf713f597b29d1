"""An IPython extension for the grading kernel: each figure drawn twice, not three times.

In a Jupyter kernel, matplotlib draws a figure made in a cell three times
after the cell: pyplot's post-execute hook redraws every figure (for
interactive windows, which the inline backend has none of), then the
inline backend's ``flush_figures`` sends the PNG, which draws it twice
(once to find the tight bounding box, once to render). The first draw is
thrown away; in a2 it costs about a quarter of a second per ``conv_step``
figure, for every student.

This extension registers ``flush_figures`` as a post-execute hook when the
kernel starts, so it runs before pyplot's (registered later, when the
notebook imports pyplot): the figures are sent and closed, pyplot's hook
finds none to redraw, and the inline backend's own hook finds nothing left
to send. The notebook's outputs are the same, figure for figure and byte
for byte. ``convlab grade``'s kernels load it, isolated or not
(``isolation.KERNEL_OPTIONS``); ``nbgrader autograde``'s kernel does not.
"""
import sys


def show_figures():
    """Send the figures of the cell now, when the inline backend is in use."""
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:
        inline.flush_figures()


def load_ipython_extension(shell):
    shell.events.register("post_execute", show_figures)
