"""Bad inputs: one line naming the file and the problem, exit 1, no traceback, inputs unchanged,
no partial files. Corpus in corpus.py."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from corpus import build_corpus
from vfx.cli import app

runner = CliRunner()

COMMANDS = {
    "info": ["info"],
    "keyframes": ["keyframes", "-o", "{out}"],
    "frames": ["frames", "--every", "0.2", "-o", "{out}"],
    "motion": ["motion", "-o", "{out}"],
    "select": ["select", "-n", "3", "-o", "{out}"],
    "mask": ["mask", "--background", "first", "-o", "{out}"],
    "composite": ["composite", "-o", "{out}/c.png"],
}
#: case -> words the one-line error must contain
FAILING = {
    "zero.mp4": "file is empty",
    "text.mp4": "not a readable video",
    "cut_in_moov.mp4": "not a readable video",
    "audio.m4a": "no video stream",
    "photo.png": "still image",
    "huge.y4m": "60000x60000",
    "damaged_stsz.mp4": "index is damaged",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(command: str, path: Path, out: Path):
    args = [a.replace("{out}", str(out)) for a in COMMANDS[command]]
    return runner.invoke(
        app, [args[0], "--", str(path), *args[1:]] if False else [*args[:1], str(path), *args[1:]]
    )


@pytest.mark.parametrize("case", sorted(FAILING))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_input_gives_one_clear_line(
    corpus: dict[str, Path], tmp_path: Path, case: str, command: str
) -> None:
    path = corpus[case]
    before = _digest(path)
    out = tmp_path / "out"
    result = _run(command, path, out)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr
    assert str(path) in line and FAILING[case] in line, line
    assert "Traceback" not in result.output
    assert _digest(path) == before
    # nothing half-written: no output folder, or an empty one
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("command", ["keyframes", "frames", "motion", "select"])
def test_damaged_streams_are_decoded_as_far_as_possible(
    corpus: dict[str, Path], tmp_path: Path, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    for case in ("cut_in_mdat.mp4", "corrupt.mp4"):
        path = corpus[case]
        before = _digest(path)
        out = tmp_path / case
        result = _run(command, path, out)
        assert result.exit_code == 0, result.output
        assert _digest(path) == before
        assert not list(out.glob(".*.part")) and not list(out.glob(".*.mp4"))
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "cut short" in messages  # the truncated file says how many frames it lacks


def test_odd_file_names_reach_every_tool(corpus: dict[str, Path], tmp_path: Path) -> None:
    path = corpus["odd"]
    for command in ("info", "keyframes", "motion"):
        result = _run(command, path, tmp_path / command)
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["telemetry", str(path), "-o", str(tmp_path / "t.json")])
    assert result.exit_code == 1 and "-odd name é.mp4" in result.stderr  # named, not an option
    frames = tmp_path / "keyframes"
    assert (frames / "-odd name é_000000.tiff").is_file()


GPX_CASES = {
    "not_xml.gpx": ("this is not XML <<<", "not a readable GPX"),
    "bomb.gpx": (
        '<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;">]><gpx>&c;</gpx>',
        "DOCTYPE",
    ),
    "empty.gpx": (
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        "</trkseg></trk></gpx>",
        "no timed track points",
    ),
}


def _keyframes_with_gpx(video: Path, out: Path, gpx: Path):
    """``vfx keyframes`` placing the video on ``gpx`` from a given start time."""
    args = ["keyframes", str(video), "-o", str(out), "--gpx", str(gpx)]
    return runner.invoke(app, [*args, "--start-time", "2024-01-01T00:00:00Z"])


@pytest.mark.parametrize("case", sorted(GPX_CASES))
def test_bad_gpx_through_the_cli(corpus: dict[str, Path], tmp_path: Path, case: str) -> None:
    text, words = GPX_CASES[case]
    gpx = tmp_path / case
    gpx.write_text(text)
    out = tmp_path / "out"
    result = _keyframes_with_gpx(corpus["good.mp4"], out, gpx)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert str(gpx) in result.stderr and words in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_gpx_that_misses_the_video_gives_no_positions(
    corpus: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gpx = tmp_path / "elsewhen.gpx"
    gpx.write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt>'
        '<trkpt lat="1.0001" lon="2"><time>2020-01-01T00:00:01Z</time></trkpt>'
        "</trkseg></trk></gpx>"
    )
    out = tmp_path / "out"
    result = _keyframes_with_gpx(corpus["good.mp4"], out, gpx)
    assert result.exit_code == 0, result.output
    assert "got no position" in " ".join(r.getMessage() for r in caplog.records)
    from vfx.io.table import read_frame_table

    rows = read_frame_table(out)
    assert rows and all(row["gps_flag"] == "after_track" for row in rows)


@pytest.mark.parametrize("kind", ["deep", "past_end"])
def test_hostile_box_trees_through_the_cli(tmp_path: Path, kind: str) -> None:
    import struct

    def box(name: str, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + name.encode() + payload

    if kind == "deep":
        inner = b""
        for _ in range(3000):
            inner = box("trak", inner)
        data = box("ftyp", b"isom") + box("moov", inner)
    else:
        data = box("ftyp", b"isom") + struct.pack(">I4s", 1 << 30, b"moov") + bytes(32)
    path = tmp_path / f"{kind}.mp4"
    path.write_bytes(data)
    result = runner.invoke(app, ["telemetry", str(path), "-o", str(tmp_path / "t.json")])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert str(path) in result.stderr and "Traceback" not in result.output


RECIPE_CASES = {
    "unknown_key.toml": ('[[steps]]\nstep = "frames"\nfolderr = "x"\n', "unknown key 'folderr'"),
    "wrong_type.toml": ('[[steps]]\nstep = "montage"\ncolumns = "six"\n', "columns must be int"),
    "escape.toml": (
        '[output]\nfolder = "../../x"\n[[steps]]\nstep = "frames"\n',
        "must stay inside",
    ),
    "absolute.toml": (
        '[output]\nfolder = "/tmp/x"\n[[steps]]\nstep = "frames"\n',
        "must stay inside",
    ),
    # out-of-range values are refused when the recipe loads, not per video later
    "every_zero.toml": ('[[steps]]\nstep = "motion"\nstride = 0\n', "must be >= 1"),
    "every_text.toml": ('[[steps]]\nstep = "motion"\nstride = "abc"\n', "stride must be int"),
    "decay_nan.toml": ('[[steps]]\nstep = "motion"\nhistory_decay = nan\n', "finite number"),
    "outputs_bogus.toml": (
        '[[steps]]\nstep = "motion"\noutputs = "video,bogus"\n',
        "comma-separated list of video",
    ),
    "select_every_float.toml": (
        '[source]\nselect = "coreset"\nn = 3\nevery = 2.7\n[[steps]]\nstep = "frames"\n',
        "whole number >= 1, got 2.7",
    ),
    "not_utf8.toml": ('[[steps]]\nstep = "fr\udce9mes"\n', "not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(RECIPE_CASES))
def test_bad_recipes_through_the_cli(corpus: dict[str, Path], tmp_path: Path, case: str) -> None:
    text, words = RECIPE_CASES[case]
    recipe = tmp_path / case
    recipe.write_bytes(text.encode("utf-8", "surrogateescape"))  # not_utf8: a Latin-1 byte
    video = corpus["good.mp4"]
    before = _digest(video)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(recipe), str(video), "-o", str(out)])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert str(recipe) in result.stderr and words in result.stderr
    assert "Traceback" not in result.output
    assert _digest(video) == before and not out.exists()


def test_video_where_an_image_is_expected(corpus: dict[str, Path], tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    assert (
        runner.invoke(app, ["keyframes", str(corpus["good.mp4"]), "-o", str(frames)]).exit_code == 0
    )
    video = corpus["good.mp4"]
    before = _digest(video)
    out = tmp_path / "masks"
    result = runner.invoke(app, ["mask", str(frames), "--background", str(video), "-o", str(out)])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert str(video) in result.stderr and "not a readable image" in result.stderr
    assert _digest(video) == before and (not out.exists() or not any(out.iterdir()))


def test_a_pipe_or_a_device_is_named_for_what_it_is(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.mp4"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        for args in (["info"], ["keyframes", "-o", str(tmp_path / "o")], ["telemetry"]):
            result = runner.invoke(app, [args[0], str(path), *args[1:]])
            assert result.exit_code == 1, result.output
            assert "is not a regular file" in result.output, result.output
            assert len(result.output.strip().splitlines()) == 1


def test_a_cut_tiff_in_a_folder_is_one_line_that_says_so(plain_clip: Path, tmp_path: Path) -> None:
    from vfx.jobs.stills import extract_keyframes

    kf = tmp_path / "kf"
    first = extract_keyframes(plain_clip, kf).files[0]
    first.write_bytes(first.read_bytes()[:300])
    result = runner.invoke(app, ["composite", str(kf), "-o", str(tmp_path / "c.png")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"vfx: error: {first}: not a readable TIFF (cut short or damaged)"
    ]


def test_motion_of_a_video_too_small_to_encode_is_one_line(tmp_path: Path) -> None:
    import av

    path = tmp_path / "tiny.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 2, 2, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((2, 2, 3), 40 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    out_dir = tmp_path / "m"
    result = runner.invoke(app, ["motion", str(path), "-o", str(out_dir), "--quiet"])
    assert result.exit_code == 1
    assert "cannot encode this 2x2 video" in result.output and "internal error" not in result.output
    assert list(out_dir.iterdir()) == []  # nothing half-written


def test_api_misuse_raises_the_project_errors_with_short_messages(
    tmp_path: Path, plain_clip: Path
) -> None:
    import vfx
    from vfx.errors import ImageReadError, ParameterError
    from vfx.io.images import write_image
    from vfx.recipe.runner import run_recipe

    with pytest.raises(ParameterError, match="numpy array, got list"):
        write_image(tmp_path / "a.png", [[1, 2], [3, 4]])  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"non-empty .* got \(0, 0, 3\)"):
        write_image(tmp_path / "b.png", np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(ParameterError, match="got None"):
        vfx.open_source(plain_clip, frames=None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"w\.mp4: no such file"):  # one input, not chars
        run_recipe("keyframe-display", "w.mp4", tmp_path / "r")
    kf = tmp_path / "kf"
    vfx.extract_keyframes(plain_clip, kf)
    with pytest.raises(ImageReadError) as info:
        vfx.make_composite(
            kf, tmp_path / "c.png", mode="foreground", background=np.zeros((5, 5, 3), np.uint8)
        )
    assert len(str(info.value)) < 200 and "background is 5x5" in str(info.value)
    assert not list(tmp_path.glob("*.png"))


def test_a_long_video_name_whose_outputs_fit_is_written(tmp_path: Path) -> None:
    """A 234-character name: the final names fit in 255 bytes, so the temporary ones must too
    (``.<name>.XXXXXXXX.part`` did not: ``File name too long``)."""
    from clips import make_clip

    clip = make_clip(tmp_path / ("d" * 230 + ".mp4"), frames=25).path
    for command, out in (("keyframes", "kf"), ("motion", "mo")):
        result = runner.invoke(app, [command, str(clip), "-o", str(tmp_path / out), "--quiet"])
        assert result.exit_code == 0, result.output
        names = [p.name for p in (tmp_path / out).iterdir()]
        assert names and not [n for n in names if n.startswith(".")]
    assert (tmp_path / "kf" / ("d" * 230 + "_000000.tiff")).is_file()
    assert (tmp_path / "mo" / ("d" * 230 + "_motion.mp4")).is_file()
