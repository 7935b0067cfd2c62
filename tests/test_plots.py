"""The figure functions: what they draw, what they write, what they refuse."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from keras_tape import plots
from keras_tape.models import LinearRegression

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def labels():
    """200 true labels of 10 classes and predictions with 23 of them wrong."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, size=200)
    y_pred = y_true.copy()
    wrong = rng.choice(200, size=23, replace=False)
    y_pred[wrong] = (y_pred[wrong] + rng.integers(1, 10, size=23)) % 10
    return y_true, y_pred


def texts(axes):
    return [text.get_text() for text in axes.texts]


# ------------------------------------------------------------------ regression


def test_regression_figure_draws_the_model_through_its_predictions():
    x = np.linspace(-2.0, 3.0, 20)
    y = 4.0 * x - 1.0
    model = LinearRegression()
    model.build((None, 1))
    figure = plots.regression_figure(
        x, y, {"model": lambda t: model.predict(t, verbose=0)[:, 0]}, title="Epoch 1\ny = ..."
    )
    (axes,) = figure.axes
    (line,) = axes.get_lines()
    assert line.get_xdata()[0] == x.min() and line.get_xdata()[-1] == x.max()
    np.testing.assert_allclose(line.get_ydata(), model.predict(line.get_xdata(), verbose=0)[:, 0], rtol=1e-6)
    np.testing.assert_allclose(axes.collections[0].get_offsets(), np.column_stack([x, y]))
    assert axes.get_title() == "Epoch 1\ny = ..."
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x", "y")
    assert texts(axes.get_legend()) == ["data", "model"]


def test_regression_figure_draws_curves_solid_dashed_dotted():
    x = np.arange(5.0)
    curves = {"fit": lambda t: t, "truth": lambda t: t + 0.1, "third": lambda t: t + 0.2, "fourth": np.sin}
    axes = plots.regression_figure(x[:, None], x, curves).axes[0]
    assert [line.get_linestyle() for line in axes.get_lines()] == ["-", "--", ":", "-"]
    np.testing.assert_allclose(axes.get_lines()[3].get_ydata(), np.sin(axes.get_lines()[3].get_xdata()))
    assert axes.get_title() == ""


def test_predicted_vs_true_figure_scatters_every_output_against_the_diagonal():
    y_true = np.array([[0.0, 1.0], [2.0, 3.0]])
    y_pred = np.array([[0.5, 1.0], [2.0, 4.0]])
    axes = plots.predicted_vs_true_figure(y_true, y_pred, title="two outputs").axes[0]
    np.testing.assert_allclose(axes.collections[0].get_offsets(), np.column_stack([y_true.ravel(), y_pred.ravel()]))
    (diagonal,) = axes.get_lines()
    np.testing.assert_allclose(diagonal.get_xydata(), [[0.0, 0.0], [4.0, 4.0]])
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == ("true y", "predicted y", "two outputs")


# -------------------------------------------------------------- classification


def test_confusion_matrix_equals_a_numpy_reference(labels):
    y_true, y_pred = labels
    reference, _, _ = np.histogram2d(y_true, y_pred, bins=10, range=[[0, 10], [0, 10]])
    counts = plots.confusion_matrix(y_true, y_pred, num_classes=10)
    np.testing.assert_array_equal(counts, reference)
    assert counts.dtype == np.int64 and np.trace(counts) == 177


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    np.testing.assert_array_equal(
        plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3), [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    )


def test_confusion_matrix_figure_writes_the_counts_in_their_cells(labels):
    y_true, y_pred = labels
    figure = plots.confusion_matrix_figure(y_true, y_pred, 10, title="Epoch 3")
    axes = figure.axes[0]  # the second is the colour bar
    counts = plots.confusion_matrix(y_true, y_pred, 10)
    np.testing.assert_array_equal(axes.images[0].get_array(), counts)
    # A cell's text sits at (column, row) = (predicted, true).
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text()) for t in axes.texts}
    assert cells == {(int(t), int(p)): int(counts[t, p]) for t, p in zip(*np.nonzero(counts))}
    assert figure.get_suptitle() == "Epoch 3"
    assert axes.get_title() == "confusion matrix: accuracy 88.5% on 200 examples"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("predicted class", "true class")


def test_misclassified_figure_labels_each_image_true_and_predicted(labels):
    y_true, y_pred = labels
    images = np.arange(200 * 64, dtype="float32").reshape(200, 64)
    figure = plots.misclassified_figure(images, y_true, y_pred, max_images=5, title="Epoch 3")
    (grid,) = figure.subfigs
    wrong = np.flatnonzero(y_true != y_pred)[:5]
    assert [axes.get_title() for axes in grid.axes] == [f"true {y_true[i]} / pred {y_pred[i]}" for i in wrong]
    np.testing.assert_array_equal(grid.axes[0].images[0].get_array(), images[wrong[0]].reshape(8, 8))
    assert figure.get_suptitle() == "Epoch 3"
    assert grid.get_suptitle() == "23 of 200 misclassified, first 5 shown"


def test_misclassified_figure_says_when_all_are_right():
    figure = plots.misclassified_figure(np.zeros((3, 4)), [1, 2, 3], [1, 2, 3])
    (grid,) = figure.subfigs
    assert grid.get_suptitle() == "0 of 3 misclassified"
    assert texts(grid.axes[0]) == ["no misclassified images"]


def test_classification_figure_puts_the_matrix_beside_the_errors(labels):
    y_true, y_pred = labels
    figure = plots.classification_figure(np.zeros((200, 8, 8)), y_true, y_pred, title="MLP")
    matrix, errors = figure.subfigs
    assert matrix.axes[0].get_title().startswith("confusion matrix: accuracy 88.5%")
    assert len(errors.axes) == 16
    assert figure.get_suptitle() == "MLP"


@pytest.mark.parametrize(
    "shape, picture_shape",
    [
        ((64,), (8, 8)),
        ((784,), (28, 28)),
        ((28, 28), (28, 28)),
        ((8, 8, 1), (8, 8)),
        ((10,), (1, 10)),
        ((5, 5, 3), (5, 5, 3)),
    ],
)
def test_samples_are_shown_as_pictures(shape, picture_shape):
    assert plots._as_picture(np.ones(shape)).shape == picture_shape


# ---------------------------------------------------------------------- output


def test_figure_to_bytes_renders_png_at_the_figure_size():
    png = plots.figure_to_bytes(plots.regression_figure([0, 1], [0, 1], {}))
    assert png.startswith(PNG_SIGNATURE)
    from matplotlib.image import imread

    assert imread(io.BytesIO(png)).shape == (460, 640, 4)
    assert plots.figure_to_bytes(Figure(), format="svg").lstrip().startswith(b"<?xml")


def test_save_figure_writes_the_file_and_nothing_else(tmp_path):
    figure = plots.regression_figure([0, 1, 2], [1, 0, 1], {"fit": lambda t: 0 * t + 2 / 3})
    plots.save_figure(figure, tmp_path / "fit.png")
    plots.save_figure(figure, str(tmp_path / "fit.SVG"))
    assert (tmp_path / "fit.png").read_bytes().startswith(PNG_SIGNATURE)
    assert b"<svg" in (tmp_path / "fit.SVG").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["fit.SVG", "fit.png"]


def test_plots_use_no_pyplot():
    # pyplot keeps global figures; the figure functions must not touch it.
    source = Path(plots.__file__).read_text()
    assert "import matplotlib.pyplot" not in source and "from matplotlib import pyplot" not in source
    assert "plt." not in source


# ---------------------------------------------------------------- bad arguments


def _curve(t):
    return t


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: plots.regression_figure(np.zeros((3, 2)), np.zeros(3), {}),
            ValueError,
            r"`x` must have shape \(n,\) or \(n, 1\), got shape \(3, 2\)",
        ),
        (lambda: plots.regression_figure([0, 1, 2], [0, 1], {}), ValueError, "`x` has 3, `y` has 2"),
        (lambda: plots.regression_figure([0, np.nan], [0, 1], {}), ValueError, "`x` must contain only finite"),
        (lambda: plots.regression_figure([0, 1], [0, 1], [_curve]), TypeError, "`curves` must be a mapping"),
        (
            lambda: plots.regression_figure([0, 1], [0, 1], {"fit": 3}),
            TypeError,
            r"`curves\['fit'\]` must be a function of x",
        ),
        (
            lambda: plots.regression_figure([0, 1], [0, 1], {"fit": lambda t: t[:5]}),
            ValueError,
            r"`curves\['fit'\]` must return one value per x",
        ),
        (lambda: plots.predicted_vs_true_figure([1, 2], [1, 2, 3]), ValueError, "`y_pred` must have the shape"),
        (lambda: plots.confusion_matrix([0, 1], [0, 2], 2), ValueError, r"`y_pred` must hold class labels in \[0, 2\)"),
        (lambda: plots.confusion_matrix([0.5], [0], 2), ValueError, "`y_true` must hold integer class labels"),
        (lambda: plots.confusion_matrix(np.eye(2), [0, 1], 2), ValueError, r"`y_true` must be labels of shape \(n,\)"),
        (lambda: plots.confusion_matrix([0, 1], [0], 2), ValueError, "`y_true` has 2, `y_pred` has 1"),
        (lambda: plots.confusion_matrix([0], [0], 0), ValueError, "`num_classes` must be an integer >= 1"),
        (lambda: plots.draw_confusion_matrix(Figure(), np.zeros((2, 3))), ValueError, "`counts` must be a square"),
        (lambda: plots.misclassified_figure(np.zeros((3, 4)), [0, 1], [1, 1]), ValueError, "`images` has 3"),
        (
            lambda: plots.misclassified_figure(np.zeros((2, 4)), [0, 1], [1, 1], max_images=0),
            ValueError,
            "`max_images` must be an integer >= 1",
        ),
        (lambda: plots.figure_to_bytes("figure"), TypeError, "`figure` must be a matplotlib.figure.Figure"),
        (lambda: plots.figure_to_bytes(Figure(), format="bmp"), ValueError, "`format` must be one of"),
        (lambda: plots.figure_to_bytes(Figure(), dpi=0), ValueError, "`dpi` must be an integer >= 1"),
        (lambda: plots.save_figure(Figure(), "figure.txt"), ValueError, r"`path` must end in the suffix.*\.png"),
        (lambda: plots.save_figure(Figure(), 3), TypeError, "`path` must be a path"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_refused_path_leaves_no_file(tmp_path):
    with pytest.raises(ValueError):
        plots.save_figure(Figure(), tmp_path / "figure.txt")
    assert list(tmp_path.iterdir()) == []
