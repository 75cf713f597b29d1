"""convlab.widgets steppers and calculators: driven from Python, without a browser.

Each test moves controls the way a student would (``demo.controls[name].value
= ...``) and reads the numbers in ``demo.readout``.
"""
import itertools
import re

import matplotlib

matplotlib.use("Agg")  # before pyplot: no window, the same on every machine

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlab  # noqa: E402
from convlab import viz, widgets  # noqa: E402
from convlab.errors import ShapeError  # noqa: E402
from convlab.layers import conv_forward_naive  # noqa: E402
from convlab.shapes import conv_output_size, pool_output_size  # noqa: E402
from convlab.widgets.calculators import receptive_fields  # noqa: E402

from convlab.examples import NINE_BY_NINE_OUTPUT as SLIDES_7X7  # noqa: E402
HEADING = re.compile(r"output position \((\d+), (\d+)\) = (-?[\d.]+)")
CONTROLS = {
    "conv_stepper": ["step", "stride", "pad"],
    "pool_stepper": ["step", "size", "stride", "mode"],
    "output_size_calculator": ["n", "f", "stride", "pad", "channels", "filters"],
    "padding_explorer": ["n", "f", "layers", "pad"],
    "receptive_field_growth": ["layers", "f", "stride", "pool_every"],
}


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    # Demo.show closes every figure it draws: a widget must not leak them.
    assert plt.get_fignums() == []
    plt.close("all")


@pytest.fixture
def quick_pictures(monkeypatch):
    """An empty figure instead of each step's picture, for tests that walk many steps.

    The pictures themselves are drawn by the other tests.
    """
    monkeypatch.setattr(viz, "conv_step", lambda *args, **kwargs: plt.figure())
    monkeypatch.setattr(viz, "pool_step", lambda *args, **kwargs: plt.figure())


def text(demo):
    """The readout without its HTML tags."""
    return re.sub(r"<[^>]+>", " ", demo.readout.value).replace("&nbsp;", " ")


def position_and_value(demo):
    i, j, value = HEADING.search(text(demo)).groups()
    return int(i), int(j), float(value)


def walk_steps(demo):
    """Every step of a stepper: the output map read from the readouts."""
    step = demo.controls["step"]
    positions = step.max + 1
    values = {}
    for k in range(positions):
        step.value = k
        i, j, value = position_and_value(demo)
        values[i, j] = value
    rows = max(i for i, _j in values) + 1
    cols = max(j for _i, j in values) + 1
    assert rows * cols == positions == len(values)
    return np.array([[values[i, j] for j in range(cols)] for i in range(rows)])


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_controls_are_the_documented_ones(name):
    demo = getattr(widgets, name)()
    assert isinstance(demo, widgets.base.Demo)
    assert list(demo.controls) == CONTROLS[name]
    assert demo.readout.value and demo.figure is not None


# --- conv_stepper ----------------------------------------------------------------

def test_conv_stepper_49_steps_give_the_slides_7x7(quick_pictures):
    demo = widgets.conv_stepper()
    assert demo.controls["step"].max == 48
    assert walk_steps(demo).tolist() == SLIDES_7X7.tolist()


def test_conv_stepper_readout_shows_the_products_and_their_sum():
    demo = widgets.conv_stepper()
    readout = text(demo)
    assert "output position (0, 0) = 1" in readout
    assert "1×1 + 1×0 + 0×(-1)" in readout
    assert "+ 0×1 + 0×0 + 1×(-1)" in readout
    assert readout.rstrip().endswith("= 1")
    demo.controls["step"].value = 20               # row 2, column 6: the 2 of the slides
    assert position_and_value(demo) == (2, 6, 2.0)
    assert "rows 2 to 4, columns 6 to 8" in text(demo)


def test_conv_stepper_bias_is_added():
    demo = widgets.conv_stepper(b=0.5)
    assert position_and_value(demo) == (0, 0, 1.5)
    assert "+ bias 0.5" in text(demo)


def test_conv_stepper_stride_and_pad_match_the_layer(quick_pictures):
    x = np.arange(49.0).reshape(7, 7) % 5
    w = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0], [1.0, 0.0, -2.0]])
    demo = widgets.conv_stepper(x, w)
    demo.controls["stride"].value = 2
    demo.controls["pad"].value = 1
    expected, _cache = conv_forward_naive(x[None, None], w[None, None], np.zeros(1),
                                          stride=2, pad=1)
    assert demo.controls["step"].max == 15
    assert np.allclose(walk_steps(demo), expected[0, 0])
    assert "with its zero padding" in text(demo)


def test_conv_stepper_shows_why_a_stride_does_not_fit_and_recovers():
    demo = widgets.conv_stepper()
    demo.controls["step"].value = 30
    demo.controls["stride"].value = 4
    readout = text(demo)
    assert "does not fit" in readout
    assert "(9 - 3 + 2*0)/4 + 1 = 2.50 is not a whole number" in readout
    assert "Strides that fit: 1, 2, 3" in readout
    assert demo.controls["step"].disabled and demo.figure is None
    demo.controls["stride"].value = 3                       # 3x3 positions: step clamps to 8
    assert not demo.controls["step"].disabled
    assert demo.controls["step"].value == demo.controls["step"].max == 8
    assert position_and_value(demo) == (2, 2, float(SLIDES_7X7[6, 6]))


def test_conv_stepper_play_moves_the_step():
    demo = widgets.conv_stepper()
    demo.play.value = 9
    assert demo.controls["step"].value == 9
    assert position_and_value(demo)[:2] == (1, 2)
    demo.controls["stride"].value = 2
    assert demo.play.max == demo.controls["step"].max == 15


def test_conv_stepper_refuses_a_multi_channel_input():
    with pytest.raises(ShapeError, match="single-channel"):
        widgets.conv_stepper(np.zeros((3, 5, 5)))


# --- pool_stepper ----------------------------------------------------------------

def test_pool_stepper_4_steps_give_6_8_3_4():
    demo = widgets.pool_stepper()
    values = []
    for k in range(4):
        demo.controls["step"].value = k
        values.append(position_and_value(demo)[2])
    assert values == [6, 8, 3, 4]
    readout = text(demo)
    assert "max(1, 0, 3, 4) = 4" in readout
    assert re.search(r"output so far:\s+6 8\s+3 4", readout)


def test_pool_stepper_readout_shows_the_window_and_the_output_so_far():
    demo = widgets.pool_stepper()
    demo.controls["step"].value = 1
    readout = text(demo)
    assert "max(2, 4, 7, 8) = 8" in readout
    assert re.search(r"output so far:\s+6 8\s+· ·", readout)


def test_pool_stepper_average():
    demo = widgets.pool_stepper()
    demo.controls["mode"].value = "avg"
    assert walk_steps(demo).tolist() == [[3.25, 5.25], [2, 2]]
    assert "mean(1, 0, 3, 4) = (1 + 0 + 3 + 4)/4 = 2" in text(demo)


def test_pool_stepper_window_that_does_not_fit():
    demo = widgets.pool_stepper()
    demo.controls["size"].value = 3
    # Pooling has a window and no padding: its formula is (N - F)/S + 1.
    assert "(4 - 3)/2 + 1 = 1.50 is not a whole number" in text(demo)
    assert "3x3 pooling window with stride 2 does not fit a 4x4 input" in text(demo)
    assert "padding" not in text(demo) and "filter" not in text(demo)
    demo.controls["size"].value = 4
    demo.controls["stride"].value = 3
    assert demo.controls["step"].max == 0                    # one window: (4 - 4)/3 + 1 = 1
    demo.controls["size"].value = 3
    small = widgets.pool_stepper(x=np.ones((3, 3)))
    small.controls["size"].value = 4
    assert "the 4x4 pooling window is larger than the 3x3 input" in text(small)
    assert "padding" not in text(small)
    demo.controls["stride"].value = 1
    assert demo.controls["step"].max == 3
    assert walk_steps(demo).tolist() == [[7, 8], [7, 8]]


def test_pool_stepper_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="max"):
        widgets.pool_stepper(mode="min")


# --- output_size_calculator ------------------------------------------------------

def test_calculator_lecture_cases():
    demo = widgets.output_size_calculator()
    readout = text(demo)
    assert "(N - F + 2P)/S + 1 = (7 - 3 + 2*0)/1 + 1 = 5" in readout
    assert "Output volume: 5x5x10" in readout
    assert "(F*F*C + 1)*K = (3*3*3 + 1)*10 = 280" in readout
    assert "P = (F - 1)/2 keeps the size" in readout and "try P = 1" in readout

    demo.controls["stride"].value = 2
    assert "(7 - 3 + 2*0)/2 + 1 = 3" in text(demo)
    assert "Output volume: 3x3x10" in text(demo)

    demo.controls["stride"].value = 3
    readout = text(demo)
    assert "does not fit" in readout
    assert "(7 - 3 + 2*0)/3 + 1 = 2.33 is not a whole number" in readout
    assert "Strides that fit: 1, 2" in readout
    assert "Output volume" not in readout
    assert "= 280" in readout                      # the parameters do not depend on the fit


def test_calculator_32x32x3_with_ten_5x5_filters():
    demo = widgets.output_size_calculator(n=32, f=5, stride=1, pad=2, channels=3, filters=10)
    readout = text(demo)
    assert "(32 - 5 + 2*2)/1 + 1 = 32" in readout
    assert "Output volume: 32x32x10" in readout
    assert "(5*5*3 + 1)*10 = 760" in readout
    assert "P = (F - 1)/2 = 2 keeps the size" in readout


def test_calculator_filter_larger_than_the_input():
    demo = widgets.output_size_calculator(n=3, f=7)
    assert "the 7x7 filter is larger than the 3x3 input" in text(demo)
    assert "F = 7 is even" not in text(demo)
    demo.controls["f"].value = 4
    assert "F = 4 is even" in text(demo)


# --- padding_explorer ----------------------------------------------------------

def test_padding_explorer_shrinks_without_padding_and_keeps_with_it():
    demo = widgets.padding_explorer()
    readout = text(demo)
    assert "without zero padding (P = 0): 32 → 28 → 24 → 20" in readout
    assert "with zero padding P = (F - 1)/2 = 2: 32 → 32 → 32 → 32" in readout
    assert readout.index("without") < readout.index("with zero")

    demo.controls["pad"].value = True              # the chosen one comes first, in bold
    assert text(demo).index("with zero") < text(demo).index("without")
    assert "<b>with zero padding" in demo.readout.value


def test_padding_explorer_says_where_the_filter_no_longer_fits():
    demo = widgets.padding_explorer(n=7, f=3, layers=5)
    readout = text(demo)
    assert "7 → 5 → 3 → 1" in readout
    assert "layer 4 does not fit" in readout
    assert "7 → 7 → 7 → 7 → 7 → 7" in readout


# --- receptive_field_growth ----------------------------------------------------

def test_receptive_field_of_3x3_stride_1_layers():
    demo = widgets.receptive_field_growth(layers=3)
    readout = text(demo)
    assert "Receptive field after each layer: 3, 5, 7" in readout
    assert "r = 5 + (3 - 1) × 1 = 7" in readout
    demo.controls["layers"].value = 4
    assert "after each layer: 3, 5, 7, 9" in text(demo)


def test_receptive_field_grows_faster_with_pooling():
    demo = widgets.receptive_field_growth(layers=3, pool_every=1)
    assert "after each layer: 3, 4 (pooling), 8, 10 (pooling), 18" in text(demo)


def extent(steps):
    """The span of the input pixels one top neuron depends on, found by walking down."""
    pixels = {0}
    for step in reversed(steps):
        pixels = {p * step["stride"] + t for p in pixels for t in range(step["size"])}
    return max(pixels) - min(pixels) + 1


@pytest.mark.parametrize("layers, f, stride, pool_every",
                         list(itertools.product([1, 3, 4], [1, 2, 3, 5], [1, 2], [0, 1, 2])))
def test_receptive_field_formula_matches_the_pixels_a_neuron_depends_on(
        layers, f, stride, pool_every):
    steps = receptive_fields(layers, f, stride, pool_every)
    assert sum(step["kind"] == "conv" for step in steps) == layers
    for k in range(1, len(steps) + 1):
        assert steps[k - 1]["field"] == extent(steps[:k])


# --- every control, every combination of a small grid ----------------------------

def set_controls(demo, values):
    for name, value in values.items():
        demo.controls[name].value = value


def grid(**values):
    names = list(values)
    return [dict(zip(names, combo)) for combo in itertools.product(*values.values())]


def test_conv_stepper_grid():
    demo = widgets.conv_stepper()
    for values in grid(stride=[1, 4], pad=[0, 2], step=[0, 99]):
        set_controls(demo, values)
        try:
            size = conv_output_size(9, 3, values["stride"], values["pad"])
        except ShapeError:
            assert "does not fit" in text(demo) and demo.figure is None
        else:
            assert demo.controls["step"].max == size * size - 1
            assert position_and_value(demo)[:2] == divmod(demo.controls["step"].value, size)


def test_pool_stepper_grid():
    demo = widgets.pool_stepper()
    for values in grid(size=[1, 3], stride=[1, 2, 3], mode=["max", "avg"], step=[9]):
        set_controls(demo, values)
        try:
            size = pool_output_size(4, values["size"], values["stride"])
        except ShapeError:
            assert "does not fit" in text(demo) and demo.figure is None
        else:
            assert demo.controls["step"].max == size * size - 1
            assert ("max(" if values["mode"] == "max" else "mean(") in text(demo)


def test_output_size_calculator_grid():
    demo = widgets.output_size_calculator(channels=1, filters=2)
    for values in grid(n=[1, 7], f=[1, 4, 9], stride=[1, 3], pad=[0, 2]):
        set_controls(demo, values)
        readout = text(demo)
        assert "= {}".format((values["f"] ** 2 + 1) * 2) in readout
        try:
            size = conv_output_size(values["n"], values["f"], values["stride"], values["pad"])
        except ShapeError as error:
            assert "does not fit" in readout and str(error) in readout
        else:
            assert "Output volume: {0}x{0}x2".format(size) in readout


def test_padding_explorer_grid():
    demo = widgets.padding_explorer()
    for values in grid(n=[1, 32], f=[1, 2, 5], layers=[1, 4], pad=[False, True]):
        set_controls(demo, values)
        sizes = [values["n"]]
        for _layer in range(values["layers"]):
            try:
                sizes.append(conv_output_size(sizes[-1], values["f"], 1, 0))
            except ShapeError:
                assert "layer {} does not fit".format(len(sizes)) in text(demo)
                break
        assert "(P = 0): " + " → ".join(map(str, sizes)) in text(demo)


def test_receptive_field_growth_grid():
    demo = widgets.receptive_field_growth()
    for values in grid(layers=[1, 8], f=[1, 7], stride=[1, 3], pool_every=[0, 1]):
        set_controls(demo, values)
        last = receptive_fields(**values)[-1]["field"]
        assert "sees {0}x{0} pixels".format(last) in text(demo)


# --- pictures and languages ------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_figure_renders(name, tmp_path):
    demo = getattr(widgets, name)()
    demo.figure.savefig(tmp_path / f"widget_{name}.png")
    assert (tmp_path / f"widget_{name}.png").stat().st_size > 10_000


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_demos_work_in_vietnamese(name):
    # Whatever the catalog holds, every message must format with its placeholders.
    convlab.set_language("vi")
    demo = getattr(widgets, name)()
    for control in demo.controls.values():
        if hasattr(control, "max"):
            control.value = control.max
    assert demo.readout.value


# --- The fixes -------------------------------------------------------------

def test_calculator_takes_alexnets_227():
    demo = widgets.output_size_calculator()
    assert demo.controls["n"].max >= 227
    demo.controls["n"].value, demo.controls["f"].value = 227, 11
    demo.controls["stride"].value = 4
    assert "= 55" in text(demo)
    assert widgets.padding_explorer().controls["n"].max >= 227


def test_receptive_field_slider_is_named_as_the_text_says():
    # The notebook and the docstring say "set pool_every"; so does the slider.
    demo = widgets.receptive_field_growth(layers=3, pool_every=1)
    assert demo.controls["pool_every"].description.startswith("pool_every")
    assert "pooling" in demo.controls["pool_every"].description
    assert "pool_every" in widgets.receptive_field_growth.__doc__
