"""Every model round-trips through .keras files with safe_mode=True and keeps training."""

import keras
import numpy as np
import pytest

from keras_tape import TapeModel
from keras_tape.models import LinearRegression, MLPClassifier, PolynomialRegression


@keras.saving.register_keras_serializable(package="tests")
class ScaledLine(TapeModel):
    """A user-written TapeModel subclass with its own hyperparameter."""

    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], 1), initializer="ones")

    def call(self, x):
        return self.scale * (x @ self.w)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def cases():
    rng = np.random.default_rng(0)
    x1 = np.linspace(0, 10, 40)
    yield "linear", LinearRegression(), {}, x1, 3 * x1 + 1 + rng.normal(size=40)
    yield "polynomial", PolynomialRegression(degree=3), {}, x1, x1**3 - x1 + rng.normal(size=40)
    xd = rng.random((60, 8, 8)).astype("float32")
    yield "mlp", MLPClassifier(hidden_units=(16,), num_classes=3), {}, xd, rng.integers(0, 3, 60)
    x2 = rng.random((40, 2)).astype("float32")
    yield "custom", ScaledLine(scale=0.5), {"optimizer": "sgd", "loss": "mse"}, x2, x2.sum(axis=1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, model, compile_kwargs, x, y", list(cases()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_round_trip_and_continue_training(tmp_path, name, model, compile_kwargs, x, y):
    model.compile(**compile_kwargs)
    model.fit(x, y, epochs=3, batch_size=20, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)

    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    for a, b in zip(loaded.weights, model.weights):
        assert a.name == b.name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    if hasattr(model, "coef"):
        np.testing.assert_allclose(loaded.coef, model.coef, rtol=1e-6)
        assert loaded.equation() == model.equation()
    assert type(loaded.optimizer) is type(model.optimizer)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)

    # Training continues from the same state: one more epoch gives the same weights.
    for m in (model, loaded):
        m.fit(x, y, epochs=1, batch_size=20, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # The normalisation learned before saving is kept, not re-learned on new data.
    if hasattr(model, "feature_mean"):
        loaded.fit(x * 100, y, epochs=1, verbose=0)
        np.testing.assert_array_equal(loaded.feature_mean.numpy(), model.feature_mean.numpy())
