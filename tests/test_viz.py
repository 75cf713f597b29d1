"""convlab.viz: the figures show the right numbers, and refuse bad input clearly."""
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # before pyplot: no window, the same on every machine

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from convlab import viz  # noqa: E402
from convlab.errors import ShapeError  # noqa: E402
from convlab.layers import (  # noqa: E402
    avg_pool_forward, conv_forward_naive, max_pool_forward_naive)

from convlab.examples import (  # noqa: E402
    EDGE_FILTER, NINE_BY_NINE, POOL_INPUT, POOL_OUTPUT, NINE_BY_NINE_OUTPUT as SLIDES_7X7)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def scale01(a):
    return (a - a.min()) / (a.max() - a.min())


# --- import ------------------------------------------------------------------

def test_import_convlab_does_not_import_viz_and_viz_does_not_import_pyplot():
    code = ("import sys, convlab; a = 'convlab.viz' in sys.modules; "
            "import convlab.viz; print(a, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


# --- filter_grid ---------------------------------------------------------------

def test_filter_grid_rgb_tiles_are_each_filter_scaled_to_0_1():
    w = np.random.default_rng(0).standard_normal((10, 3, 4, 5))
    fig = viz.filter_grid(w)
    assert isinstance(fig, Figure)
    ax, = fig.axes
    assert len(ax.images) == 10
    for k, image in enumerate(ax.images):
        np.testing.assert_allclose(image.get_array(), scale01(w[k].transpose(1, 2, 0)))
    assert ax.get_title() == "10 filters 5x4x3\n10 bộ lọc 5x4x3"     # English, then Vietnamese
    # 10 tiles: a near-square grid of 3 rows of 4.
    lefts = {image.get_extent()[0] for image in ax.images}
    tops = {image.get_extent()[3] for image in ax.images}
    assert (len(tops), len(lefts)) == (3, 4)


def test_filter_grid_gray_and_3d_filters_are_the_same_picture():
    w = np.random.default_rng(1).standard_normal((4, 1, 3, 3))
    ax4 = viz.filter_grid(w).axes[0]
    ax3 = viz.filter_grid(w[:, 0]).axes[0]
    for a, b, filt in zip(ax4.images, ax3.images, w[:, 0]):
        np.testing.assert_allclose(a.get_array(), scale01(filt))
        np.testing.assert_allclose(b.get_array(), scale01(filt))
        assert a.get_cmap().name == "gray"


def test_filter_grid_other_channel_counts_show_the_channel_mean():
    w = np.random.default_rng(2).standard_normal((3, 8, 3, 3))
    ax = viz.filter_grid(w).axes[0]
    for image, filt in zip(ax.images, w):
        np.testing.assert_allclose(image.get_array(), scale01(filt.mean(axis=0)))
    assert "mean over the 8 channels" in ax.get_title()


def test_filter_grid_normalize_all_uses_one_scale():
    w = np.random.default_rng(3).standard_normal((5, 3, 3, 3))
    ax = viz.filter_grid(w, normalize="all", title="W1").axes[0]
    scaled = scale01(w)
    for k, image in enumerate(ax.images):
        np.testing.assert_allclose(image.get_array(), scaled[k].transpose(1, 2, 0))
    assert ax.get_title() == "W1"


def test_filter_grid_draws_into_the_given_axes_and_clears_it():
    fig, (left, right) = plt.subplots(1, 2)
    w = np.zeros((4, 3, 3, 3))                        # constant: mid-gray, no warning
    assert viz.filter_grid(w, ax=right) is fig
    assert viz.filter_grid(w, ax=right) is fig
    assert len(right.images) == 4 and not left.images
    np.testing.assert_array_equal(right.images[0].get_array(), np.full((3, 3, 3), 0.5))


@pytest.mark.parametrize("w, error, words", [
    (np.zeros((2, 3, 3, 3, 1)), ValueError, "w must hold conv filters"),
    (np.zeros((3, 3)), ShapeError, "got shape (3, 3)"),
    (np.array([["a"]]), TypeError, "w must hold numbers"),
])
def test_filter_grid_bad_w(w, error, words):
    with pytest.raises(error) as info:
        viz.filter_grid(w)
    assert words in str(info.value)


def test_filter_grid_bad_normalize():
    with pytest.raises(ValueError, match="normalize"):
        viz.filter_grid(np.ones((2, 3, 3, 3)), normalize="max")


# --- activation_maps ---------------------------------------------------------

class FakeNet:
    """Model contract of convlab.models: activations(X) -> [(name, array)]."""

    def __init__(self):
        self.seen = None

    def activations(self, X):
        self.seen = X
        n = X.shape[0]
        rng = np.random.default_rng(4)
        conv = np.maximum(0, rng.standard_normal((n, 20, 8, 8)))
        pool = conv[:, :, ::2, ::2]
        return [("conv1", conv), ("pool1", pool), ("fc1", rng.standard_normal((n, 10)))]


def test_activation_maps_runs_the_model_on_one_image():
    model, image = FakeNet(), np.random.default_rng(5).random((3, 8, 8))
    fig = viz.activation_maps(model, image, max_maps=6)
    assert isinstance(fig, Figure)
    assert model.seen.shape == (1, 3, 8, 8)
    np.testing.assert_array_equal(model.seen[0], image)
    pairs = model.activations(image[None])
    panels = [ax for ax in fig.axes if ax.get_title()]  # not colorbars, not blank cells
    assert [ax.get_title().split("\n")[0] for ax in panels] == [
        "input 8x8x3 / đầu vào 8x8x3", "conv1", "pool1", "fc1"]
    input_ax, conv_ax, pool_ax, fc_ax = panels
    np.testing.assert_allclose(input_ax.images[0].get_array(), scale01(image.transpose(1, 2, 0)))
    assert len(conv_ax.images) == 6 and "6 of 20 activation maps, 8x8" in conv_ax.get_title()
    for k, shown in enumerate(conv_ax.images):
        np.testing.assert_array_equal(shown.get_array(), pairs[0][1][0, k])
    # One colour scale per layer, centred on 0: the maps of a layer can be compared.
    norms = {(im.norm.vmin, im.norm.vmax) for im in pool_ax.images}
    limit = np.abs(pairs[1][1][0, :6]).max()
    assert norms == {(-limit, limit)}
    assert {im.get_cmap().name for im in conv_ax.images} == {"RdBu_r"}
    heights = [bar.get_height() for bar in fc_ax.patches]
    np.testing.assert_allclose(heights, pairs[2][1][0])
    fig.canvas.draw()


def test_activation_maps_with_a_list_of_pairs_and_chosen_layers():
    pairs = FakeNet().activations(np.zeros((2, 3, 8, 8)))
    fig = viz.activation_maps(pairs, None, layers=["pool1", -1])
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_title()]
    assert titles == ["pool1", "fc1"]
    # One example's arrays, without the batch axis, are fine too.
    one = [(name, values[0]) for name, values in pairs]
    fig = viz.activation_maps(one, np.zeros((1, 3, 8, 8)), layers="conv1", max_maps=4)
    assert len([ax for ax in fig.axes if ax.images]) == 2


@pytest.mark.parametrize("call, error, words", [
    (lambda: viz.activation_maps(FakeNet(), np.zeros((3, 8, 8)), layers=["conv9"]),
     ValueError, "no layer 'conv9'; the layers are conv1, pool1, fc1"),
    (lambda: viz.activation_maps(FakeNet(), np.zeros((3, 8, 8)), layers=[3]),
     ValueError, "no layer number 3"),
    (lambda: viz.activation_maps(object(), np.zeros((3, 8, 8))), TypeError, "model must"),
    (lambda: viz.activation_maps(FakeNet(), None), ValueError, "image"),
    (lambda: viz.activation_maps(FakeNet(), np.zeros((2, 3, 8, 8))), ValueError, "image"),
    (lambda: viz.activation_maps([("conv1", np.zeros((1, 1, 1, 2, 2)))], None),
     ValueError, "layer conv1"),
    (lambda: viz.activation_maps(FakeNet(), np.zeros((3, 8, 8)), max_maps=0),
     ValueError, "max_maps"),
    (lambda: viz.activation_maps(FakeNet(), np.zeros((3, 8, 8)), layers=[]),
     ValueError, "nothing to show; the layers are conv1, pool1, fc1"),
])
def test_activation_maps_bad_input(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --- training_curves ---------------------------------------------------------

def lines_by_gid(fig):
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines()}


def test_training_curves_from_a_dict():
    loss = list(np.linspace(2.3, 0.5, 200))
    history = {"loss_history": loss, "train_acc_history": [0.1, 0.5, 0.7],
               "val_acc_history": [0.1, 0.4, 0.5]}
    fig = viz.training_curves(history)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("iteration / vòng lặp",
                                                            "loss / mất mát")
    assert (acc_ax.get_xlabel(), acc_ax.get_ylabel()) == ("epoch", "accuracy / độ chính xác")
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == [
        "training set / tập huấn luyện", "validation set / tập kiểm định"]
    lines = lines_by_gid(fig)
    np.testing.assert_array_equal(lines["loss"].get_xdata(), np.arange(200))
    np.testing.assert_array_equal(lines["loss"].get_ydata(), loss)
    window = 20                                        # a tenth of the iterations
    np.testing.assert_allclose(lines["loss_average"].get_ydata(),
                               np.convolve(loss, np.ones(window) / window, mode="valid"))
    np.testing.assert_array_equal(lines["loss_average"].get_xdata(), np.arange(19, 200))
    np.testing.assert_array_equal(lines["train_acc"].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(lines["val_acc"].get_ydata(), [0.1, 0.4, 0.5])
    fig.canvas.draw()


def test_training_curves_from_a_solver_like_object_and_from_partial_histories():
    solver = SimpleNamespace(loss_history=[2.3], train_acc_history=[], val_acc_history=[])
    fig = viz.training_curves(solver)
    np.testing.assert_array_equal(lines_by_gid(fig)["loss"].get_ydata(), [2.3])
    fig.canvas.draw()
    for history in ({}, {"loss_history": []},
                    SimpleNamespace(loss_history=np.array([3.0, np.inf, np.nan]))):
        fig = viz.training_curves(history)
        fig.canvas.draw()
    assert len(lines_by_gid(fig)["loss"].get_xdata()) == 3


def test_update_training_curves_changes_the_lines_in_place():
    history = {"loss_history": [2.3], "train_acc_history": [0.1], "val_acc_history": [0.1]}
    fig = viz.training_curves(history)
    before = lines_by_gid(fig)
    history["loss_history"] += [1.0 + k for k in range(30)]
    history["train_acc_history"].append(0.9)
    assert viz.update_training_curves(fig, history) is fig
    after = lines_by_gid(fig)
    assert all(after[gid] is before[gid] for gid in before)
    assert len(fig.axes) == 2
    np.testing.assert_array_equal(after["loss"].get_ydata(), history["loss_history"])
    np.testing.assert_array_equal(after["train_acc"].get_ydata(), [0.1, 0.9])
    assert fig.axes[0].get_ylim()[1] >= 30             # rescaled to the new data
    assert fig.axes[1].get_ylim()[1] >= 0.9


def test_training_curves_bad_input():
    with pytest.raises(TypeError, match="history must be"):
        viz.training_curves([1.0, 2.0])
    with pytest.raises(ValueError, match="fig must be a figure made by training_curves"):
        viz.update_training_curves(plt.figure(), {"loss_history": [1.0]})


def test_moving_average():
    np.testing.assert_allclose(viz.moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    assert viz.moving_average([1.0], 3).size == 0


# --- conv_step ---------------------------------------------------------------

def test_conv_step_values_lecture_9x9_at_0_0():
    v = viz.conv_step_values(NINE_BY_NINE, EDGE_FILTER, 0, 0)
    np.testing.assert_array_equal(v["window"], NINE_BY_NINE[:3, :3])
    np.testing.assert_array_equal(v["products"], [[1 * 1, 1 * 0, 0 * -1],
                                                  [0 * 1, 0 * 0, 1 * -1],
                                                  [1 * 1, 1 * 0, 0 * -1]])
    assert v["total"] == 1
    assert v["output_so_far"][0, 0] == 1
    assert np.isnan(v["output_so_far"]).sum() == 48


@pytest.mark.parametrize("i, j", [(0, 1), (2, 4), (2, 6), (4, 0), (6, 6)])
def test_conv_step_values_lecture_9x9_other_positions(i, j):
    v = viz.conv_step_values(NINE_BY_NINE, EDGE_FILTER, i, j)
    np.testing.assert_array_equal(v["window"], NINE_BY_NINE[i:i + 3, j:j + 3])
    np.testing.assert_array_equal(v["products"], NINE_BY_NINE[i:i + 3, j:j + 3] * EDGE_FILTER)
    assert v["total"] == SLIDES_7X7[i, j]
    done = np.arange(49).reshape(7, 7) <= i * 7 + j
    np.testing.assert_array_equal(v["output_so_far"][done], SLIDES_7X7[done])
    assert np.isnan(v["output_so_far"][~done]).all()


def test_conv_step_values_match_conv_forward_naive_with_stride_2_and_pad_1():
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((7, 9)), rng.standard_normal((3, 3)), 0.7
    out, _ = conv_forward_naive(x[None, None], w[None, None], np.array([b]), stride=2, pad=1)
    out = out[0, 0]
    assert out.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            v = viz.conv_step_values(x[None], w, i, j, stride=2, pad=1, b=b)
            assert v["total"] == pytest.approx(out[i, j])
            np.testing.assert_allclose(v["products"].sum() + b, out[i, j])
            assert (v["top"], v["left"]) == (2 * i, 2 * j)
            np.testing.assert_array_equal(v["window"], np.pad(x, 1)[2 * i:2 * i + 3,
                                                                    2 * j:2 * j + 3])
            so_far = v["output_so_far"].ravel()
            k = i * 5 + j
            np.testing.assert_allclose(so_far[:k + 1], out.ravel()[:k + 1])
            assert np.isnan(so_far[k + 1:]).all()


def test_conv_step_draws_the_lecture_example():
    fig = viz.conv_step(NINE_BY_NINE, EDGE_FILTER, 0, 0)
    assert isinstance(fig, Figure)
    input_ax, filter_ax, products_ax, sum_ax, output_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == [
        "input / đầu vào", "filter / bộ lọc", "products / tích từng phần tử", "",
        "output 7x7 / đầu ra 7x7"]
    np.testing.assert_array_equal(input_ax.images[0].get_array(), NINE_BY_NINE)
    window = input_ax.patches[-1]
    assert (window.get_xy(), window.get_width(), window.get_height()) == ((-0.5, -0.5), 3, 3)
    assert texts(products_ax) == ["1×1\n= 1", "1×0\n= 0", "0×-1\n= 0",
                                  "0×1\n= 0", "0×0\n= 0", "1×-1\n= -1",
                                  "1×1\n= 1", "1×0\n= 0", "0×-1\n= 0"]
    assert texts(sum_ax)[0].splitlines()[-1] == "= 1"
    assert "sum / tổng" in texts(sum_ax)
    assert texts(output_ax) == ["1"] + [""] * 48       # only (0, 0) is computed yet
    assert "output (0, 0) = 1" in fig._suptitle.get_text()
    fig.canvas.draw()


def test_conv_step_with_padding_bias_and_given_figure():
    fig = plt.figure()
    x = np.arange(25.0).reshape(5, 5) / 10
    assert viz.conv_step(x, np.ones((3, 3)), 1, 1, stride=2, pad=1, b=0.5, fig=fig) is fig
    input_ax, _, products_ax, sum_ax, output_ax = fig.axes
    assert input_ax.images[0].get_array().shape == (7, 7)
    assert input_ax.images[0].get_array().mask[0].all()   # the padding is masked (grey)
    assert "zero padding 1" in input_ax.get_title()
    total = x[1:4, 1:4].sum() + 0.5
    assert texts(sum_ax)[0].splitlines()[-2:] == ["+ bias 0.5 / + độ lệch 0.5", f"= {total:.3g}"]
    assert texts(output_ax)[4] == f"{total:.2g}"           # (1, 1) of a 3x3 output
    # Drawn again into the same figure: replaced, not added.
    viz.conv_step(x, np.ones((3, 3)), 0, 0, stride=2, pad=1, fig=fig)
    assert len(fig.axes) == 5
    fig.canvas.draw()


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(i=7, j=0), ShapeError, "i must be a row of the output, from 0 to 6"),
    (dict(i=0, j=9), ShapeError, "j must be a column of the output, from 0 to 6"),
    (dict(i=-1, j=0), ShapeError, "i must be at least 0"),
    (dict(i=0.5, j=0), TypeError, "i must be a whole number"),
    (dict(i=0, j=0, stride=4), ShapeError, "stride 4 does not fit"),
    (dict(i=0, j=0, b=np.zeros(2)), TypeError, "b must be a number"),
    (dict(i=0, j=0, w=np.zeros((2, 3, 3))), ShapeError, "w must be one single-channel filter"),
    (dict(i=0, j=0, x=np.zeros((1, 1, 9, 9))), ShapeError, "x must be one single-channel input"),
])
def test_conv_step_bad_input(kwargs, error, words):
    args = dict(x=NINE_BY_NINE, w=EDGE_FILTER)
    args.update(kwargs)
    with pytest.raises(error) as info:
        viz.conv_step(**args)
    assert words in str(info.value)


# --- pool_step ---------------------------------------------------------------

def test_pool_step_values_lecture_example():
    for i in range(2):
        for j in range(2):
            v = viz.pool_step_values(POOL_INPUT, i, j)
            assert v["value"] == POOL_OUTPUT[i, j]
            assert v["window"].max() == POOL_OUTPUT[i, j]
            r, c = v["argmax"]
            assert v["window"][r, c] == POOL_OUTPUT[i, j]
    v = viz.pool_step_values(POOL_INPUT, 1, 1)
    np.testing.assert_array_equal(v["output_so_far"], POOL_OUTPUT)
    assert viz.pool_step_values(POOL_INPUT, 0, 0)["argmax"] == (1, 1)     # the 6


def test_pool_step_values_match_the_layers():
    x = np.random.default_rng(7).standard_normal((7, 7))
    maxed, _ = max_pool_forward_naive(x[None, None], size=3, stride=2)
    averaged, _ = avg_pool_forward(x[None, None], size=3, stride=2)
    for i in range(3):
        for j in range(3):
            assert viz.pool_step_values(x, i, j, size=3, stride=2)["value"] == maxed[0, 0, i, j]
            v = viz.pool_step_values(x, i, j, size=3, stride=2, mode="avg")
            assert v["value"] == pytest.approx(averaged[0, 0, i, j])
            assert v["argmax"] is None


def test_pool_step_draws_the_lecture_example():
    fig = viz.pool_step(POOL_INPUT, 0, 1)
    assert isinstance(fig, Figure)
    input_ax, op_ax, output_ax = fig.axes
    bold = [t.get_text() for t in input_ax.texts if t.get_fontweight() == "bold"]
    assert bold == ["8"]
    assert texts(op_ax)[0].splitlines() == ["max(2, 4,", "    7, 8)", "= 8"]
    assert texts(output_ax) == ["6", "8", "", ""]
    fig.canvas.draw()


def test_pool_step_bad_input():
    with pytest.raises(ValueError, match="mode"):
        viz.pool_step(POOL_INPUT, 0, 0, mode="min")
    with pytest.raises(ShapeError, match="j must be a column"):
        viz.pool_step(POOL_INPUT, 0, 2)
    with pytest.raises(ShapeError, match="does not fit"):
        viz.pool_step(POOL_INPUT, 0, 0, size=3, stride=2)


# --- image_grid, predictions_grid --------------------------------------------

def test_image_grid_titles_and_scaled_images():
    X = np.random.default_rng(8).standard_normal((5, 3, 6, 6))
    fig = viz.image_grid(X, labels=[0, 2, 1, 1, 0], class_names=["cat", "dog", "frog"], ncols=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["cat", "frog", "dog", "dog", "cat"]
    for ax, image in zip(shown, X):
        np.testing.assert_allclose(ax.images[0].get_array(), scale01(image.transpose(1, 2, 0)))
    gray = viz.image_grid(X[:, :1]).axes[0]
    np.testing.assert_allclose(gray.images[0].get_array(), scale01(X[0, 0]))
    assert gray.get_title() == ""
    fig.canvas.draw()


def test_predictions_grid_marks_mistakes_in_red():
    X = np.random.default_rng(9).random((4, 1, 5, 5))
    fig = viz.predictions_grid(X, np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1]),
                               class_names=["cat", "dog", "frog"])
    titles = [ax.title for ax in fig.axes]
    assert [t.get_text() for t in titles] == ["cat", "frog\ntrue / đúng: dog", "frog", "dog"]
    red = [matplotlib.colors.same_color(t.get_color(), viz.WRONG_COLOR) for t in titles]
    assert red == [False, True, False, False]
    # The title says what the grid shows: these images, not a test accuracy.
    assert fig._suptitle.get_text() == ("Of these 4 images: 1 predicted wrong (in red), 3 right\n"
                                        "Trong 4 ảnh này: 1 dự đoán sai (màu đỏ), 3 đúng")
    fig.canvas.draw()


@pytest.mark.parametrize("call, error, words", [
    (lambda: viz.image_grid(np.zeros((3, 8, 8))), ShapeError, "X[:, None]"),
    (lambda: viz.image_grid(np.zeros((2, 2, 8, 8))), ShapeError, "C = 1 or 3"),
    (lambda: viz.image_grid(np.zeros((2, 1, 8, 8)), labels=[1]), ShapeError, "labels"),
    (lambda: viz.image_grid(np.zeros((1, 1, 8, 8)), labels=[3], class_names=["a"]),
     ValueError, "labels must hold class numbers from 0 to 0"),
    (lambda: viz.predictions_grid(np.zeros((2, 1, 8, 8)), [0, 1], [0]), ShapeError, "y_pred"),
])
def test_image_grids_bad_input(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --- matplotlib's global state -------------------------------------------------

def test_no_function_shows_or_changes_global_settings(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() called")
    monkeypatch.setattr(plt, "show", no_show)
    before = dict(matplotlib.rcParams)
    viz.filter_grid(np.ones((2, 3, 3, 3)))
    viz.activation_maps(FakeNet(), np.zeros((3, 8, 8)))
    viz.training_curves({"loss_history": [1.0, 0.5]})
    viz.conv_step(NINE_BY_NINE, EDGE_FILTER, 3, 3)
    viz.pool_step(POOL_INPUT, 1, 1, mode="avg")
    viz.image_grid(np.ones((2, 3, 4, 4)))
    viz.predictions_grid(np.ones((2, 3, 4, 4)), [0, 1], [1, 1])
    assert dict(matplotlib.rcParams) == before
