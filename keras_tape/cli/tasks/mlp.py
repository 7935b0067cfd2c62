"""`MLPTask`: `keras-tape fit mlp`, on the bundled 8x8 digits or on MNIST."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from keras_tape.cli.errors import UsageError, user_input
from keras_tape.cli.tasks.task import Outcome, Task

DEFAULT_HIDDEN_UNITS = {"digits": (128, 64), "mnist": (256, 128)}  # MNIST: the lab's network
DEFAULT_BATCH_SIZE = {"digits": 32, "mnist": 128}
TEST_FRACTION = 0.2
NUM_CLASSES = 10


class MLPTask(Task):
    """`MLPClassifier` on digits or MNIST, scored by its accuracy on held-out images.

    Example:

    ```python
    task = MLPTask.load("digits", hidden_units=(32,))
    task.compile(loss="mse")  # the lab's way: MSE on one-hot targets
    ```
    """

    name = "mlp"
    one_hot = False  # the targets, when the loss is mse or mae

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> MLPTask:
        return cls.load(args.dataset, args.mnist_path, args.hidden_units, args.activation, seed=args.seed)

    @classmethod
    def load(
        cls,
        dataset: str = "digits",
        mnist_path: str | None = None,
        hidden_units=None,
        activation: str = "relu",
        *,
        seed: int = 0,
    ) -> MLPTask:
        """The task on `dataset`, split into training and held-out images.

        Args:
            dataset: `digits` (bundled) or `mnist`.
            mnist_path: `--mnist-path`: mnist.npz or a folder of IDX files; None
                downloads through Keras. Only for `mnist`.
            hidden_units: the hidden layers' sizes, or None for the dataset's default.
            activation: the hidden layers' activation.
            seed: the seed of the train/test split.
        """
        from keras_tape import data
        from keras_tape.models import MLPClassifier

        notes = []
        if dataset == "digits":
            with user_input():
                images, labels = data.load_digits()
            (x, y), (x_test, y_test) = _split(images, labels, seed)
            what = f"{len(x)} bundled 8x8 digits, tested on {len(x_test)}"
        else:
            (x, y), (x_test, y_test), notes = _load_mnist(mnist_path, seed)
            what = f"{len(x)} MNIST images, tested on {len(x_test)}"
        hidden_units = hidden_units or DEFAULT_HIDDEN_UNITS[dataset]
        try:
            model = MLPClassifier(hidden_units=hidden_units, num_classes=NUM_CLASSES, activation=activation)
        except ValueError:
            raise UsageError(
                f"--activation got {activation!r}, not a Keras activation; expected a name such as "
                "relu, tanh, sigmoid, gelu, elu."
            ) from None
        layers = "-".join(str(n) for n in (x[0].size, *hidden_units, NUM_CLASSES))
        return cls(
            f"MLPClassifier {layers} on {what}",
            model,
            x,
            y,
            x_test,
            y_test,
            batch_size=DEFAULT_BATCH_SIZE[dataset],
            notes=notes,
        )

    def loss(self, name: str | None) -> str | None:
        # The lab trained its MLP with MSE on one-hot targets; crossentropy
        # (the model's default) takes the integer labels.
        self.one_hot = name in ("mse", "mae")
        return name if self.one_hot else None

    def targets(self, labels: np.ndarray) -> np.ndarray:
        return np.eye(NUM_CLASSES, dtype="float32")[labels] if self.one_hot else labels

    def evaluate(self) -> Outcome:
        logits = self.model.predict(self.x_test, verbose=0)
        y_pred = np.argmax(logits, axis=-1)
        correct = int(np.sum(y_pred == self.y_test))
        return Outcome(
            learned=f"{correct} of {len(y_pred)} held-out labels right",
            truth="-",
            score=f"accuracy {correct / len(y_pred):.4f}",
            y_pred=y_pred,
        )

    def figure(self, outcome: Outcome):
        from keras_tape import plots

        title = f"{type(self.model).__name__} trained by fit()"
        if outcome.y_pred is None:
            raise ValueError("`outcome` holds no predictions: pass the Outcome that evaluate() returned.")
        return plots.classification_figure(
            self.x_test, self.y_test, outcome.y_pred, num_classes=NUM_CLASSES, title=title
        )


def _load_mnist(path: str | None, seed: int):
    """MNIST scaled to [0, 1]; a folder with only the t10k files is split in two."""
    from keras_tape import data

    notes = []
    if path is None:
        try:
            (x, y), (x_test, y_test) = data.load_mnist()
        except RuntimeError as error:
            raise UsageError(
                f"--dataset mnist without --mnist-path downloads MNIST through Keras, which failed "
                f"({error.__cause__}); pass --mnist-path with an mnist.npz file or a folder of the "
                "MNIST IDX files."
            ) from None
    else:
        with user_input(path="--mnist-path"):
            try:
                (x, y), (x_test, y_test) = data.load_mnist(path)
            except FileNotFoundError:
                if not Path(path).is_dir():
                    raise
                images, labels = data.load_mnist_test(path)
                (x, y), (x_test, y_test) = _split(images, labels, seed)
                notes.append(
                    f"{path} holds only the MNIST test half (t10k files): training on {len(x)} of its "
                    f"images and testing on the other {len(x_test)}."
                )
    scale = np.float32(255.0)
    return (x / scale, y), (x_test / scale, y_test), notes


def _split(x: np.ndarray, y: np.ndarray, seed: int):
    """A shuffled train/test split, the last TEST_FRACTION of a seeded permutation held out."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(round(len(x) * (1 - TEST_FRACTION)))
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test])
