"""`--strategy`: the `tf.distribute` strategy, TF_CONFIG's checks, and where each worker writes.

`demo` and `fit` train under `--strategy {default,mirrored,multi-worker}`:
one device, every GPU of this machine (`tf.distribute.MirroredStrategy`), or
the machines `TF_CONFIG` lists (`tf.distribute.MultiWorkerMirroredStrategy`,
the same command run on each). The strategy is made once, before any other
TensorFlow work, and every model is built and compiled in its scope.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from keras_tape.cli.errors import UsageError
from keras_tape.cli.parser import STRATEGY_CLASSES

# A test aid: splits the CPU into N logical devices before the strategy is
# made, and `--strategy mirrored` then has a replica on each (GPUs unused).
LOGICAL_CPUS_ENV = "KERAS_TAPE_LOGICAL_CPUS"
TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'


def check_strategy(name: str) -> None:
    """Checks what `--strategy name` needs from the environment, before TensorFlow starts.

    Args:
        name: `default`, `mirrored` or `multi-worker`.

    Raises:
        UsageError: TF_CONFIG names no cluster of 2 or more workers, or
            KERAS_TAPE_LOGICAL_CPUS is not a count.

    Example:

    ```python
    check_strategy("multi-worker")  # UsageError at once when TF_CONFIG is not set
    ```
    """
    if name == "multi-worker":
        check_tf_config(os.environ.get("TF_CONFIG"))
    _logical_cpus()


def create_strategy(name: str):
    """The `tf.distribute` strategy `--strategy` names, made before any other TensorFlow work.

    A MultiWorkerMirroredStrategy must start its server before TensorFlow
    runs anything, and logical devices can only be set up before that too.
    The strategy is made once per process and reused: a second
    MirroredStrategy's collective keys can collide with the first's
    (tensorflow/tensorflow#62790).

    Args:
        name: `default`, `mirrored` or `multi-worker`.

    Example:

    ```python
    strategy = create_strategy("mirrored")
    with strategy.scope():
        model = keras_tape.models.LinearRegression()
    ```
    """
    check_strategy(name)
    return _strategy(name, _logical_cpus())


@functools.cache
def _strategy(name: str, logical_cpus: int | None):
    import tensorflow as tf

    if logical_cpus:
        _split_cpu(logical_cpus)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = None  # every GPU, else the one CPU
        if logical_cpus:  # asked for: one replica on each logical CPU, GPUs or not
            devices = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.MultiWorkerMirroredStrategy()


@functools.cache
def _split_cpu(count: int) -> None:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:
        raise UsageError(
            f"{LOGICAL_CPUS_ENV}={count} came after TensorFlow started; it works only in a fresh process."
        ) from None


def _logical_cpus() -> int | None:
    """`KERAS_TAPE_LOGICAL_CPUS` (a test aid): how many logical CPUs to split the CPU into."""
    text = os.environ.get(LOGICAL_CPUS_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{LOGICAL_CPUS_ENV} must be an integer >= 1, got {text!r}.")
    return int(text)


def check_tf_config(text: str | None) -> None:
    """Refuses a TF_CONFIG that names no cluster of 2 or more workers, before TensorFlow waits for one.

    Args:
        text: the value of the TF_CONFIG environment variable, or None.

    Raises:
        UsageError: saying what is wrong and what a good TF_CONFIG looks like.

    Example:

    ```python
    check_tf_config(TF_CONFIG_EXAMPLE)  # passes
    ```
    """
    expected = f"expected, on worker I of N: TF_CONFIG='{TF_CONFIG_EXAMPLE}' with index I"
    if not text:
        raise UsageError(f"--strategy multi-worker needs TF_CONFIG, which is not set; {expected}.")
    try:
        config = json.loads(text)
    except ValueError as error:
        raise UsageError(f"TF_CONFIG is not JSON ({error}); {expected}.") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    if not isinstance(cluster, dict):
        raise UsageError(f'TF_CONFIG has no "cluster" object; {expected}.')
    workers = sum(len(cluster.get(kind) or ()) for kind in ("chief", "worker"))
    if workers < 2:
        raise UsageError(
            f"TF_CONFIG lists {workers} worker(s); --strategy multi-worker needs 2 or more (use "
            f"--strategy mirrored on one machine); {expected}."
        )
    task = config.get("task")
    if not (
        isinstance(task, dict)
        and isinstance(task.get("index"), int)
        and 0 <= task["index"] < len(cluster.get(task.get("type")) or ())
    ):
        raise UsageError(f"TF_CONFIG's \"task\" ({json.dumps(task)}) is not one of its cluster's workers; {expected}.")


@contextlib.contextmanager
def worker_outputs(strategy) -> Iterator[Callable[[str | os.PathLike | None], Path | None]]:
    """Where this worker writes its files, and whether it prints.

    Yields `place(path)`, which returns where to write `path` (None stays None).
    On the chief (and on one machine) that is `path`, and the output is printed.
    Every other worker of a cluster must still run the same callbacks and
    `predict`, which hold collective operations every worker joins, so it
    writes the same outputs, but into a temporary folder deleted afterwards,
    and prints only errors.

    Args:
        strategy: the strategy from `create_strategy`.

    Example:

    ```python
    with worker_outputs(strategy) as place:
        model.save(place("model.keras"))
    ```
    """
    if strategy.extended.should_checkpoint:
        yield lambda path: None if path is None else Path(path)
        return
    with (
        tempfile.TemporaryDirectory(prefix="keras-tape-worker-") as scratch,
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
    ):

        def place(path):
            if path is None:
                return None
            moved = Path(scratch, *Path(path).resolve().parts[1:])
            moved.parent.mkdir(parents=True, exist_ok=True)
            return moved

        yield place


def describe(name: str, strategy) -> str:
    """E.g. "MirroredStrategy, 2 replicas" (TensorFlow's own class name for multi-worker is another).

    Args:
        name: the `--strategy` value.
        strategy: the strategy made for it.

    Example:

    ```python
    print(f"on:      {describe('mirrored', strategy)}")
    ```
    """
    replicas = strategy.num_replicas_in_sync
    return f"{STRATEGY_CLASSES[name]}, {replicas} replica{'s' if replicas != 1 else ''}"
