"""Target input built as EventBridge / Scheduler would build it (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from scheduler.local import targets
from scheduler.local.ticker import Trigger, build_input

WHEN = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/cronbridge-dev-report"
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cronbridge-dev-report"
TEMPLATE = (
    '{"job": "report", "trigger": "schedule", "scheduled_time": <time>, '
    '"event_id": <id>, "payload": {"n": 1}}'
)


def _event() -> dict:
    return targets.scheduled_event(
        rule_arn=RULE_ARN, when=WHEN, event_id="ev-1", account="123456789012", region="us-east-1"
    )


def test_unquoted_placeholders_become_json_strings() -> None:
    # GIVEN the rule target's InputTransformer
    text = targets.render_input_transformer(TEMPLATE, {"time": "$.time", "id": "$.id"}, _event())
    # THEN the worker gets valid JSON with the event's time and id
    assert json.loads(text) == {
        "job": "report",
        "trigger": "schedule",
        "scheduled_time": "2026-03-29T01:00:00Z",
        "event_id": "ev-1",
        "payload": {"n": 1},
    }


def test_quoted_placeholders_are_raw_text_and_missing_paths_are_null() -> None:
    template = '{"msg": "at <time> \\"<id>\\"", "gone": <nope>, "rule": "<aws.events.rule-name>"}'
    text = targets.render_input_transformer(
        template, {"time": "$.time", "id": "$.id", "nope": "$.detail.missing"}, _event()
    )
    assert json.loads(text) == {
        "msg": 'at 2026-03-29T01:00:00Z "ev-1"',
        "gone": None,
        "rule": "cronbridge-dev-report",
    }


def test_non_json_template_is_plain_text() -> None:
    text = targets.render_input_transformer("fired at <time>", {"time": "$.time"}, _event())
    assert text == "fired at 2026-03-29T01:00:00Z"


def test_scheduler_placeholders() -> None:
    # GIVEN a Scheduler target Input with context attributes inside quotes
    raw = (
        '{"scheduled_time": "<aws.scheduler.scheduled-time>", '
        '"event_id": "<aws.scheduler.execution-id>"}'
    )
    text = targets.render_scheduler_input(
        raw, scheduled_time=WHEN, execution_id="x-1", schedule_arn="arn:s"
    )
    assert json.loads(text) == {"scheduled_time": "2026-03-29T01:00:00Z", "event_id": "x-1"}


def test_build_input_for_a_rule_is_deterministic_per_slot() -> None:
    # GIVEN a deployed rule target
    trigger = Trigger(
        kind="rule",
        name="cronbridge-dev-report",
        arn=RULE_ARN,
        expression="rate(1 minute)",
        timezone="UTC",
        enabled=True,
        target_arn=FN_ARN,
        input_template=TEMPLATE,
        input_paths={"time": "$.time", "id": "$.id"},
    )
    # WHEN the same slot is built twice THEN the event id repeats (a duplicate delivery)
    one = json.loads(build_input(trigger, WHEN, account="1", region="us-east-1"))
    two = json.loads(build_input(trigger, WHEN, account="1", region="us-east-1"))
    assert one == two and one["scheduled_time"] == "2026-03-29T01:00:00Z"
    assert trigger.function_name == "cronbridge-dev-report"


def test_rule_without_input_gets_the_whole_event() -> None:
    trigger = Trigger(
        kind="rule",
        name="r",
        arn=RULE_ARN,
        expression="rate(1 minute)",
        timezone="UTC",
        enabled=True,
        target_arn=FN_ARN,
    )
    event = json.loads(build_input(trigger, WHEN, account="1", region="us-east-1"))
    assert event["detail-type"] == "Scheduled Event" and event["time"] == "2026-03-29T01:00:00Z"


def test_function_name_from_arn() -> None:
    assert targets.function_name_from_arn(FN_ARN + ":live") == "cronbridge-dev-report"
    assert targets.function_name_from_arn("arn:aws:sqs:us-east-1:1:q") is None
