"""Alerts, pure parts: which health change is told, and what the message says."""

from __future__ import annotations

import pytest

from scheduler.alerts.message import SUBJECT_MAX, Alert, dead_alert, error_text, health_alert
from scheduler.alerts.transitions import decide

ALL = ("dead", "late", "failing", "recovered")


@pytest.mark.parametrize(
    ("previous", "health", "store", "event"),
    [
        (None, "OK", False, None),  # a healthy new job: no write at all
        ("OK", "OK", False, None),
        ("OK", "LATE", True, "late"),
        ("OK", "FAILING", True, "failing"),
        ("OK", "STUCK", True, "failing"),
        (None, "FAILING", True, "failing"),
        ("FAILING", "FAILING", False, None),  # still failing: told once, not every round
        ("LATE", "LATE", False, None),
        ("FAILING", "STUCK", True, None),  # the same news in another shape
        ("STUCK", "FAILING", True, None),
        ("LATE", "FAILING", True, "failing"),
        ("FAILING", "LATE", True, "late"),
        ("FAILING", "OK", True, "recovered"),
        ("LATE", "OK", True, "recovered"),
        ("STUCK", "OK", True, "recovered"),
        ("OK", "DISABLED", True, None),
        ("FAILING", "DISABLED", True, None),
        ("DISABLED", "OK", True, None),  # re-enabled is not a recovery
        ("FAILING", "PAUSED", True, None),  # paused by a person: nothing to tell
        ("PAUSED", "OK", True, None),  # resumed is not a recovery either
        ("PAUSED", "LATE", True, "late"),
    ],
)
def test_decide(previous: str | None, health: str, store: bool, event: str | None) -> None:
    # GIVEN the state last told WHEN health is computed THEN this is stored and told
    decision = decide(previous, health, ALL)
    assert (decision.state, decision.store, decision.event) == (health, store, event)


def test_a_change_is_stored_even_when_not_subscribed() -> None:
    # GIVEN a job that only wants dead alerts WHEN it starts failing
    decision = decide("OK", "FAILING", ("dead",))
    # THEN nothing is told, but the change is remembered (subscribing later replays nothing)
    assert decision.store and decision.event is None


def test_dead_alert_is_short_and_says_where_to_look() -> None:
    # GIVEN a run that used up its retries
    alert = dead_alert(
        job="flaky-sync", stage="prod", run_id="flaky-sync.20261203T020000Z",
        scheduled_time="2026-12-03T02:00:00Z", attempts=3,
        error={"type": "PartnerError", "message": "acme\n503", "traceback": "long"},
        at="2026-12-03T02:01:10Z",
    )  # fmt: skip
    # THEN the subject and body name the job, stage, what happened, the error and a command
    assert alert.subject == "cronbridge prod: flaky-sync run is DEAD"
    body = alert.body
    assert "job:   flaky-sync" in body and "stage: prod" in body
    assert "failed 3 attempt(s)" in body and "dead-letter queue" in body
    assert "error: PartnerError: acme 503" in body and "long" not in body
    assert "look:  cronbridge show flaky-sync.20261203T020000Z --stage prod" in body
    assert len(body.splitlines()) <= 8
    assert alert.attributes()["event"] == {"DataType": "String", "StringValue": "dead"}


def test_subject_fits_sns_limits() -> None:
    # GIVEN a long, non-ASCII job description in the stage name's place
    alert = Alert(event="late", job="j" * 120, stage="dév", what="x", look="y", at="t")
    # THEN the subject is ASCII and at most 100 characters (SNS rejects longer)
    assert len(alert.subject) <= SUBJECT_MAX
    alert.subject.encode("ascii")


def test_health_alerts_read_the_status_row() -> None:
    row = {
        "job": "j", "health": "FAILING", "consecutive_failures": 3, "missed_fire": None,
        "stuck_run": None, "last_run": {"run_id": "j.20261203T020000Z", "status": "DEAD"},
    }  # fmt: skip
    failing = health_alert("failing", job="j", stage="dev", row=row, last_error="E: x", at="t")
    assert failing.what == "the last 3 run(s) failed" and failing.last_error == "E: x"
    assert failing.look == "cronbridge show j.20261203T020000Z --stage dev"
    late = health_alert(
        "late", job="j", stage="dev", row={**row, "missed_fire": "2026-12-03T03:00:00Z"},
        last_error=None, at="t",
    )  # fmt: skip
    assert "2026-12-03T03:00:00Z" in late.what and late.look == "cronbridge status --stage dev"
    recovered = health_alert("recovered", job="j", stage="dev", row=row, last_error="E", at="t")
    assert recovered.last_error is None and "healthy again" in recovered.what


def test_alert_reads_back_from_a_delivered_message() -> None:
    # GIVEN an alert as SNS delivers it to a queue (attributes as Type/Value)
    alert = dead_alert(
        job="a", stage="dev", run_id="a.1", scheduled_time="s", attempts=1,
        error={"type": "E", "message": "m"}, at="2026-12-03T00:00:00Z",
    )  # fmt: skip
    attrs = {
        k: {"Type": "String", "Value": v["StringValue"]} for k, v in alert.attributes().items()
    }
    # THEN it reads back equal
    assert Alert.from_attributes(attrs, alert.body) == alert


def test_error_text_is_one_trimmed_line() -> None:
    assert error_text(None) is None
    assert error_text({"type": "E", "message": "a\n  b"}) == "E: a b"
    assert len(error_text({"type": "E", "message": "x" * 1000}) or "") == 300
