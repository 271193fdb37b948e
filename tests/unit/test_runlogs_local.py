"""The local log format: lines tagged with their request id, read back one run at a time,
and the readable rendering of the worker's JSON lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

from scheduler.runlogs import end_marker, start_marker
from scheduler.runlogs.localfile import LocalLogSource, TaggedStream, parse_line
from scheduler.runlogs.render import readable

A = "aaaaaaaa-1111-2222-3333-444444444444"
B = "bbbbbbbb-1111-2222-3333-444444444444"


def test_tagged_stream_writes_whole_lines_with_the_request_id() -> None:
    target = io.StringIO()
    stream = TaggedStream(target, A)  # type: ignore[arg-type]
    # WHEN a line is written in pieces, and a last line has no newline
    stream.write("hel")
    stream.write("lo\nsecond\nthi")
    stream.flush()
    # THEN each line is tagged once, whole
    parsed = [parse_line(line) for line in target.getvalue().splitlines()]
    assert [(p[1], p[2]) for p in parsed if p] == [(A, "hello"), (A, "second"), (A, "thi")]
    assert all(p and p[0].endswith("Z") for p in parsed)


def test_local_source_reads_one_runs_lines_incrementally(tmp_path: Path) -> None:
    # GIVEN two invocations interleaved in one function's log file, plus an untagged line
    log = tmp_path / "fn.log"
    a, b = io.StringIO(), io.StringIO()
    TaggedStream(a, A).write(f"{start_marker(A)}\nfrom a\n")  # type: ignore[arg-type]
    TaggedStream(b, B).write("from b\n")  # type: ignore[arg-type]
    log.write_text(a.getvalue() + "untagged noise\n" + b.getvalue())
    source = LocalLogSource(log)
    # WHEN run A's lines are read THEN only A's come back, with their attempt
    first = source.read({A: 1})
    assert [(line.message, line.attempt) for line in first] == [(start_marker(A), 1), ("from a", 1)]
    assert not source.finished(A)
    # AND a second read returns only what was appended since, up to A's END line
    more = io.StringIO()
    TaggedStream(more, A).write(f"later\n{end_marker(A)}\n")  # type: ignore[arg-type]
    with log.open("a") as handle:
        handle.write(more.getvalue() + "half a li")  # a line still being written
    assert [line.message for line in source.read({A: 1})] == ["later", end_marker(A)]
    assert source.finished(A)


def test_readable_shortens_worker_json_and_hides_metrics() -> None:
    line = json.dumps({"level": "INFO", "message": "done", "run_id": "x", "rows": 3})
    assert readable(line) == "INFO    done  rows=3"
    assert readable(json.dumps({"_aws": {"CloudWatchMetrics": []}, "Duration": 3})) is None
    assert readable("plain print") == "plain print"
    assert readable(line, raw=True) == line
