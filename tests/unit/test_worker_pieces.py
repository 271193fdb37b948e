"""Pure worker pieces: retry settings, input parsing, retry naming, ctx, the testing helper."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.testing import invoke, make_context
from scheduler.worker.config import RetrySettings, WorkerConfig
from scheduler.worker.retry import at_expression, queue_arn_from_url, retry_schedule_name
from scheduler.worker.runtime import InvalidInputError, WorkerInput, result_summary

EVENTS = Path(__file__).resolve().parents[1] / "events"
NOW = datetime(2026, 3, 29, 1, 0, 5, tzinfo=UTC)


def test_backoff_matches_the_catalogue_formula() -> None:
    policy = RetrySettings.from_json('{"retries":5,"delay":30,"backoff":2.0,"max_delay":100}')
    assert [policy.delay_before(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert RetrySettings.from_json(None).retries == 0


def test_config_from_env_requires_the_contract_variables() -> None:
    from scheduler.errors import CronbridgeError

    with pytest.raises(CronbridgeError, match="CRONBRIDGE_TABLE"):
        WorkerConfig.from_env({"CRONBRIDGE_JOB": "a", "CRONBRIDGE_HANDLER": "m:f"})
    cfg = WorkerConfig.from_env(
        {
            "CRONBRIDGE_JOB": "a",
            "CRONBRIDGE_HANDLER": "m:f",
            "CRONBRIDGE_TABLE": "t",
            "CRONBRIDGE_TIMEOUT": "30",
            "CRONBRIDGE_RETRY": '{"retries": 3}',
        }
    )
    assert cfg.timeout == 30 and cfg.retry.retries == 3 and cfg.overlap == "skip"


def test_worker_input_parses_the_canned_events() -> None:
    rule = WorkerInput.parse(json.loads((EVENTS / "schedule_rule.json").read_text()), NOW)
    assert rule.trigger == "schedule" and rule.scheduled_time.minute == 0
    retry = WorkerInput.parse(json.loads((EVENTS / "retry_input.json").read_text()), NOW)
    assert retry.attempt == 2 and retry.run_id == "nightly-report.20260329T010000Z"


@pytest.mark.parametrize(
    "event",
    [
        {"trigger": "cron"},
        {"payload": [1]},
        {"scheduled_time": "yesterday"},
        {"trigger": "retry", "attempt": 1, "run_id": "x.20260101T000000Z"},
    ],
)
def test_worker_input_rejects_garbage(event: dict) -> None:
    with pytest.raises(InvalidInputError):
        WorkerInput.parse(event, NOW)


def test_retry_schedule_naming_and_time() -> None:
    name = retry_schedule_name("nightly", 2, "nightly.20260329T010000Z")
    # <job>.<attempt>.<8 hex>: the job's IAM policy allows schedule/<group>/nightly.* only
    assert name.startswith("nightly.2.") and len(name.split(".")[-1]) == 8
    assert (
        at_expression(datetime(2026, 3, 29, 1, 0, 30, 1, tzinfo=UTC)) == "at(2026-03-29T01:00:31)"
    )
    arn = queue_arn_from_url(
        "https://sqs.us-east-1.amazonaws.com/123456789012/cronbridge-dev-dead-letter",
        "arn:aws:lambda:us-east-1:123456789012:function:cronbridge-dev-x",
    )
    assert arn == "arn:aws:sqs:us-east-1:123456789012:cronbridge-dev-dead-letter"


def test_result_summary_is_small_json() -> None:
    assert result_summary({"a": 1}) == {"a": 1}
    assert result_summary(None) is None
    big = result_summary({"blob": "x" * 10_000})
    assert big["truncated"] is True and len(big["preview"]) <= 4_000
    assert result_summary(float("nan")) == "nan"
    assert result_summary({1, 2}) == "{1, 2}"


def test_testing_helper_gives_handlers_a_real_context() -> None:
    # GIVEN a handler using the ctx like a job would
    def handler(payload: dict, ctx) -> dict:
        ctx.logger.info("working")
        return {
            "job": ctx.job,
            "attempt": ctx.attempt,
            "left": ctx.remaining_time(),
            "payload": payload,
        }

    # WHEN invoked through the helper THEN it sees the given identity and time budget
    out = invoke(handler, {"x": 1}, job="nightly", attempt=3, timeout=5)
    assert out["job"] == "nightly" and out["attempt"] == 3 and 0 < out["left"] <= 5
    ctx = make_context(trigger="schedule", scheduled_time=NOW, job="nightly")
    assert ctx.run_id == "nightly.20260329T010000Z" and ctx.remaining_time_ms() > 0


def test_testing_helper_imports_handler_paths() -> None:
    # A "module:function" path is imported like the worker does; errors propagate.
    with pytest.raises(ImportError):
        invoke("no_such_module_xyz:fn")
    with pytest.raises(ImportError, match="must look like"):
        invoke("no-colon")
