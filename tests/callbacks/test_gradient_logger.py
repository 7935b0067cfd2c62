"""GradientLogger's summaries against gradients recomputed with our own GradientTape."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_tape.callbacks import GradientLogger
from keras_tape.models import MLPClassifier

TOLERANCE = dict(rtol=1e-6, atol=1e-6)

# Start of a script run in a fresh process: logical devices must be set before TensorFlow starts.
TWO_CPUS = textwrap.dedent("""
        import json, keras, numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        from keras_tape.callbacks import GradientLogger
        from keras_tape.models import MLPClassifier
        rng = np.random.default_rng(3)
        x = rng.normal(size=(32, 6)).astype("float32")
        y = (x[:, 0] > 0).astype("int32")
""")


def classifier(**compile_kwargs):
    model = MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile(optimizer=keras.optimizers.SGD(0.5), **compile_kwargs)
    return model


def own_tape_norms(model, weights, x, y) -> dict:
    """{variable path: L2 norm of d loss / d variable} at `weights`, from our own tape."""
    model.set_weights(weights)
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        loss = tf.reduce_mean(losses)
    gradients = tape.gradient(loss, model.trainable_variables)
    return {v.path: (float(tf.norm(g)), g.numpy()) for v, g in zip(model.trainable_variables, gradients)}


def step_length(before, after) -> float:
    """The L2 distance between two lists of weights: how far one SGD step moved them."""
    return float(np.sqrt(sum(np.sum((b - a) ** 2) for a, b in zip(before, after))))


def record_weights(model, hook):
    weights = []
    record = lambda *_, **__: weights.append(model.get_weights())  # noqa: E731
    return weights, keras.callbacks.LambdaCallback(**{hook: record})


@pytest.mark.slow
def test_epoch_norms_and_histograms_are_the_gradients_of_the_step(tmp_path, blobs, read_events):
    x, y = blobs
    model = classifier()
    weights, recorder = record_weights(model, "on_epoch_begin")
    model.fit(
        x,
        y,
        epochs=3,
        batch_size=len(x),
        shuffle=False,
        verbose=0,
        callbacks=[recorder, GradientLogger(tmp_path, histogram_freq=1)],
    )

    events = read_events(tmp_path / "train")
    for epoch, epoch_weights in enumerate(weights):
        expected = own_tape_norms(model, epoch_weights, x, y)
        for path, (norm, gradient) in expected.items():
            step, logged = events[f"gradients/{path}/norm"][epoch]
            assert step == epoch
            np.testing.assert_allclose(logged, norm, **TOLERANCE)
            step, histogram = events[f"gradients/{path}/histogram"][epoch]
            assert step == epoch and histogram[:, 2].sum() == gradient.size
            np.testing.assert_allclose(
                [histogram[0, 0], histogram[-1, 1]], [gradient.min(), gradient.max()], **TOLERANCE
            )
        global_norm = np.sqrt(sum(norm**2 for norm, _ in expected.values()))
        np.testing.assert_allclose(events["gradients/global_norm"][epoch][1], global_norm, **TOLERANCE)


@pytest.mark.slow
def test_update_freq_writes_each_windows_mean_at_the_global_batch_count(tmp_path, blobs, read_events):
    x, y = blobs
    # Batch-level hooks run once per execution: one step each, to see every batch.
    model = classifier(steps_per_execution=1)
    weights, recorder = record_weights(model, "on_train_batch_begin")
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        shuffle=False,
        verbose=0,
        callbacks=[recorder, GradientLogger(tmp_path, histogram_freq=0, update_freq=2)],
    )

    batches = [(x[i : i + 8], y[i : i + 8]) for i in range(0, 32, 8)] * 2
    norms = [own_tape_norms(model, w, *batch) for w, batch in zip(weights, batches)]
    events = read_events(tmp_path / "train")
    path = model.trainable_variables[0].path
    logged = events[f"gradients/{path}/norm"]
    assert [step for step, _ in logged] == [2, 4, 6, 8]
    expected = [np.mean([norms[i][path][0] for i in (s - 2, s - 1)]) for s in (2, 4, 6, 8)]
    np.testing.assert_allclose([value for _, value in logged], expected, **TOLERANCE)
    assert not any(tag.endswith("/histogram") for tag in events)


@pytest.mark.slow
def test_several_steps_per_execution_add_up_like_single_steps(tmp_path, blobs, read_events):
    x, y = blobs
    means = []
    for steps_per_execution in (1, 2):
        keras.utils.set_random_seed(0)
        model = classifier(steps_per_execution=steps_per_execution)
        log_dir = tmp_path / str(steps_per_execution)
        model.fit(
            x,
            y,
            epochs=1,
            batch_size=8,
            shuffle=False,
            verbose=0,
            callbacks=[GradientLogger(log_dir, histogram_freq=0)],
        )
        means.append(read_events(log_dir / "train")["gradients/global_norm"][0][1])
    np.testing.assert_allclose(means[0], means[1], rtol=1e-5)


@pytest.mark.slow
def test_observer_is_removed_when_fit_ends(tmp_path, blobs):
    x, y = blobs
    model = classifier()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[GradientLogger(tmp_path)])
    assert model._gradient_observers == []
    files = sorted(tmp_path.rglob("*"))
    model.fit(x, y, epochs=1, verbose=0)
    assert sorted(tmp_path.rglob("*")) == files


@pytest.mark.slow
def test_under_a_distribution_strategy(tmp_path, blobs, read_events):
    x, y = blobs
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        model = classifier()
    model.fit(x, y, epochs=1, batch_size=len(x), shuffle=False, verbose=0, callbacks=[GradientLogger(tmp_path)])
    assert read_events(tmp_path / "train")["gradients/global_norm"][0][1] > 0


@pytest.mark.multiprocess
def test_two_replicas_log_the_gradient_of_the_whole_batch(tmp_path):
    # Logical devices must be set before TensorFlow starts, hence a fresh process.
    script = TWO_CPUS + textwrap.dedent(f"""
        norms = []
        for name, strategy in [("one", tf.distribute.get_strategy()),
                               ("two", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))]:
            keras.utils.set_random_seed(0)
            with strategy.scope():
                model = MLPClassifier(hidden_units=(8,), num_classes=3)
                model.compile(optimizer=keras.optimizers.SGD(0.5))
            log_dir = {str(tmp_path)!r} + "/" + name
            model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0,
                      callbacks=[GradientLogger(log_dir)])
            events = EventAccumulator(log_dir + "/train")
            events.Reload()
            norms.append([float(tf.make_ndarray(e.tensor_proto))
                          for e in events.Tensors("gradients/global_norm")])
        print(json.dumps(norms))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    one_replica, two_replicas = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(two_replicas) == 2
    np.testing.assert_allclose(two_replicas, one_replica, rtol=1e-5)


def test_refuses_a_model_that_is_not_a_tape_model(tmp_path, blobs):
    x, y = blobs
    model = keras.Sequential([keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="TapeModel.*Sequential"):
        model.fit(x, np.eye(3)[y], epochs=1, verbose=0, callbacks=[GradientLogger(tmp_path)])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"log_dir": 3}, TypeError, "`log_dir` must be a path"),
        ({"histogram_freq": -1}, ValueError, "`histogram_freq` must be an integer >= 0, got -1"),
        ({"histogram_freq": 1.5}, TypeError, "`histogram_freq` must be an integer"),
        ({"update_freq": "often"}, ValueError, '`update_freq` must be "epoch", "batch" or an integer'),
        ({"update_freq": 0}, ValueError, "`update_freq` must be an integer >= 1, got 0"),
    ],
)
def test_arguments_are_validated(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        GradientLogger(**{"log_dir": tmp_path, **kwargs})


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("shape", [(), (7,), (784, 256), (3, 3, 4, 5)])
def test_sum_of_squares_matches_numpy_for_every_rank(shape, jit_compile):
    from keras_tape.callbacks.gradient_logger import _sum_of_squares

    gradient = np.random.default_rng(len(shape)).normal(size=shape).astype("float32")
    value = tf.function(_sum_of_squares, jit_compile=jit_compile)(tf.constant(gradient))
    np.testing.assert_allclose(value.numpy(), np.sum(gradient.astype("float64") ** 2), rtol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("clipping", [{"global_clipnorm": 0.01}, {"clipnorm": 0.01}, {"clipvalue": 0.002}])
def test_clipped_norm_is_the_norm_of_the_step_sgd_took(tmp_path, blobs, read_events, clipping):
    x, y = blobs
    learning_rate = 0.5
    model = MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, **clipping))
    weights, recorder = record_weights(model, "on_epoch_begin")
    model.fit(
        x,
        y,
        epochs=3,
        batch_size=len(x),
        shuffle=False,
        verbose=0,
        callbacks=[recorder, GradientLogger(tmp_path, histogram_freq=0)],
    )
    weights.append(model.get_weights())

    events = read_events(tmp_path / "train")
    raw = np.array([value for _, value in events["gradients/global_norm"]])
    clipped = np.array([value for _, value in events["gradients/clipped_global_norm"]])
    # Plain SGD moves the weights by exactly learning_rate times the clipped gradient.
    steps = [step_length(w0, w1) / learning_rate for w0, w1 in zip(weights, weights[1:])]
    np.testing.assert_allclose(clipped, steps, rtol=1e-4)
    assert np.all(clipped < raw)
    if "global_clipnorm" in clipping:
        assert np.all(clipped <= 0.01 * (1 + 1e-6)) and np.all(raw > 0.01)


@pytest.mark.slow
def test_no_clipped_norm_when_the_optimizer_does_not_clip(tmp_path, blobs, read_events):
    x, y = blobs
    classifier().fit(x, y, epochs=1, verbose=0, callbacks=[GradientLogger(tmp_path, histogram_freq=0)])
    events = read_events(tmp_path / "train")
    assert "gradients/global_norm" in events and "gradients/clipped_global_norm" not in events


@pytest.mark.slow
def test_clipped_norm_under_mixed_precision_is_unscaled(tmp_path, blobs, read_events):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    x, y = blobs
    model = MLPClassifier(hidden_units=(8,), num_classes=3)
    model.compile(optimizer=keras.optimizers.SGD(0.5, global_clipnorm=0.01))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    weights, recorder = record_weights(model, "on_epoch_begin")
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=len(x),
        shuffle=False,
        verbose=0,
        callbacks=[recorder, GradientLogger(tmp_path, histogram_freq=0)],
    )
    weights.append(model.get_weights())
    events = read_events(tmp_path / "train")
    clipped = [value for _, value in events["gradients/clipped_global_norm"]]
    steps = [step_length(w0, w1) / 0.5 for w0, w1 in zip(weights, weights[1:])]
    # float16 forward pass, float32 weights and update: the step's length is the clipped norm.
    np.testing.assert_allclose(clipped, steps, rtol=1e-3)
    assert np.all(np.array(clipped) <= 0.01 * (1 + 1e-6))


@pytest.mark.multiprocess
def test_two_replicas_clip_their_shares_before_summing(tmp_path):
    # As Keras does: each replica clips its share to 0.01, so the applied step may reach 0.02.
    script = TWO_CPUS + textwrap.dedent(f"""
        with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
            model = MLPClassifier(hidden_units=(8,), num_classes=3)
            model.compile(optimizer=keras.optimizers.SGD(0.5, global_clipnorm=0.01))
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # builds everything
        before = model.get_weights()
        model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0,
                  callbacks=[GradientLogger({str(tmp_path)!r}, histogram_freq=0)])
        step = np.sqrt(sum(np.sum((b - a) ** 2) for a, b in zip(before, model.get_weights()))) / 0.5
        events = EventAccumulator({str(tmp_path)!r} + "/train")
        events.Reload()
        clipped = float(tf.make_ndarray(events.Tensors("gradients/clipped_global_norm")[0].tensor_proto))
        print(json.dumps([clipped, float(step)]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    clipped, step = json.loads(out.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(clipped, step, rtol=1e-4)
    assert 0.01 < clipped <= 0.02 * (1 + 1e-6)
