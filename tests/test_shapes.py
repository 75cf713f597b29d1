"""convlab.shapes: the lecture's formulas and its worked examples."""
import pytest

from convlab import ShapeError, shapes


@pytest.mark.parametrize("stride, expected", [(1, 5), (2, 3)])
def test_lecture_7x7_input_3x3_filter(stride, expected):
    assert shapes.conv_output_size(7, 3, stride=stride) == expected


def test_lecture_stride_3_does_not_fit_and_says_why():
    with pytest.raises(ShapeError) as info:
        shapes.conv_output_size(7, 3, stride=3)
    message = str(info.value)
    assert "(7 - 3 + 2*0)/3 + 1 = 2.33 is not a whole number" in message
    assert "a 3x3 filter with stride 3 does not fit a 7x7 input" in message
    assert "Strides that fit: 1, 2" in message
    assert "PyTorch" in message  # the common surprise is named


def test_shape_error_is_a_value_error():
    assert issubclass(ShapeError, ValueError)
    with pytest.raises(ValueError):
        shapes.conv_output_size(7, 3, stride=3)


def test_lecture_32x32x3_ten_5x5_filters_stride_1_pad_2():
    assert shapes.conv_output_size(32, 5, stride=1, pad=2) == 32
    assert shapes.conv_param_count(3, 10, 5) == 760


@pytest.mark.parametrize("f, pad", [(3, 1), (5, 2), (7, 3)])
def test_pad_f_minus_1_over_2_keeps_the_size(f, pad):
    assert shapes.conv_output_size(32, f, stride=1, pad=pad) == 32


def test_volumes_shrink_without_padding():
    sizes = [32]
    for _ in range(2):
        sizes.append(shapes.conv_output_size(sizes[-1], 5))
    assert sizes == [32, 28, 24]


def test_pool_output_size():
    assert shapes.pool_output_size(4, 2, 2) == 2
    assert shapes.pool_output_size(224, 2, 2) == 112
    assert shapes.pool_output_size(7, 3, 2) == 3
    with pytest.raises(ShapeError, match="not a whole number"):
        shapes.pool_output_size(5, 2, 2)


def test_one_by_one_convolution():
    assert shapes.conv_output_size(56, 1) == 56
    assert shapes.conv_param_count(64, 32, 1) == (64 + 1) * 32


def test_filter_larger_than_padded_input():
    with pytest.raises(ShapeError, match="larger than the 3x3 input"):
        shapes.conv_output_size(3, 5, pad=0)
    assert shapes.conv_output_size(3, 5, pad=1) == 1


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n=7, f=3, stride=0), ShapeError, "stride must be at least 1, got 0"),
    (dict(n=7, f=3, pad=-1), ShapeError, "pad must be at least 0, got -1"),
    (dict(n=7, f=3, stride=1.5), TypeError, "stride must be a whole number, got 1.5"),
    (dict(n=7.0, f=3), TypeError, "n must be a whole number"),
    (dict(n=7, f=True), TypeError, "f must be a whole number"),
    (dict(n=0, f=3), ShapeError, "n must be at least 1"),
])
def test_bad_hyperparameters(kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(".", r"\.")):
        shapes.conv_output_size(**kwargs)


def test_numpy_integers_are_whole_numbers():
    import numpy as np
    assert shapes.conv_output_size(np.int64(7), np.int32(3), stride=np.int8(2)) == 3
    assert type(shapes.conv_output_size(np.int64(7), 3)) is int


def test_param_count_validates():
    with pytest.raises(ShapeError, match="filters must be at least 1"):
        shapes.conv_param_count(3, 0, 5)
