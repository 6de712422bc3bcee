"""``vfx.io.contents``: the list of what a folder holds (``vfx.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vfx.io.contents import CONTENTS_NAME, Output, read_contents, record_outputs


def _out(name: str, what: str = "x", kind: str = "picture", command: str = "composite") -> Output:
    return Output(file=name, what=what, kind=kind, command=command)


def test_entries_merge_by_file_and_keep_what_others_recorded(tmp_path: Path) -> None:
    for name in ("a.png", "b.png", "c.csv"):
        (tmp_path / name).write_bytes(b"1")
    record_outputs(tmp_path, [_out("a.png", "first"), _out("b.png", "bee")])
    record_outputs(tmp_path, [_out("a.png", "second", command="background")])
    record_outputs(tmp_path, [_out("c.csv", "table", kind="table", command="motion")])
    found = {o.file: o for o in read_contents(tmp_path) or []}
    assert found["a.png"].what == "second" and found["a.png"].command == "background"
    assert found["b.png"].what == "bee" and found["c.csv"].kind == "table"
    doc = json.loads((tmp_path / CONTENTS_NAME).read_text())
    assert doc["vfx_contents"] == 1 and len(doc["outputs"]) == 3


def test_files_that_are_gone_are_dropped_when_rewritten(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"1")
    (tmp_path / "b.png").write_bytes(b"1")
    record_outputs(tmp_path, [_out("a.png"), _out("b.png")])
    (tmp_path / "b.png").unlink()
    assert len(read_contents(tmp_path) or []) == 2  # read as written
    assert [o.file for o in read_contents(tmp_path, keep_missing=False) or []] == ["a.png"]
    record_outputs(tmp_path, [])
    assert [o.file for o in read_contents(tmp_path) or []] == ["a.png"]


def test_a_list_speaks_only_of_its_own_folder(tmp_path: Path) -> None:
    doc = {"vfx_contents": 1, "outputs": [
        {"file": "../secret.png", "what": "x", "kind": "picture", "command": "c"},
        {"file": "/etc/passwd", "what": "x", "kind": "picture", "command": "c"},
        {"file": "ok.png", "what": "fine", "kind": "picture", "command": "c", "start_s": "NaN"},
        {"file": "odd.png", "what": "x", "kind": "sculpture", "command": "c"},
        "not an entry",
    ]}  # fmt: skip
    (tmp_path / CONTENTS_NAME).write_text(json.dumps(doc))
    outputs = read_contents(tmp_path) or []
    assert [o.file for o in outputs] == ["ok.png"] and outputs[0].start_s is None


@pytest.mark.parametrize("text", ["", "[]", "{", '{"outputs": 3}'])
def test_an_unreadable_list_is_no_list(tmp_path: Path, text: str) -> None:
    (tmp_path / CONTENTS_NAME).write_text(text)
    assert read_contents(tmp_path) is None
    assert read_contents(tmp_path / "missing") is None


def test_a_kind_must_be_known() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        _out("a.png", kind="sculpture")
