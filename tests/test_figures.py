"""The course's two rules for figures, on every figure of convlab.viz and the widgets.

- Words: every title, axis label, legend and colour bar label is in English
  and Vietnamese at once ("English / Tiếng Việt"), whatever set_language says.
- Colours: signed values are drawn positive red, negative blue, zero white
  (RdBu_r centred on zero: vmin = -vmax), with a colour bar or a legend.

(The notebooks' own figures are checked while tests/test_course.py runs them.)
"""
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # before pyplot: no window, the same on every machine

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlab  # noqa: E402
from convlab import viz  # noqa: E402
from convlab.examples import EDGE_FILTER, NINE_BY_NINE, POOL_INPUT  # noqa: E402
from convlab.viz.words import N_, bilingual, has_vietnamese, needs_vietnamese  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(params=["en", "vi"], autouse=True)
def language(request):
    """Figures are bilingual whatever language convlab's messages are in."""
    convlab.set_language(request.param)
    yield request.param
    convlab.set_language(None)


class TwoLayers:
    def activations(self, X):
        rng = np.random.default_rng(0)
        conv = rng.standard_normal((len(X), 6, 6, 6))          # signed: before the ReLU
        return [("conv1", conv), ("relu1", np.maximum(conv, 0)),
                ("fc1", rng.standard_normal((len(X), 10)))]


HISTORY = {"loss_history": list(np.linspace(2.3, 0.4, 120)),
           "train_acc_history": [0.1, 0.6, 0.8], "val_acc_history": [0.1, 0.5, 0.7]}
SIGNED = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0], [2.0, -0.5, 1.5]])

# Every public function of convlab.viz that draws, with arguments that
# exercise its words (padding, bias, mistakes, channel means, ...).
FIGURES = {
    "filter_grid": lambda: viz.filter_grid(np.random.default_rng(1).standard_normal((4, 5, 3, 3))),
    "activation_maps": lambda: viz.activation_maps(TwoLayers(), np.zeros((1, 6, 6))),
    "training_curves": lambda: viz.training_curves(HISTORY),
    "update_training_curves": lambda: viz.update_training_curves(
        viz.training_curves({}), SimpleNamespace(**HISTORY)),
    "conv_step": lambda: viz.conv_step(NINE_BY_NINE, EDGE_FILTER, 2, 3),
    "conv_step, padding and bias": lambda: viz.conv_step(SIGNED, EDGE_FILTER, 1, 1, pad=1, b=0.5),
    "conv_step, 6x6 filter": lambda: viz.conv_step(np.ones((7, 7)), np.ones((6, 6)), 0, 0),
    "pool_step": lambda: viz.pool_step(POOL_INPUT, 1, 0),
    "pool_step, average of signed values": lambda: viz.pool_step(-POOL_INPUT, 0, 1, mode="avg"),
    "image_grid": lambda: viz.image_grid(np.ones((3, 1, 4, 4)), [0, 1, 2]),
    "predictions_grid": lambda: viz.predictions_grid(np.ones((3, 1, 4, 4)), [0, 1, 2],
                                                     [0, 2, 2]),
}


def test_every_public_drawing_function_is_checked():
    drawing = {"activation_maps", "conv_step", "filter_grid", "image_grid", "pool_step",
               "predictions_grid", "training_curves", "update_training_curves"}
    # The rest of the public API computes, checks or helps, and draws no figure of its own.
    helpers = {"annotate_cells", "bilingual", "colour_rule_problems", "conv_step_values",
               "moving_average", "pool_step_values", "sign_legend", "signed_image", "signed_limit",
               "text_color", "untranslated"}
    assert set(viz.__all__) == drawing | helpers
    assert drawing <= {name.split(",")[0] for name in FIGURES}


@pytest.mark.parametrize("name", FIGURES)
def test_viz_figures_have_vietnamese_and_follow_the_colour_rule(name):
    fig = FIGURES[name]()
    fig.canvas.draw()
    assert viz.words.figure_words(fig), "a figure with no words at all"
    assert viz.untranslated(fig) == []
    assert viz.colour_rule_problems(fig) == []


def test_signed_maps_are_red_positive_centred_with_a_colour_bar():
    fig = viz.activation_maps(TwoLayers(), np.zeros((1, 6, 6)))
    maps = [image for ax in fig.axes for image in ax.images if image.get_array().ndim == 2]
    assert maps
    for image in maps[1:]:                           # maps[0] is the (gray) input image
        assert image.get_cmap().name == "RdBu_r"
        assert image.norm.vmin == -image.norm.vmax
    assert all(any(m.colorbar for m in ax.images) for ax in fig.axes if len(ax.images) > 1)
    # Positive is red, negative blue: the ends of the colour map.
    red, blue = maps[1].cmap(1.0), maps[1].cmap(0.0)
    assert red[0] > red[2] and blue[2] > blue[0]

    fig = viz.conv_step(SIGNED, EDGE_FILTER, 0, 0)
    filter_ax = fig.axes[1]
    image = filter_ax.images[0]
    assert image.get_cmap().name == "RdBu_r" and image.norm.vmin == -image.norm.vmax == -1
    assert fig.legends, "the step pictures say the rule in a legend"


def test_numbers_on_dark_cells_are_white():
    fig = viz.conv_step(np.eye(4) * 9, np.array([[1.0, -1.0], [-1.0, 1.0]]), 0, 0)
    filter_ax = fig.axes[1]
    colors = [matplotlib.colors.to_hex(t.get_color()) for t in filter_ax.texts]
    assert set(colors) == {"#ffffff"}                # +1 and -1: the darkest red and blue
    input_ax = fig.axes[0]
    colors = {t.get_text(): matplotlib.colors.to_hex(t.get_color()) for t in input_ax.texts}
    assert colors["9"] == "#ffffff" and colors["0"] == "#000000"
    assert viz.text_color((1, 1, 1, 1)) == "black" and viz.text_color((0.1, 0.1, 0.4)) == "white"


def test_colour_rule_problems_finds_a_figure_that_breaks_it():
    fig, (a, b, c) = plt.subplots(1, 3)
    a.imshow(SIGNED, cmap="RdBu")                               # blue positive
    b.imshow(SIGNED, cmap="RdBu_r")                             # not centred
    c.imshow(SIGNED, cmap="viridis")                            # signed values, no rule
    a.set_title("a"), b.set_title("b"), c.set_title("c")
    # ... and no colour bar on any of them.
    assert viz.colour_rule_problems(fig) == [
        "'a': colour map RdBu, not RdBu_r", "'a': no colour bar or legend",
        "'b': not centred on 0 (vmin -2.0, vmax 3.0)", "'b': no colour bar or legend",
        "'c': colour map viridis, not RdBu_r", "'c': no colour bar or legend"]
    fig, ax = plt.subplots()
    viz.signed_image(ax, SIGNED)
    assert viz.colour_rule_problems(fig) == []


def test_bilingual_joins_both_languages():
    assert bilingual("input volume", "khối đầu vào") == "input volume / khối đầu vào"
    assert bilingual("epoch", "epoch") == "epoch"
    long = bilingual("the same image stretched to 3072 x 1", "cùng ảnh đó, duỗi thành 3072 x 1")
    assert long == "the same image stretched to 3072 x 1\ncùng ảnh đó, duỗi thành 3072 x 1"
    # The library's words: the Vietnamese from the catalog, whatever the language.
    assert bilingual(N_("input {width}x{height}x{depth}")).format(width=2, height=3, depth=1) \
        == "input 2x3x1 / đầu vào 2x3x1"


@pytest.mark.parametrize("text, needs", [
    ("input volume 32x32x3", True),                  # the student's example
    ("Parameters to compute a 28x28x5 output from 32x32x3", True),
    ("share of the total", True),
    ("cell 0°", True),
    ("input volume 32x32x3 / khối đầu vào 32x32x3", False), ("bar / thanh 0°", False),
    ("column / cột", False),
    ("conv1", False), ("d = 0", False), ("epoch", False), ("$x_1$", False), ("X vs O", False),
    ("ReLU", False), ("CONV1", False), ("224x224x3", False),
])
def test_needs_vietnamese(text, needs):
    assert needs_vietnamese(text) is needs
    assert has_vietnamese("khối") and not has_vietnamese("input − 3° ×")


def test_untranslated_lists_the_english_only_words_of_a_figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], label="share of the total")
    ax.legend()
    ax.set(title="input volume 32x32x3", xlabel="column / cột", ylabel="d = 0")
    fig.suptitle("Parameters / Tham số")
    assert viz.untranslated(fig) == ["input volume 32x32x3", "share of the total"]


# --- The widgets' figures --------------------------------------------------------

def widget_figures():
    from convlab import widgets

    calculator = widgets.output_size_calculator(n=227, f=11, stride=4)
    yield "output_size_calculator", calculator.figure
    calculator.controls["stride"].value = 3                      # does not fit
    yield "output_size_calculator, does not fit", calculator.figure
    explorer = widgets.padding_explorer(n=8, f=5, layers=3)      # the third layer does not fit
    yield "padding_explorer", explorer.figure
    yield "receptive_field_growth", widgets.receptive_field_growth(pool_every=2).figure
    yield "conv_stepper", widgets.conv_stepper().figure
    yield "pool_stepper", widgets.pool_stepper(mode="avg").figure
    trainer = widgets.perceptron_trainer()
    trainer.do_step()
    yield "perceptron_trainer", trainer.figure()
    yield "orientation_tuning", widgets.orientation_tuning().figure()


def test_widget_figures_have_vietnamese_and_follow_the_colour_rule():
    seen = []
    for name, fig in widget_figures():
        fig.canvas.draw()
        seen.append(name)
        assert viz.untranslated(fig) == [], name
        assert viz.colour_rule_problems(fig) == [], name
        plt.close(fig)
    assert len(seen) == 8
