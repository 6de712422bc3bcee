"""Clips with long static stretches and short distinct events, for ``vfx select``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

H, W = 72, 128


def _event(kind: int) -> np.ndarray:
    img = np.full((H, W, 3), 90, np.uint8)
    if kind == 0:
        img[:, :] = (230, 30, 30)  # a red flash
    elif kind == 1:
        img[::8, :] = 255  # horizontal stripes
        img[1::8, :] = 255
    elif kind == 2:
        img[:, : W // 2] = (20, 200, 40)  # half green
    else:
        yy, xx = np.mgrid[0:H, 0:W]
        img[((yy // 12) + (xx // 12)) % 2 == 0] = 10  # checkerboard
    return img


#: frame index -> event kind: four 3-frame events in 120 frames of a static scene
EVENTS = {start + k: kind for kind, start in enumerate((15, 47, 80, 108)) for k in range(3)}


def pool_onnx(path: Path, size: int = 32) -> Path:
    """A tiny ONNX "model": 8x8 average pooling of the normalised input, flattened."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node_pool = helper.make_node("AveragePool", ["x"], ["p"], kernel_shape=[8, 8], strides=[8, 8])
    node_flat = helper.make_node("Flatten", ["p"], ["y"], axis=1)
    cells = 3 * (size // 8) ** 2
    graph = helper.make_graph(
        [node_pool, node_flat],
        "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cells])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path
