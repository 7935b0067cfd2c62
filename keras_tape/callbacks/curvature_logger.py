"""`CurvatureLogger`: the Hessian of the training loss, its eigenvalues and condition number, in TensorBoard."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_tape import _validation
from keras_tape.autodiff.curvature import _condition_number, _symmetric_eigenvalues, loss_hessian
from keras_tape.callbacks._writers import SummaryCallback, load_plots, variable_tag


class CurvatureLogger(SummaryCallback):
    """Logs the curvature of the training loss, the Hessian's spectrum, to TensorBoard.

    Every `every` epochs it computes the Hessian of the model's loss on
    `data` with respect to all its trainable weights (two nested gradient
    tapes, `keras_tape.autodiff.loss_hessian`), a `P x P` matrix, and writes
    to `<log_dir>/train`, at step = the epoch index:

    - `curvature/condition_number`: largest over smallest eigenvalue (in
      absolute value). The steps gradient descent needs to make progress
      along the flattest direction grow in proportion to it: the lab's
      raw-feature polynomial is near 17,000, the whitened
      `PolynomialRegression` 1.
    - `curvature/flat_directions`: how many eigenvalues are zero up to the
      rounding of the model's arithmetic (`P` times its machine epsilon,
      relative to the largest): weights the loss does not depend on, such as
      those of always-blank pixels or dead ReLUs. They are left out of the
      condition number, which would otherwise be infinite; 0 for the
      regression models.
    - `curvature/max_eigenvalue`, `curvature/min_eigenvalue`: the extreme
      eigenvalues, signed (a negative one means the loss curves down there,
      as it can in a network).
    - `curvature/max_stable_learning_rate`: `2 / max_eigenvalue`, beyond
      which plain gradient descent diverges on a quadratic loss.
    - `curvature/eigenvalues`: a histogram of all `P` eigenvalues.
    - `curvature/hessian` (with `plot_hessian=True`): the matrix as a heat
      map, drawn with `keras_tape.plots` (needs matplotlib).

    The eigenvalues are those of the symmetrised Hessian, in float64. For the
    regression models, linear in their weights, the mean-squared-error
    Hessian is the same at every epoch (`2/N X^T X`); for a network it moves
    as the weights do. The Hessian holds `P^2` numbers and costs `P` backward
    passes over `data`, so the callback refuses models with more than
    `max_parameters` weights; give it a sample of a few hundred rows.

    Args:
        log_dir: the run's folder, the `log_dir` of `keras.callbacks.TensorBoard`.
        data: a tuple `(x, y)` of inputs and targets, usually the training
            data or a sample of it.
        every: write at epochs 0, `every`, `2 * every`, ...; an integer >= 1.
        max_parameters: the most trainable weights a model may have.
        plot_hessian: also write the Hessian as an image.

    Example:

    ```python
    x, y = keras_tape.data.polynomial_data()
    model = keras_tape.models.PolynomialRegression(degree=2)
    model.compile()
    model.fit(x, y, epochs=100, batch_size=len(x), verbose=0, callbacks=[
        keras_tape.callbacks.CurvatureLogger("runs/poly", data=(x, y), every=10)])
    # curvature/condition_number: 1.0, the whitened features' round bowl
    ```
    """

    def __init__(self, log_dir, data, every: int = 1, max_parameters: int = 2000, plot_hessian: bool = False):
        super().__init__(log_dir)
        self.x, self.y = _validation.check_data_pair(data)
        self.every = _validation.check_int(every, "every")
        self.max_parameters = _validation.check_int(max_parameters, "max_parameters")
        if not isinstance(plot_hessian, bool):
            raise TypeError(f"`plot_hessian` must be True or False, got {_validation._describe(plot_hessian)}.")
        self.plot_hessian = plot_hessian
        if plot_hessian:
            load_plots()  # without matplotlib, fail now, not after the first epoch

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        count = sum(int(np.prod(v.shape)) for v in self.model.trainable_variables)
        if count > self.max_parameters:
            raise ValueError(
                f"`model` ({type(self.model).__name__}) has {count:,} trainable parameters, more "
                f"than CurvatureLogger's `max_parameters`={self.max_parameters:,}: its Hessian "
                f"would be a {count:,} x {count:,} matrix. Log a smaller model, or raise "
                "`max_parameters` if you have the memory and time."
            )

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every:
            return
        hessian = loss_hessian(self.model, self.x, self.y)
        eigenvalues = _symmetric_eigenvalues(hessian)
        # Below the rounding level of the model's arithmetic a direction is flat, not curved.
        dtype = keras.backend.standardize_dtype(self.model.trainable_variables[0].dtype)
        rtol = len(eigenvalues) * float(np.finfo(dtype).eps)
        condition = _condition_number(eigenvalues, rtol)
        flat = int(np.sum(np.abs(eigenvalues) <= rtol * np.abs(eigenvalues).max()))
        with self.writers["train"].as_default(step=epoch):
            tf.summary.scalar("curvature/condition_number", condition)
            tf.summary.scalar("curvature/flat_directions", flat)
            tf.summary.scalar("curvature/max_eigenvalue", eigenvalues[-1])
            tf.summary.scalar("curvature/min_eigenvalue", eigenvalues[0])
            if eigenvalues[-1] > 0:
                tf.summary.scalar("curvature/max_stable_learning_rate", 2.0 / eigenvalues[-1])
            tf.summary.histogram("curvature/eigenvalues", eigenvalues)
            if self.plot_hessian:
                title = f"Epoch {epoch + 1}: condition number {condition:,.4g}"
                labels = _parameter_labels(self.model.trainable_variables)
                png = load_plots().figure_to_bytes(load_plots().hessian_figure(hessian, labels, title=title))
                tf.summary.image("curvature/hessian", tf.image.decode_png(png, channels=4)[tf.newaxis])
        self.writers.flush()


def _parameter_labels(variables) -> list[str]:
    """A name per Hessian row, `kernel[0]`, ..., `bias[0]`, in the order `loss_hessian` flattens them."""
    return [
        f"{variable_tag(variable).rsplit('/', 1)[-1]}[{i}]"
        for variable in variables
        for i in range(int(np.prod(variable.shape)))
    ]
