"""Image embeddings from a user's ONNX model, run through OpenCV's DNN module."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vfx.errors import ParameterError, VfxError
from vfx.ops.dtypes import to_uint8

__all__ = ["OnnxEmbedder"]


class OnnxEmbedder:
    """Embed RGB frames with an ONNX image model.

    Each frame is resized to ``input_size`` square, scaled to 0-1, normalised per channel by
    ``mean`` and ``std`` (ImageNet's by default), fed as an NCHW RGB blob; the flattened output
    is L2-normalised so distances lie in [0, 2] like the built-in descriptor's.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        input_size: int = 224,
        mean: tuple[float, float, float] = (0.485, 0.456, 0.406),
        std: tuple[float, float, float] = (0.229, 0.224, 0.225),
    ):
        import cv2

        self.path = Path(path)
        if not self.path.is_file():
            raise ParameterError(f"{self.path}: no such model file")
        if input_size < 8 or input_size > 4096:
            raise ParameterError(f"input size must be 8-4096, got {input_size}")
        if len(mean) != 3 or len(std) != 3 or any(s <= 0 for s in std):
            raise ParameterError("mean and std need three values each, std above 0")
        try:
            self._net = cv2.dnn.readNetFromONNX(str(self.path))
        except cv2.error as exc:
            msg = " ".join(str(exc).split())[:200]
            raise VfxError(f"not a readable ONNX model ({msg})", path=self.path) from exc
        self.size = input_size
        self._mean = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
        self._std = np.asarray(std, np.float32).reshape(1, 3, 1, 1)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        import cv2

        if image.dtype != np.uint8:
            image = to_uint8(image)
        blob = cv2.dnn.blobFromImage(
            image, scalefactor=1 / 255.0, size=(self.size, self.size), swapRB=False, crop=False
        )
        blob = (blob - self._mean) / self._std
        self._net.setInput(blob)
        try:
            out = np.asarray(self._net.forward(), np.float32).ravel()
        except cv2.error as exc:
            msg = " ".join(str(exc).split())[:200]
            raise VfxError(f"the model failed on a frame ({msg})", path=self.path) from exc
        norm = float(np.linalg.norm(out))
        return out / norm if norm > 0 else out
