"""Write examples/researcher.ipynb, the example notebook (run: .venv/bin/python
examples/make_notebook.py). Kept as code so its cells are reviewed as code; the tests run
the notebook itself in a Jupyter kernel (tests/test_notebook.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    (
        "md",
        """# A movement researcher's first hour with vfx

Keyframes, the keyframe display, the motion pictures, the most different frames and the
body's landmarks of one dance clip, each one call. Every result shows itself: its pictures,
or a strip of its frames. The clip is `samples/dance.mp4` (24 s, 640x360, made by
`samples/make_sample.py`); set `VFX_SAMPLE` to use another.""",
    ),
    (
        "code",
        """import os
from pathlib import Path

import vfx

video = Path(os.environ.get("VFX_SAMPLE", "../samples/dance.mp4"))
out = Path("dance_outputs")
print(vfx.probe(video).duration_s, "s")""",
    ),
    (
        "md",
        "Every keyframe, lossless, with its exact time (and its tags, when the camera gave any):",
    ),
    (
        "result",
        """keys = vfx.extract_keyframes(video, out / "keyframes", fmt="png", overwrite=True)
keys""",
    ),
    (
        "md",
        """The keyframe display: each keyframe's figure over the empty scene (the mask is chosen
for the clip: the difference against the background, or the person model when the dancer
never leaves):""",
    ),
    ("result", """vfx.make_composite(out / "keyframes", out / "display.png", overwrite=True)"""),
    (
        "md",
        """Motion pictures of the first 10 s in one pass: motiongrams, colour videograms,
the quantity of motion, the self-similarity (and the sound, when the clip has any):""",
    ),
    (
        "result",
        """motion = vfx.analyse_motion(video, out / "motion", end_s=10)
motion""",
    ),
    ("md", "The quantity of motion per frame, as a table:"),
    ("code", """vfx.show(motion.files["qom"])"""),
    ("md", "The eight most different frames (a coreset of image embeddings), not every k-th:"),
    (
        "result",
        """chosen = vfx.select_frames(video, 8, out / "chosen", fmt="png", overwrite=True)
chosen""",
    ),
    (
        "md",
        "The body, offline with MediaPipe's models: landmarks, the paths of the joints, speeds:",
    ),
    (
        "result",
        """pose = vfx.write_pose(video, out / "pose", end_s=6, outputs=("csv", "trails", "speed"))
pose""",
    ),
    ("md", "Any picture vfx wrote, TIFF and 16-bit too, and any decoded frame:"),
    ("result", """vfx.show(motion.files["motiongram_time-x"])"""),
]


def main() -> None:
    cells = []
    for kind, text in CELLS:
        if kind == "md":
            cells.append(new_markdown_cell(text))
        else:
            cell = new_code_cell(text)
            if kind == "result":
                cell.metadata["tags"] = ["shows-a-picture"]
            cells.append(cell)
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })  # fmt: skip
    target = Path(__file__).with_name("researcher.ipynb")
    nbformat.write(notebook, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
