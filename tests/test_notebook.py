"""The example notebook (examples/researcher.ipynb) runs, cell by cell, in a real Jupyter
kernel (nbclient), and each cell tagged ``shows-a-picture`` displays one inline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = ROOT / "examples" / "researcher.ipynb"


def _shows_a_picture(cell) -> bool:  # type: ignore[no-untyped-def]
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data or "<img" in data.get("text/html", ""):
            return True
    return False


def test_the_example_notebook_runs_and_shows_its_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VFX_SAMPLE", str(ROOT / "samples" / "dance.mp4"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    tagged = [c for c in notebook.cells if "shows-a-picture" in c.metadata.get("tags", [])]
    assert len(tagged) >= 6
    for cell in tagged:
        assert _shows_a_picture(cell), cell.source
    # the outputs are where the notebook said, and the table cell shows a table
    assert (tmp_path / "dance_outputs" / "display.png").is_file()
    table = next(c for c in notebook.cells if "qom" in c.source and "show" in c.source)
    assert "<table>" in table.outputs[0]["data"]["text/html"]
    shutil.rmtree(tmp_path / "dance_outputs")
