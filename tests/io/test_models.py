"""``vfx.io.models``: the MediaPipe models installed from the wheel, checked by SHA-256, run by
LiteRT. The set-up (``make test``) installs them into the venv; these tests copy them where
they damage or remove them."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vfx.cli import app
from vfx.errors import ModelError, ParameterError
from vfx.io.models import MODELS, Model, NetModel, install_models, model_path, models_dir

runner = CliRunner()


@pytest.fixture(scope="module")
def installed() -> Path:
    """The set-up's models folder (every model present and whole, or the tests fail)."""
    for name in MODELS:
        model_path(name)
    return models_dir()


def test_every_model_is_installed_and_whole(installed: Path) -> None:
    result = runner.invoke(app, ["models", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert '"state": "missing"' not in result.stdout and '"state": "damaged"' not in result.stdout


def test_a_missing_or_damaged_model_is_one_line_naming_it(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "models"
    shutil.copytree(installed, folder)
    (folder / "pose_detection.tflite").unlink()
    data = (folder / "hand_landmark_full.tflite").read_bytes()
    (folder / "hand_landmark_full.tflite").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="model file missing") as missing:
        model_path("pose_detection", folder)
    assert missing.value.hint == "install the models: vfx models install"
    with pytest.raises(ModelError, match="damaged"):
        Model("hand_landmark_full", folder=folder)
    flipped = bytearray(data)
    flipped[1000] ^= 1  # same size, another SHA-256
    (folder / "hand_landmark_full.tflite").write_bytes(bytes(flipped))
    with pytest.raises(ModelError, match="damaged"):
        model_path("hand_landmark_full", folder)
    result = runner.invoke(app, ["models", "status", "--dir", str(folder)])
    assert result.exit_code == 1
    states = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert states["pose_detection"] == "missing" and states["hand_landmark_full"] == "damaged"
    assert states["palm_detection_full"] == "ok"
    with pytest.raises(ParameterError, match="unknown model"):
        model_path("pose_lite")


def test_install_takes_the_models_from_a_wheel_and_checks_them(
    installed: Path, tmp_path: Path
) -> None:
    """From a wheel on disk (no network): whole models are published; a wheel whose file is not
    the table's publishes nothing under that model's name."""
    wheel = tmp_path / "mediapipe-0.10.21-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for spec in MODELS.values():
            z.write(installed / spec.filename, spec.member)
    out = tmp_path / "fresh"
    result = runner.invoke(app, ["models", "install", "--from", str(wheel), "--dir", str(out)])
    assert result.exit_code == 0, result.output
    assert all(model_path(name, out) for name in MODELS)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []

    bad = tmp_path / "bad.whl"
    with zipfile.ZipFile(bad, "w") as z:
        for spec in MODELS.values():
            data = (installed / spec.filename).read_bytes()
            if spec.name == "selfie_segmentation":
                data = data[:-1] + bytes([data[-1] ^ 1])
            z.writestr(spec.member, data)
    again = tmp_path / "again"
    result = runner.invoke(app, ["models", "install", "--from", str(bad), "--dir", str(again)])
    assert result.exit_code == 1 and "another SHA-256" in result.stderr
    assert not (again / "selfie_segmentation.tflite").exists()
    assert [p.name for p in again.iterdir() if p.name.startswith(".")] == []
    assert install_models(out, wheels=[bad]) == [out / s.filename for s in MODELS.values()]


@pytest.mark.parametrize(
    ("name", "inputs", "outputs"),
    [
        ("pose_detection", [(1, 224, 224, 3)], [(1, 2254, 12), (1, 2254, 1)]),
        ("palm_detection_full", [(1, 192, 192, 3)], [(1, 2016, 18), (1, 2016, 1)]),
        ("face_detection_short_range", [(1, 128, 128, 3)], [(1, 896, 16), (1, 896, 1)]),
    ],
)
def test_detectors_run_with_their_published_shapes(
    installed: Path,
    name: str,
    inputs: list[tuple[int, ...]],
    outputs: list[tuple[int, ...]],
) -> None:
    """The shapes MediaPipe's graphs give these models (anchors x box and key points, and a
    score per anchor); a grey picture holds nobody, so no score is high."""
    model = Model(name, threads=1)
    assert model.input_shapes == inputs
    result = model.run(np.full(inputs[0], 0.5, np.float32))
    assert sorted(v.shape for v in result.values()) == sorted(outputs)
    scores = next(v for v in result.values() if v.shape[-1] == 1)
    assert np.exp(-np.logaddexp(0, -scores)).max() < 0.5  # the sigmoid, without overflow
    with pytest.raises(ParameterError, match="must be"):
        model.run(np.zeros((1, 10, 10, 3), np.float32))


def test_centerface_runs_under_opencv_at_any_size_its_strides_divide(installed: Path) -> None:
    """CenterFace (ONNX, OpenCV's DNN): heat, box scale, offset and five key points on a grid
    of 4 input pixels; a grey picture holds no face; a size its strides do not divide is one
    error naming the model."""
    model = NetModel("centerface")
    out = model.run(np.full((1, 3, 96, 160), 128, np.float32))
    assert sorted(v.shape for v in out.values()) == sorted(
        [(1, 1, 24, 40), (1, 2, 24, 40), (1, 2, 24, 40), (1, 10, 24, 40)]
    )
    assert out["537"].max() < 0.2
    with pytest.raises(ParameterError, match="centerface input must be"):
        model.run(np.zeros((1, 3, 100, 160), np.float32))
