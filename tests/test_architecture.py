"""The layering promised in STYLE.md, checked on the source tree."""

from __future__ import annotations

import ast
import pkgutil
import sys
from pathlib import Path

import vfx

SRC = Path(vfx.__file__).parent
UI_MODULES = {"typer", "rich", "click"}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_cli_imports_typer_or_rich() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in _modules()
        if "cli" not in p.relative_to(SRC).parts and _imports(p) & UI_MODULES
    ]
    assert offenders == []


def test_library_never_prints_or_exits() -> None:
    offenders = []
    for path in _modules():
        if "cli" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                owner = getattr(getattr(func, "value", None), "id", "")
                if name == "print" or (owner == "sys" and name == "exit"):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_every_library_module_imports_without_ui_packages() -> None:
    names = [
        info.name
        for info in pkgutil.walk_packages(vfx.__path__, "vfx.")
        if not info.name.startswith("vfx.cli") and info.name != "vfx.__main__"
    ]
    assert "vfx.jobs.stills" in names and "vfx.telemetry.gpmf" in names
    # Importing every library module pulls in no CLI package.
    script = (
        f"import importlib, sys; [importlib.import_module(n) for n in {names!r}]; "
        "print(sorted(m for m in {'typer', 'rich'} if m in sys.modules))"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_wand_is_not_imported_at_startup() -> None:
    import subprocess

    script = "import sys, vfx.cli; print('wand' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_a_tiff_composite_loads_neither_opencv_tifffile_nor_the_telemetry_readers(
    tmp_path: Path,
) -> None:
    # OpenCV costs 20-30 ms to load, tifffile 16-20 ms and the telemetry readers 5 ms, much of
    # a short composite of keyframe TIFFs: the modules on that path import them where used.
    import subprocess

    import numpy as np

    from vfx.io.images import write_image

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        write_image(frames / f"f{i}.tiff", np.full((8, 8, 3), 50 * i, np.uint8))
    script = (
        "import sys, vfx.cli; from vfx.jobs.composite import make_composite; "
        f"make_composite({str(frames)!r}, {str(tmp_path / 'out.tiff')!r}, mode='darken'); "
        "print(sorted({'cv2', 'tifffile', 'vfx.telemetry'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
    assert (tmp_path / "out.tiff").is_file()


def test_io_imports_nothing_from_the_telemetry_readers() -> None:
    """The readers build on io (the box walker, exiftool); io never reaches back."""
    offenders = []
    for path in sorted((SRC / "io").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.name}:{node.lineno}" for n in names if n.startswith("vfx.telemetry")
            ]
    assert offenders == []
