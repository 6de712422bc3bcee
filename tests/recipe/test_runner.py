"""Running recipes: every built-in on the sample, resume, failures, parallel and Dask."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLE
from vfx.cli import app
from vfx.errors import ParameterError
from vfx.recipe.runner import expand_inputs, run_recipe
from vfx.recipe.schema import builtin_recipes, load_recipe

runner = CliRunner()

QUICK = """
[recipe]
name = "quick"
[source]
frames = "keyframes"
[output]
folder = "{stem}_{recipe}"
format = "png"
[[steps]]
step = "frames"
[[steps]]
step = "composite"
mode = "darken"
output = "display.png"
"""


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "run.json"
    }


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory, plain_clip: Path) -> list[Path]:
    folder = tmp_path_factory.mktemp("batch")
    out = []
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        shutil.copy(plain_clip, folder / name)
        out.append(folder / name)
    return out


@pytest.mark.parametrize("name", sorted(builtin_recipes()))
def test_every_builtin_recipe_runs_on_the_sample(name: str, tmp_path: Path) -> None:
    result = run_recipe(name, [SAMPLE], tmp_path, jobs=1)
    (entry,) = result.results
    assert entry.status == "done", entry.error
    assert entry.outputs and all(Path(p).exists() for p in entry.outputs)
    assert (tmp_path / f"dance_{name}").is_dir()


def test_resume_runs_only_the_rest(videos: list[Path], tmp_path: Path) -> None:
    recipe = tmp_path / "quick.toml"
    recipe.write_text(QUICK)
    first = run_recipe(recipe, videos[:2], tmp_path / "out", jobs=1)
    assert [r.status for r in first.results] == ["done", "done"]
    # an interrupted batch: the third input never ran; a re-run does only that one
    again = run_recipe(recipe, videos, tmp_path / "out", jobs=1)
    assert [r.status for r in again.results] == ["skipped", "skipped", "done"]
    # a deleted output makes its input run again; a changed recipe reruns everything
    Path(again.results[0].outputs[-1]).unlink()
    third = run_recipe(recipe, videos, tmp_path / "out", jobs=1)
    assert [r.status for r in third.results] == ["done", "skipped", "skipped"]
    recipe.write_text(QUICK.replace('mode = "darken"', 'mode = "lighten"'))
    fourth = run_recipe(recipe, videos, tmp_path / "out", jobs=1)
    assert [r.status for r in fourth.results] == ["done"] * 3
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["recipes"]["quick"]["recipe_hash"] == load_recipe(recipe).hash


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_cut_output_runs_its_input_again(videos: list[Path], tmp_path: Path, damage: str) -> None:
    """An output cut short after the run (a full disk, a copy interrupted) is no output: the
    input runs again and the file is whole afterwards."""
    recipe = tmp_path / "quick.toml"
    recipe.write_text(QUICK)
    first = run_recipe(recipe, videos[:1], tmp_path / "out", jobs=1)
    frames = sorted(p for p in map(Path, first.results[0].outputs) if p.suffix == ".png")
    whole = frames[0].read_bytes()
    frames[0].write_bytes(whole[: len(whole) // 2] if damage == "truncate" else b"")
    again = run_recipe(recipe, videos[:1], tmp_path / "out", jobs=1)
    assert [r.status for r in again.results] == ["done"]
    assert frames[0].read_bytes() == whole
    assert [r.status for r in run_recipe(recipe, videos[:1], tmp_path / "out").results] == [
        "skipped"
    ]


def test_one_failure_does_not_stop_the_batch(videos: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_text("not a video")
    recipe = tmp_path / "quick.toml"
    recipe.write_text(QUICK)
    result = runner.invoke(
        app, ["run", str(recipe), str(videos[0]), str(bad), "-o", str(tmp_path / "o"), "-j", "1"]
    )
    assert result.exit_code == 1
    assert "1 done, 0 skipped, 1 failed" in result.stdout
    # one line per input as it finishes, with the failure's one-line reason
    failed = [line for line in result.stderr.splitlines() if line.lstrip().startswith("failed")]
    assert len(failed) == 1 and "broken.mp4: not a readable video" in failed[0]


def test_parallel_and_dask_give_the_same_outputs(videos: list[Path], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    recipe = load_recipe(_write(tmp_path, QUICK))
    local = run_recipe(recipe, videos, tmp_path / "local", jobs=1)
    parallel = run_recipe(recipe, videos, tmp_path / "parallel", jobs=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_recipe(recipe, videos, tmp_path / "dask", dask=client)
    for result in (local, parallel, remote):
        assert [r.status for r in result.results] == ["done"] * 3
    assert (
        _hashes(tmp_path / "local") == _hashes(tmp_path / "parallel") == _hashes(tmp_path / "dask")
    )


def _write(folder: Path, text: str) -> Path:
    path = folder / "r.toml"
    path.write_text(text)
    return path


def test_inputs_folders_globs_and_errors(videos: list[Path], tmp_path: Path) -> None:
    folder = videos[0].parent
    assert expand_inputs([folder]) == [v.resolve() for v in videos]
    assert expand_inputs([str(folder / "[ab].mp4")]) == [v.resolve() for v in videos[:2]]
    nested = tmp_path / "n" / "deep"
    nested.mkdir(parents=True)
    shutil.copy(videos[0], nested / "x.mp4")
    with pytest.raises(ParameterError, match="no videos found"):  # not searched without -r
        expand_inputs([tmp_path / "n"])
    assert len(expand_inputs([tmp_path / "n"], recursive=True)) == 1
    with pytest.raises(ParameterError, match="matches no files"):
        expand_inputs([str(tmp_path / "*.nothing")])
    with pytest.raises(ParameterError, match="no such file"):
        expand_inputs([tmp_path / "missing.mp4"])


def test_recipes_cli(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["recipes", "list"])
    assert listed.exit_code == 0 and "keyframe-display" in listed.stdout
    shown = runner.invoke(app, ["recipes", "show", "motion"])
    assert shown.exit_code == 0 and 'step = "motion"' in shown.stdout
    typo = runner.invoke(app, ["run", "keyframe-dispaly", str(SAMPLE), "-o", str(tmp_path)])
    assert typo.exit_code == 1 and "did you mean 'keyframe-display'" in typo.stderr


def test_run_cli_recursive_and_dask(videos: list[Path], tmp_path: Path) -> None:
    """--recursive finds videos in subfolders; --dask runs them on a scheduler's workers."""
    nested = tmp_path / "in" / "day1"
    nested.mkdir(parents=True)
    shutil.copy(videos[0], nested / "clip.mp4")
    recipe = tmp_path / "kf.toml"
    recipe.write_text('[[steps]]\nstep = "frames"\n')
    flat = runner.invoke(app, ["run", str(recipe), str(tmp_path / "in"), "-o", str(tmp_path / "a")])
    assert flat.exit_code == 1 and "no videos found" in flat.output
    deep = runner.invoke(
        app, ["run", str(recipe), str(tmp_path / "in"), "-o", str(tmp_path / "b"), "-r", "--json"]
    )
    assert deep.exit_code == 0, deep.output
    assert [r["status"] for r in json.loads(deep.stdout)["inputs"]] == ["done"]
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        result = runner.invoke(
            app,
            [
                "run",
                str(recipe),
                str(videos[0]),
                "-o",
                str(tmp_path / "c"),
                "--dask",
                cluster.scheduler_address,
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in json.loads(result.stdout)["inputs"]] == ["done"]
    assert any((tmp_path / "c").rglob("*.tiff"))
