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
    for path in sorted((SRC / "io").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.relative_to(SRC)}:{node.lineno}"
                for n in names
                if n.startswith("vfx.telemetry")
            ]
    assert offenders == []


# -- the rooms and the arrows between them ------------------------------------------------------
def _module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, also inside functions, except those under ``TYPE_CHECKING``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom) and id(n) not in skip
    ]


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """vfx's modules and the vfx modules each imports at run time (lazy imports included)."""
    modules = {_module_name(p, src): p for p in src.rglob("*.py")}

    def known(name: str) -> str | None:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name if name in modules else None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str | None] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(known(a.name) for a in node.names if a.name.startswith("vfx"))
            elif node.module and node.level == 0 and node.module.startswith("vfx"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else known(node.module))
        graph[name] = {d for d in deps if d is not None and d != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def _room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_import_cycle() -> None:
    assert import_cycles(import_graph()) == []


def test_the_cycle_check_finds_a_planted_cycle(tmp_path: Path) -> None:
    (tmp_path / "vfx" / "ops").mkdir(parents=True)
    (tmp_path / "vfx" / "__init__.py").write_text("")
    (tmp_path / "vfx" / "ops" / "__init__.py").write_text("")
    (tmp_path / "vfx" / "ops" / "a.py").write_text("def f():\n    from vfx.ops import b\n")
    (tmp_path / "vfx" / "ops" / "b.py").write_text("from vfx.ops.a import f\n")
    (tmp_path / "vfx" / "ops" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vfx.ops import a\n"
    )
    assert import_cycles(import_graph(tmp_path / "vfx")) == [["vfx.ops.a", "vfx.ops.b"]]


def test_ops_import_neither_io_nor_the_cli() -> None:
    """ops/ is pure arrays: it reaches no file, container, process or command-line code."""
    graph = import_graph()
    offenders = {
        (m, d)
        for m, deps in graph.items()
        if _room(m) == "vfx.ops"
        for d in deps
        if _room(d) in ("vfx.io", "vfx.cli", "vfx.jobs", "vfx.recipe", "vfx.telemetry")
    }
    assert offenders == set()


def test_nothing_below_the_cli_imports_it() -> None:
    """Process tuning (vfx.cli.process) and the command line are the CLI's; the library gets
    what it needs as arguments."""
    graph = import_graph()
    offenders = {
        (m, d)
        for m, deps in graph.items()
        if _room(m) != "vfx.cli" and m != "vfx.__main__"
        for d in deps
        if _room(d) == "vfx.cli"
    }
    assert offenders == set()


#: Calls that read or write a file's content or start a process.
_FILE_CALLS = {
    "open",
    "read_bytes",
    "read_text",
    "write_bytes",
    "write_text",
    "Popen",
    "run",
    "check_output",
    "check_call",
    "system",
    "popen",
    "copyfile",
    "copy",
    "copy2",
    "imread",
    "imwrite",
    "VideoCapture",
    "ZipFile",
    "mkstemp",
    "mkdtemp",
}
#: Owners whose ``run``/``copy``/``open``/... are not file access (``dict.copy()``, ...).
_FILE_OWNERS = {"os", "subprocess", "shutil", "cv2", "tifffile", "zipfile", "tempfile", "av", "io"}
#: Where files and processes are opened: the IO layer, the telemetry readers, the CLI.
FILE_ROOMS = ("vfx.io", "vfx.telemetry", "vfx.cli", "vfx.__main__")
_NOT_READERS = {"vfx.telemetry.track", "vfx.telemetry.export"}


def file_access(path: Path) -> list[int]:
    """Lines of ``path`` that open a file or a process (by the calls in ``_FILE_CALLS``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "open":
                lines.append(node.lineno)
        elif isinstance(func, ast.Attribute) and func.attr in _FILE_CALLS:
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            content = func.attr in ("read_bytes", "read_text", "write_bytes", "write_text")
            opened = func.attr == "open" and owner != "self"
            if content or opened or owner in _FILE_OWNERS:
                lines.append(node.lineno)
    return sorted(lines)


def _opens_files(module: str) -> bool:
    return module.startswith(FILE_ROOMS) and module not in _NOT_READERS


def test_only_io_the_telemetry_readers_and_the_cli_open_files() -> None:
    offenders = [
        f"{p.relative_to(SRC)}:{line}"
        for p in _modules()
        if not _opens_files(_module_name(p))
        for line in file_access(p)
    ]
    assert offenders == []


def test_the_file_check_finds_a_planted_open(tmp_path: Path) -> None:
    planted = tmp_path / "m.py"
    planted.write_text(
        "import subprocess, shutil\nfrom pathlib import Path\n"
        "def f(p):\n    x = {}.copy()\n    Path(p).read_text()\n"
        "    subprocess.run(['ls'])\n    with open(p) as fh:\n        pass\n"
        "    shutil.copyfile(p, p)\n"
    )
    assert file_access(planted) == [5, 6, 7, 9]
    assert not _opens_files("vfx.jobs.geotag") and not _opens_files("vfx.telemetry.track")
    assert _opens_files("vfx.io.video.reader") and _opens_files("vfx.telemetry.trackfiles.gpx")


#: The rooms from the ground up: each imports only rooms before it (the root's shared modules
#: and the package itself are below them all). docs/ARCHITECTURE.md draws the same table.
ROOMS = ("vfx.ops", "vfx.io", "vfx.telemetry", "vfx.tagging", "vfx.jobs", "vfx.recipe", "vfx.cli")
ROOT_MODULES = {"vfx", "vfx.errors", "vfx.types", "vfx.params", "vfx.workers"}


def room_violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    def level(module: str) -> int:
        if module in ROOT_MODULES:
            return -1
        if module == "vfx.__main__":
            return len(ROOMS)
        return ROOMS.index(_room(module))

    return {(m, d) for m, deps in graph.items() for d in deps if level(d) > level(m)}


def test_rooms_import_only_the_rooms_below_them() -> None:
    graph = import_graph()
    assert {_room(m) for m in graph} - set(ROOMS) <= ROOT_MODULES | {"vfx.__main__"}
    assert room_violations(graph) == set()


def test_the_room_check_finds_an_upward_import() -> None:
    planted = import_graph() | {"vfx.io.planted": {"vfx.jobs.stills"}}
    assert room_violations(planted) == {("vfx.io.planted", "vfx.jobs.stills")}


def stem_clashes(paths: list[Path], src: Path = SRC) -> list[list[str]]:
    """Modules of one stem in different rooms, other than a command-line module over one
    library module of its name (``cli/motion.py`` over ``jobs/motion.py``)."""
    by_stem: dict[str, list[str]] = {}
    for path in paths:
        if path.name != "__init__.py":
            by_stem.setdefault(path.stem, []).append(str(path.relative_to(src)))
    clashes = []
    for names in by_stem.values():
        library = [n for n in names if not n.startswith("cli/")]
        if len(library) > 1 or len(names) - len(library) > 1:
            clashes.append(sorted(names))
    return clashes


def test_no_stem_in_two_rooms_but_a_command_over_its_job() -> None:
    assert stem_clashes(_modules()) == []
    planted = [SRC / "cli" / "motion.py", SRC / "jobs" / "motion.py", SRC / "io" / "x.py"]
    assert stem_clashes(planted) == []  # a job and the command over it: allowed
    planted.append(SRC / "ops" / "motion.py")
    assert stem_clashes(planted) == [["cli/motion.py", "jobs/motion.py", "ops/motion.py"]]
