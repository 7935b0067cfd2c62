"""The real `tensorboard` server shows what fit wrote: runs, scalars, an image, the equation, hparams."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import keras
import numpy as np
import pytest

from keras_tape import data
from keras_tape.callbacks import GradientLogger, HParamsLogger, ParameterLogger, PredictionPlotLogger
from keras_tape.models import PolynomialRegression

pytestmark = pytest.mark.multiprocess

HOST = "127.0.0.1"
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port, route, **query):
    url = f"http://{HOST}:{port}{route}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        return json.loads(body) if response.headers.get_content_type() == "application/json" else body


def post(port, route, payload):
    request = urllib.request.Request(
        f"http://{HOST}:{port}{route}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for_runs(server, port, expected) -> list:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"tensorboard exited with {server.returncode}: {server.stderr.read()[-2000:]}")
        try:
            runs = get(port, "/data/runs")
            if expected <= set(runs):
                return runs
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"tensorboard did not list the runs {expected} within {START_TIMEOUT_S} s")


@pytest.fixture
def fitted_log_dir(tmp_path):
    x, y = data.polynomial_data(noise=2.0, seed=0)
    model = PolynomialRegression(degree=2)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    log_dir = tmp_path / "runs" / "poly"
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=len(x),
        verbose=0,
        callbacks=[
            keras.callbacks.TensorBoard(log_dir),
            GradientLogger(log_dir),
            ParameterLogger(log_dir),
            PredictionPlotLogger(log_dir, (x, y), run="train"),
            HParamsLogger(log_dir),
        ],
    )
    return tmp_path / "runs", model, history


def test_tensorboard_serves_what_fit_wrote(fitted_log_dir):
    log_root, model, history = fitted_log_dir
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            str(log_root),
            "--host",
            HOST,
            "--port",
            str(port),
            "--load_fast",
            "false",
            "--reload_interval",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        runs = wait_for_runs(server, port, {"poly", "poly/train"})
        assert set(runs) == {"poly", "poly/train"}

        tags = get(port, "/data/plugin/scalars/tags")
        assert {"epoch_loss", "coefficients/c2", "gradients/global_norm"} <= set(tags["poly/train"])
        series = get(port, "/data/plugin/scalars/scalars", run="poly/train", tag="coefficients/c2")
        assert [step for _, step, _ in series] == [0, 1, 2]
        np.testing.assert_allclose(series[-1][2], model.coef[2], rtol=1e-6)
        final_loss = get(port, "/data/plugin/scalars/scalars", run="poly", tag="loss")
        np.testing.assert_allclose(final_loss[-1][2], history.history["loss"][-1], rtol=1e-6)

        images = get(port, "/data/plugin/images/images", run="poly/train", tag="predictions/fit", sample=0)
        assert [image["step"] for image in images] == [0, 1, 2]
        png = get(port, "/data/plugin/images/individualImage?" + images[-1]["query"])
        assert png.startswith(b"\x89PNG")

        texts = get(port, "/data/plugin/text/text", run="poly/train", tag="equation")
        assert model.equation() in texts[-1]["text"]

        session_groups = post(
            port,
            "/data/plugin/hparams/session_groups",
            {
                "experimentName": "",
                "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"],
                "colParams": [],
                "startIndex": 0,
                "sliceSize": 10,
            },
        )
        [group] = session_groups["sessionGroups"]
        assert group["hparams"]["degree"] == 2 and group["hparams"]["optimizer"] == "SGD"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
