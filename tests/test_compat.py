"""Each assumption keras_tape/_compat.py makes about Keras and TensorFlow, checked on the installed versions.

These fail loudly when an upstream release renames, removes or changes one
of the private or version-dependent APIs keras-tape relies on.
"""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape import _compat


def line_model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_keras_version_is_parsed_from_keras():
    assert tuple(int(p) for p in keras.__version__.split(".")[:2]) == _compat.KERAS_VERSION
    assert _compat.KERAS_VERSION >= (3, 8)  # the oldest pair pyproject.toml declares and CI tests


def test_keras_tree_maps_none_as_a_leaf_without_being_asked():
    # keras_tape/_pipeline.py relies on it: Keras 3.8-3.11 have no `none_is_leaf`, 3.12+ default it to True.
    arrays = (np.arange(4), None, {"b": np.ones(2), "a": np.zeros(3)})
    heads = keras.tree.map_structure(lambda a: "none" if a is None else a[:1], arrays)
    assert heads[1] == "none" and heads[0].tolist() == [0] and heads[2]["b"].tolist() == [1.0]
    assert [leaf.shape for leaf in keras.tree.flatten(arrays[2])] == [(3,), (2,)]


def test_compute_loss_takes_training_and_four_argument_overrides_still_work():
    assert "training" in inspect.signature(keras.Model.compute_loss).parameters
    x = np.array([[1.0], [2.0]], "float32")
    y = np.array([[3.0], [3.0]], "float32")
    model = line_model()
    loss = _compat.compute_loss(model, x, y, model(x), None, training=True)
    np.testing.assert_allclose(float(loss), np.mean((x - y) ** 2), rtol=1e-6)

    class OldStyle(keras.Sequential):
        # The override the Keras 3.0-3.3 guides taught: no `training` argument.
        def compute_loss(self, x, y, y_pred, sample_weight):
            return keras.ops.sum(keras.ops.abs(y - y_pred))

    old = OldStyle([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones")])
    assert float(_compat.compute_loss(old, x, y, old(x), None, training=False)) == pytest.approx(3.0)


def test_loss_tracker_is_the_metric_fit_and_evaluate_report_as_loss():
    x = np.array([[1.0], [2.0], [4.0]], "float32")
    y = np.zeros((3, 1), "float32")
    model = line_model()
    tracker = _compat.loss_tracker(model)
    assert isinstance(tracker, keras.metrics.Mean) and tracker.name == "loss"
    assert any(metric is tracker for metric in model.metrics)
    reported = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert reported == pytest.approx(np.mean(x**2), rel=1e-6)
    assert float(tracker.result()) == pytest.approx(reported, rel=1e-6)


def test_keras_divides_the_loss_among_replicas_and_multiplies_it_back_as_we_do():
    # Keras 3.8 brought the division (keras-team/keras#20609) with this pair of helpers.
    from keras.src.losses import loss as keras_loss

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():  # one replica: nothing to divide
        assert float(keras_loss.scale_loss_for_distribution(tf.constant(2.5))) == 2.5
    assert float(_compat.unscale_loss_for_distribution(tf.constant(2.5))) == 2.5
    for helper in (keras_loss.scale_loss_for_distribution, keras_loss.unscale_loss_for_distribution):
        assert "num_replicas_in_sync" in inspect.getsource(helper)
    # Two replicas: test_tape_model.py::test_mirrored_strategy_reports_unscaled_loss.


def test_symbolic_build_hook_gets_an_iterator_of_the_first_batch():
    seen = []

    class Spy(keras.Sequential):
        def _maybe_symbolic_build(self, iterator=None, data_batch=None):
            if iterator is not None:
                seen.append(_compat.first_distributed_batch(iterator))
            return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    assert list(inspect.signature(keras.Model._maybe_symbolic_build).parameters) == ["self", "iterator", "data_batch"]
    x = np.arange(6, dtype="float32")[:, None]
    with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
        model = Spy([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
    model.fit(x, 2 * x, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert len(seen) == 1, "Keras's fit no longer calls _maybe_symbolic_build with its epoch iterator"
    batch_x, batch_y = seen[0][:2]
    np.testing.assert_array_equal(np.asarray(batch_x), x[:4])
    np.testing.assert_array_equal(np.asarray(batch_y), 2 * x[:4])


def test_multi_worker_test_is_the_one_keras_reduces_logs_with():
    from keras.src.backend.tensorflow import trainer as keras_trainer
    from tensorflow.python.distribute.collective_all_reduce_strategy import CollectiveAllReduceExtended

    keras_test = inspect.getsource(keras_trainer._collective_all_reduce_multi_worker)
    assert "MultiWorkerMirroredStrategy" in keras_test and "_in_multi_worker_mode()" in keras_test
    assert 'strategy.reduce("MEAN", v, axis=0)' in inspect.getsource(keras_trainer.reduce_per_replica)
    assert callable(CollectiveAllReduceExtended._in_multi_worker_mode)
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0"])
    assert mirrored.extended._in_multi_worker_mode() is False
    for strategy in (tf.distribute.get_strategy(), mirrored):
        assert (
            _compat.multi_worker_mean_reduction(strategy)
            is keras_trainer._collective_all_reduce_multi_worker(strategy)
            is False
        )


def test_functional_is_the_class_of_functional_models():
    inputs = keras.Input((2,))
    functional = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    assert type(functional) is _compat.Functional
    assert issubclass(_compat.Functional, keras.Model)
    assert not isinstance(keras.Model(), _compat.Functional)


def test_fit_marks_its_validation_evaluate_with_the_keyword_we_read():
    seen = []

    class Probe(keras.Model):
        def evaluate(self, *args, **kwargs):
            seen.append(_compat.is_fit_validation(kwargs))
            return super().evaluate(*args, **kwargs)

    inputs = keras.Input((2,))
    model = Probe(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 2), "float32")
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=2, verbose=0)
    model.evaluate(x, x[:, :1], verbose=0)
    assert seen == [True, True, False]


def test_compiled_metrics_and_losses_build_from_specs_without_a_call():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    _compat.build_compiled_metrics(model, keras.KerasTensor((None, 4)), keras.KerasTensor((None, 4)))
    assert model._compile_metrics.built and model._compile_loss.built
    names = [v.path for v in model._compile_metrics.variables]
    assert names and all("mean_absolute_error" in name for name in names)
