"""Whole-or-nothing writes (scheduler/atomicfile.py), used by the local platform's state,
the build cache and the botocore model cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.atomicfile import write_atomic


def test_the_file_is_replaced_whole_and_no_temporary_is_left(tmp_path: Path) -> None:
    # GIVEN a file with old content
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    # WHEN it is written
    write_atomic(target, b"new content")
    # THEN it holds exactly the new content, alone in its folder
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    # GIVEN a target the rename cannot replace (a non-empty folder of that name)
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_bytes(b"kept")
    # WHEN written THEN the error reaches the caller, the folder is untouched, and the
    # temporary file is gone
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert (target / "inside").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
