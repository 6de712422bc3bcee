"""``vfx select``: write the N most different frames of a video instead of every k-th.

One decoding pass computes a compact embedding per candidate frame (all frames, every K-th, or
keyframes only), keeping only embeddings, frame indices and a hash per frame in memory, never
the frames. The selection then decodes and writes only the chosen frames (seeking), exactly as
``vfx frames`` writes them: same names, ``frames.csv`` and metadata stage. A report compares
the selection with uniform and random selections of the same size.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vfx.errors import DecodeError, ParameterError
from vfx.io.files import prepare_output_dir, write_text
from vfx.io.video.containers import DEFAULT_MAX_PIXELS
from vfx.io.video.panorama import PanoramaOptions, open_video
from vfx.io.video.prefetch import prefetch
from vfx.io.video.reader import VideoReader
from vfx.jobs.blur import FaceOptions
from vfx.jobs.recording import note_outputs
from vfx.jobs.stills import Extraction, check_format, write_frames
from vfx.ops.coreset import coreset, describe, distance_report, random_choice, uniform
from vfx.params import PARAMS, check
from vfx.tagging.settings import MetadataOptions
from vfx.tagging.tagger import FrameTagger

__all__ = ["SELECT_METHODS", "Selection", "SelectionReport", "select_frames"]

log = logging.getLogger("vfx")

SELECT_METHODS = ("coreset", "uniform", "random", "keyframes")
REPORT_NAME = "selection.json"


@dataclass
class SelectionReport:
    """Figures for one selection of frames (the chosen one or a comparison)."""

    method: str
    frames: int
    frame_indices: list[int]
    bytes_written: int | None
    distances: dict[str, float | None]


@dataclass
class Selection:
    """What :func:`select_frames` did."""

    video: Path
    out_dir: Path
    method: str
    candidates: int
    duplicates_removed: int
    embedder: str
    chosen: SelectionReport
    compared: list[SelectionReport] = field(default_factory=list)
    bytes_all_candidates_estimate: int | None = None
    extraction: Extraction | None = None

    def to_dict(self) -> dict[str, object]:
        d = {k: v for k, v in asdict(self).items() if k != "extraction"}
        d["video"], d["out_dir"] = str(self.video), str(self.out_dir)
        return d

    def __repr__(self) -> str:
        return (
            f"Selection({self.video.name!r}: {self.chosen.frames} of {self.candidates} "
            f"frames by {self.method}, in {str(self.out_dir)!r})"
        )

    def _repr_html_(self) -> str:
        """The chosen frames, in a notebook."""
        from vfx.io.display import gallery_html
        from vfx.io.display import seconds_caption as _seconds

        rows = self.extraction.rows if self.extraction is not None else []
        items = [(self.out_dir / str(r["file"]), _seconds(r.get("time_s"))) for r in rows]
        facts = [(k.replace("_", " "), f"{v:.3f}") for k, v in self.chosen.distances.items()
                 if isinstance(v, float)]  # fmt: skip
        title = f"{self.chosen.frames} of {self.candidates} frames of {self.video.name}"
        return gallery_html(f"{title} ({self.method})", items, facts=facts)


Embedder = Callable[[np.ndarray], np.ndarray]


def _candidates(
    reader: VideoReader, stride: int, keyframes: bool, dedupe: bool, embed: Embedder, progress
) -> tuple[list[int], np.ndarray, int]:  # type: ignore[no-untyped-def]
    """Embeddings of the candidate frames in one pass; returns indices, embeddings, duplicates."""
    idx = reader.index
    if keyframes:
        frames = reader.frames(keyframes=True)
        total = int(idx.key_ranks.size)
    elif stride > 1:
        ranks = list(range(0, idx.frame_count, stride))
        frames = reader.frames(ranks=ranks)
        total = len(ranks)
    else:
        frames = reader.frames()
        total = idx.frame_count
    indices: list[int] = []
    vectors: list[np.ndarray] = []
    seen: set[bytes] = set()
    duplicates = 0
    done = 0
    for frame in prefetch(frames):
        done += 1
        if progress:
            progress(done, total)
        if dedupe:
            digest = hashlib.blake2b(frame.image.data, digest_size=16).digest()
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
        indices.append(frame.index)
        vectors.append(embed(frame.image))
    if not vectors:
        raise DecodeError("no frames could be decoded", path=reader.path)
    return indices, np.stack(vectors).astype(np.float32), duplicates


def _choose(method: str, embeddings: np.ndarray, n: int, seed: int) -> np.ndarray:
    count = embeddings.shape[0]
    if method == "coreset":
        return coreset(embeddings, n)
    if method == "random":
        return random_choice(count, n, seed)
    return uniform(count, n)  # uniform, and keyframes (candidates are the keyframes)


def select_frames(
    video: str | Path,
    n: int,
    out_dir: str | Path | None = None,
    *,
    method: str = "coreset",
    stride: int = PARAMS["every_n"].default,
    seed: int = PARAMS["seed"].default,
    dedupe: bool = True,
    compare: bool = False,
    model: str | Path | None = None,
    input_size: int = PARAMS["input_size"].default,
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406),
    std: tuple[float, float, float] = (0.229, 0.224, 0.225),
    fmt: str = "tiff",
    quality: int = 95,
    overwrite: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    metadata: MetadataOptions | None = None,
    panorama: PanoramaOptions | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    faces: FaceOptions | None = None,
) -> Selection:
    """Choose ``n`` frames of ``video`` by ``method`` and write them to ``out_dir``.

    Parameters
    ----------
    method
        ``coreset`` (greedy k-center on the embeddings: the most different frames),
        ``uniform`` (evenly spread), ``random`` (seeded by ``seed``) or ``keyframes`` (the
        codec's keyframes, evenly subsampled to ``n`` when there are more).
    stride
        Consider every ``stride``-th frame only (1: all frames).
    dedupe
        Drop exact duplicate frames (byte-identical images) before choosing; they are counted.
    compare
        Also report uniform and random selections of the same size (not written).
    model
        An ONNX image model to embed frames with instead of the built-in descriptor, run through
        OpenCV's DNN module with ``input_size`` square RGB input scaled to 0-1 and normalised by
        ``mean`` and ``std``; its flattened output is L2-normalised.

    The images, ``frames.csv`` and tags are as ``vfx frames`` writes them (``faces`` blurs
    faces as there); ``selection.json`` in
    ``out_dir`` holds the report (see :class:`Selection`). The default folder is
    ``./<stem>_selected``.
    """
    if method not in SELECT_METHODS:
        raise ParameterError(f"method must be one of {', '.join(SELECT_METHODS)}, got {method!r}")
    check("count", n)
    check("every_n", stride)
    check("input_size", input_size)
    check_format(fmt, quality)
    embed: Embedder = describe
    embedder = "built-in (thumbnail + colour + gradient histograms, 128-d projection)"
    if model is not None:
        from vfx.io.embedder import OnnxEmbedder

        onnx = OnnxEmbedder(model, input_size=input_size, mean=mean, std=std)
        embed, embedder = onnx, f"onnx {Path(model).name}"
    video = Path(video)
    with open_video(video, max_pixels=max_pixels, panorama=panorama) as reader:
        tagger = FrameTagger.for_reader(reader, metadata)
        indices, embeddings, duplicates = _candidates(
            reader, stride, method == "keyframes", dedupe, embed, progress
        )
        if duplicates:
            log.info("%s: %d duplicate frames removed before selection", video, duplicates)
        picks = _choose(method, embeddings, n, seed)
        if len(picks) < n:
            log.warning(
                "%s: only %d distinct candidate frames; writing all of them", video, len(picks)
            )
        out = prepare_output_dir(out_dir or Path.cwd() / f"{video.stem}_selected")
        ranks = [indices[i] for i in picks]
        extraction = write_frames(
            reader,
            out,
            keyframes=False,
            ranks=ranks,
            fmt=fmt,
            quality=quality,
            overwrite=overwrite,
            progress=None,
            threads=None,
            tagger=tagger,
            faces=faces,
            made_by=("select", {"method": method, "n": n, "format": fmt}),
        )
    written = sum(p.stat().st_size for p in extraction.files if p.is_file())
    per_frame = written / max(len(extraction.files), 1)
    chosen = SelectionReport(method, len(ranks), ranks, written, distance_report(embeddings[picks]))
    selection = Selection(
        video=video,
        out_dir=out,
        method=method,
        candidates=len(indices) + duplicates,
        duplicates_removed=duplicates,
        embedder=embedder,
        chosen=chosen,
        bytes_all_candidates_estimate=round(per_frame * (len(indices) + duplicates)),
        extraction=extraction,
    )
    if compare:
        for other in ("uniform", "random"):
            if other == method:
                continue
            alt = _choose(other, embeddings, n, seed)
            selection.compared.append(
                SelectionReport(
                    other,
                    len(alt),
                    [indices[i] for i in alt],
                    round(per_frame * len(alt)),
                    distance_report(embeddings[alt]),
                )
            )
    write_text(out / REPORT_NAME, json.dumps(selection.to_dict(), indent=1) + "\n")
    note_outputs(
        "select",
        [(out / REPORT_NAME, f"How the {len(ranks)} frames were chosen ({method}) and how far "
          "apart they are", "data")],
        options={"method": method, "n": n},
        source=video.name,
    )  # fmt: skip
    return selection
