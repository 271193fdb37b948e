"""Small texts people read: plurals, cut-off table cells."""

from __future__ import annotations

from scheduler.cli.dlq import ERROR_WIDTH, clip, render
from scheduler.dlq.queue import DeadLetter
from scheduler.local.up import restored_summary


def _letter(message: str) -> DeadLetter:
    return DeadLetter(
        message_id="m-1",
        receipt_handle="r",
        kind="dead-run",
        job="flaky-sync",
        run_id="flaky-sync.20261201T020000Z",
        trigger="schedule",
        scheduled_time=None,
        payload={},
        attempts=3,
        error={"type": "PartnerUnavailableError", "message": message},
        sent_at=None,
    )


def test_a_long_error_is_cut_with_an_ellipsis() -> None:
    # GIVEN a dead letter whose error is longer than the column
    long = "acme API returned 503 " * 10
    # WHEN the table is rendered THEN the cell ends in an ellipsis at the column's width
    row = render([_letter(long)]).splitlines()[1]
    cell = row.split("  ")[-1].strip()
    assert cell.endswith("…") and len(cell) == ERROR_WIDTH
    # AND a short error is shown whole, a multi-line one on one line
    assert render([_letter("down")]).splitlines()[1].endswith("PartnerUnavailableError: down")
    assert clip("a\n  b", 10) == "a b"
    assert clip("x" * 10, 10) == "x" * 10


def test_restored_counts_are_proper_plurals() -> None:
    # GIVEN what a restart restored WHEN summarised THEN words agree with their counts
    assert restored_summary({"runs": 1, "dead_letters": 0, "retry_schedules": 2}) == (
        "restored 1 run, 0 dead letters, 2 pending retries"
    )
    text = restored_summary({"runs": 3, "dead_letters": 1, "retry_schedules": 1})
    assert text == "restored 3 runs, 1 dead letter, 1 pending retry"
    assert "(" not in text
