"""Pure ledger pieces: run ids, trimming, the attribute codec, --since, failure counting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.ledger import RunRecord, RunStatus, new_run_id, scheduled_run_id, split_run_id, trim
from scheduler.ledger.codec import from_item, to_item
from scheduler.ledger.query import consecutive_failures, parse_since
from tests.conftest import RUN_JSON_KEYS

T = datetime(2026, 3, 29, 1, 0, 42, 123000, tzinfo=UTC)


def run(status: RunStatus, minute: int = 0) -> RunRecord:
    return RunRecord(
        run_id=f"job.20260329T01{minute:02d}00Z",
        job="job",
        status=status,
        trigger="schedule",
        scheduled_for=f"2026-03-29T01:{minute:02d}:00Z",
        attempt=1,
        started_at=f"2026-03-29T01:{minute:02d}:01Z",
    )


def test_scheduled_run_id_is_the_slot_minute() -> None:
    # GIVEN deliveries at different seconds of one minute THEN they share one run id
    assert scheduled_run_id("nightly", T) == "nightly.20260329T010000Z"
    assert scheduled_run_id("nightly", T.replace(second=3)) == scheduled_run_id("nightly", T)


def test_manual_run_ids_are_unique_and_self_locating() -> None:
    a, b = new_run_id("nightly", T), new_run_id("nightly", T)
    assert a != b and a.startswith("nightly.20260329T010042Z-")
    assert split_run_id(a)[0] == "nightly"
    # AND a manual id sorts after the slot of the same minute (newest-first order holds)
    assert split_run_id(a)[1] > split_run_id(scheduled_run_id("nightly", T))[1]


@pytest.mark.parametrize("bad", ["", "nightly", "nightly.", "nightly.notatime", ".2026"])
def test_split_run_id_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        split_run_id(bad)


def test_trim_keeps_head_and_tail_within_the_limit() -> None:
    text = "HEAD" + "x" * 10_000 + "TAIL"
    out = trim(text, 500)
    assert len(out) <= 500 and out.startswith("HEAD") and out.endswith("TAIL")
    assert trim("short", 500) == "short"


def test_trim_counts_bytes_not_characters() -> None:
    # GIVEN 10,000 four-byte characters (40,000 bytes) and a 1,000-byte budget
    text = "\U0001f600" * 10_000
    out = trim(text, 1_000)
    # THEN the result fits the budget in bytes and is still valid text
    assert len(out.encode("utf-8")) <= 1_000
    assert out.startswith("\U0001f600") and out.endswith("\U0001f600")


def test_codec_round_trips_json_shapes() -> None:
    data = {"s": "x", "i": 3, "f": 1.5, "b": True, "n": None, "l": [1, "a"], "m": {"k": [{}]}}
    assert from_item(to_item(data)) == data


def test_record_json_round_trip_and_pinned_keys() -> None:
    record = run(RunStatus.FAILED)
    data = record.to_json()
    assert RunRecord.from_json(data) == record
    assert set(data) >= RUN_JSON_KEYS


def test_parse_since() -> None:
    now = datetime(2026, 3, 29, 12, tzinfo=UTC)
    assert parse_since("2h", now) == datetime(2026, 3, 29, 10, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 3, 22, 12, tzinfo=UTC)
    assert parse_since("2026-03-29T01:00:00Z", now) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("yesterday", now)


def test_consecutive_failures_counts_back_to_the_last_success() -> None:
    newest_first = [
        run(RunStatus.DEAD, 5),
        run(RunStatus.SKIPPED, 4),
        run(RunStatus.FAILED, 3),
        run(RunStatus.SUCCEEDED, 2),
        run(RunStatus.FAILED, 1),
    ]
    assert consecutive_failures(newest_first) == 2
    assert consecutive_failures([]) == 0
