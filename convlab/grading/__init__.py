"""Checks for the assignments' test cells: the student's function against convlab's.

In a notebook::

    from convlab import grading
    grading.check_conv_forward_naive(conv_forward_naive)

prints one line, e.g. ``conv_forward_naive: 12 cases passed``, or raises an
AssertionError that says, in the language of ``convlab.set_language``, which
case fails, what is wrong (shape first, then values), and a hint when the
results are those of a common mistake or the student's code raised a known
error. Until a language is chosen, the hints come in English and in
Vietnamese.

- ``checks.py``: the cases and the public ``check_*`` functions;
- ``hints.py``: the tables of common mistakes and errors, and their hints;
- ``references.py``: convlab's answers, called like the students' functions;
- ``runner.py``: running, comparing, explaining.
"""
from convlab.grading.checks import (
    check_affine_backward,
    check_affine_forward,
    check_conv_backward_naive,
    check_conv_forward_fast,
    check_conv_forward_naive,
    check_conv_output_size,
    check_conv_param_count,
    check_conv_single_step,
    check_max_pool_backward_naive,
    check_max_pool_forward_naive,
    check_perceptron_step,
    check_relu_backward,
    check_relu_forward,
    check_softmax_loss,
    check_three_layer_convnet,
    check_zero_pad,
)

__all__ = [
    "check_affine_backward",
    "check_affine_forward",
    "check_conv_backward_naive",
    "check_conv_forward_fast",
    "check_conv_forward_naive",
    "check_conv_output_size",
    "check_conv_param_count",
    "check_conv_single_step",
    "check_max_pool_backward_naive",
    "check_max_pool_forward_naive",
    "check_perceptron_step",
    "check_relu_backward",
    "check_relu_forward",
    "check_softmax_loss",
    "check_three_layer_convnet",
    "check_zero_pad",
]
