"""`LivePlot` in a real notebook kernel: one image output, replaced in place at each redraw."""

import base64
import hashlib

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.multiprocess]  # a Jupyter kernel process

FIT_CELL = """
import numpy as np
import keras_tape
x, y = keras_tape.data.polynomial_data(noise=5.0, seed=0)
model = keras_tape.models.PolynomialRegression(degree=2)
model.compile()
live = keras_tape.callbacks.LivePlot(every=2, data=(x, y))
history = model.fit(x, y, epochs=5, batch_size=len(x), verbose=0, callbacks=[live])
"""

CHECK_CELL = """
import hashlib
lines = live.figure.axes[0].lines
print(np.allclose(lines[0].get_ydata(), history.history["loss"]), len(live.history["gradient_norm"]))
print(hashlib.sha256(keras_tape.plots.figure_to_bytes(live.figure)).hexdigest())
"""


def test_live_plot_shows_one_png_updated_in_place(execute_notebook, tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(FIT_CELL), nbformat.v4.new_code_cell(CHECK_CELL)]
    )
    execute_notebook(notebook, tmp_path)
    outputs = notebook.cells[0].outputs
    displays = [o for o in outputs if o.output_type == "display_data"]
    updates = [o for o in outputs if o.output_type == "update_display_data"]
    # One display, redrawn at epochs 0, 2, 4: nbclient folds updates into it, so one output remains.
    assert len(displays) == 1, [o.output_type for o in outputs]
    assert not updates
    png = base64.b64decode(displays[0].data["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    printed = "".join(o.get("text", "") for o in notebook.cells[1].outputs).split()
    assert len(printed) == 3, notebook.cells[1].outputs
    assert printed[:2] == ["True", "5"]
    # The image shown is the last drawing (epoch 5), not the first: it was replaced in place.
    assert hashlib.sha256(png).hexdigest() == printed[2]
