"""`cronbridge dlq` end to end on a rule's undelivered scheduled event, against moto.

A rule target's dead-letter queue gets the original scheduled event (not the transformed
input) with RULE_ARN / TARGET_ARN attributes (tests/events/dlq_eventbridge_target.json).
`dlq list` must name its job and slot, and `dlq redrive` must deliver it again as that
slot's scheduled run: run once if the slot never ran, never twice if it did. The rules
are the compiled ones; moto has no Lambda, so the injected invoker hands the worker input
to the real worker runtime in-process (as tests/e2e/test_run_verbs.py does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.catalogue import load_catalogue
from scheduler.cli.main import main
from scheduler.compile import compile_catalogue
from tests.conftest import write_project
from tests.e2e.conftest import cli_json
from tests.functional.conftest import ACCOUNT, REGION, STAGE, Stack
from tests.functional.inprocess import WorkerInvoker, worker_stage

EVENTS = Path(__file__).resolve().parents[1] / "events"
CATALOGUE = """\
version: 1
prefix: cronbridge
jobs:
  nightly-report:
    schedule: "0 1 * * *"
    handler: dlqjobs.handlers:report
    payload: {region: eu, note: "<b>sales</b>"}
    retries: 0
  month-end:
    schedule: "0 6 1 * MON"
    handler: dlqjobs.handlers:report
    payload: {books: close}
    retries: 0
"""
HANDLERS = """\
def report(payload, ctx):
    return {"echo": payload, "job": ctx.job, "trigger": ctx.trigger}
"""


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Stack, Path, WorkerInvoker]]:
    write_project(tmp_path, CATALOGUE, "dlqjobs", HANDLERS)
    with worker_stage(tmp_path, "dlqjobs") as (stack, invoker):
        _deploy_rules(stack, tmp_path)
        yield stack, tmp_path, invoker


def _deploy_rules(stack: Stack, root: Path) -> None:
    """Each compiled rule and its worker target, with the arguments deploy uses."""
    state = compile_catalogue(
        load_catalogue(root / "jobs.yaml"), STAGE, account_id=ACCOUNT, region=REGION, layers=()
    )
    events = stack.clients.client("events")
    for res in state.jobs.values():
        for rule in res.rules:
            events.put_rule(Name=rule.name, ScheduleExpression=rule.schedule_expression)
            t = rule.target
            events.put_targets(
                Rule=rule.name,
                Targets=[
                    {
                        "Id": t.target_id,
                        "Arn": t.arn,
                        "InputTransformer": {
                            "InputPathsMap": t.input_paths,
                            "InputTemplate": t.input_template,
                        },
                        "DeadLetterConfig": {"Arn": stack.dlq_arn},
                    }
                ],
            )


def undelivered(stack: Stack, rule: str, job: str, when: str, event_id: str) -> None:
    """What EventBridge puts in the target's DLQ when it cannot invoke the function."""
    doc = json.loads((EVENTS / "dlq_eventbridge_target.json").read_text())
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"
    doc["body"].update(time=when, id=event_id, resources=[rule_arn])
    doc["attributes"].update(
        RULE_ARN=rule_arn,
        TARGET_ARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:cronbridge-{STAGE}-{job}",
    )
    stack.sqs.send_message(
        QueueUrl=stack.dlq_url,
        MessageBody=json.dumps(doc["body"]),
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in doc["attributes"].items()
        },
    )


def test_undelivered_slot_lists_with_its_job_and_redrives_as_that_slot(platform, capsys):
    stack, root, invoker = platform
    # GIVEN the 01:00 slot of nightly-report that EventBridge could not deliver
    undelivered(stack, "cronbridge-test-nightly-report", "nightly-report",
                "2026-03-29T01:00:00Z", "ev-1")  # fmt: skip
    # WHEN listed THEN the raw event decodes to its job and slot
    code, letters = cli_json(capsys, root, "dlq", "list")
    assert code == 0
    [letter] = letters
    assert letter["kind"] == "delivery-failure" and letter["job"] == "nightly-report"
    assert letter["scheduled_time"] == "2026-03-29T01:00:00Z"
    assert letter["error"]["type"] == "NO_PERMISSIONS"
    # WHEN redriven
    code, started = cli_json(capsys, root, "dlq", "redrive", letter["message_id"])
    # THEN the slot's own scheduled run started and the message is gone
    assert code == 0
    assert started == [
        {
            "message_id": letter["message_id"],
            "job": "nightly-report",
            "run_id": "nightly-report.20260329T010000Z",
            "redrive_of": None,
        }
    ]
    assert cli_json(capsys, root, "dlq", "list")[1] == []
    # AND the handler ran once, as the schedule trigger, with the deployed payload
    assert [a["status"] for a in invoker.answers] == ["SUCCEEDED"]
    code, run = cli_json(capsys, root, "show", "nightly-report.20260329T010000Z")
    assert code == 0 and run["status"] == "SUCCEEDED" and run["trigger"] == "schedule"
    assert run["scheduled_for"] == "2026-03-29T01:00:00Z" and len(run["attempts"]) == 1
    assert run["result"] == {
        "echo": {"region": "eu", "note": "<b>sales</b>"},
        "job": "nightly-report",
        "trigger": "schedule",
    }


def test_redriving_a_slot_that_already_ran_does_not_run_it_again(platform, capsys):
    stack, root, invoker = platform
    # GIVEN a slot that ran (one delivery made it) and a second delivery that did not
    undelivered(stack, "cronbridge-test-nightly-report", "nightly-report",
                "2026-03-29T01:00:00Z", "ev-1")  # fmt: skip
    assert cli_json(capsys, root, "dlq", "redrive", "--all")[0] == 0
    assert [a["status"] for a in invoker.answers] == ["SUCCEEDED"]
    undelivered(stack, "cronbridge-test-nightly-report", "nightly-report",
                "2026-03-29T01:00:02Z", "ev-1")  # fmt: skip
    # WHEN the second one is redriven
    code, started = cli_json(capsys, root, "dlq", "redrive", "--all")
    # THEN it is handed to the worker as the same slot, which ignores it as a duplicate
    assert code == 0 and started[0]["run_id"] == "nightly-report.20260329T010000Z"
    assert [a["status"] for a in invoker.answers] == ["SUCCEEDED", "DUPLICATE"]
    code, run = cli_json(capsys, root, "show", "nightly-report.20260329T010000Z")
    assert run["status"] == "SUCCEEDED" and len(run["attempts"]) == 1
    assert cli_json(capsys, root, "dlq", "list")[1] == []


def test_second_rule_of_a_two_rule_job(platform, capsys):
    stack, root, invoker = platform
    # GIVEN month-end (1st of the month OR Mondays: two rules) missed its Monday rule
    undelivered(stack, "cronbridge-test-month-end-2", "month-end",
                "2026-06-08T06:00:00Z", "ev-9")  # fmt: skip
    # WHEN redriven THEN month-end's slot ran with month-end's payload
    code, started = cli_json(capsys, root, "dlq", "redrive", "--all")
    assert code == 0 and started[0]["run_id"] == "month-end.20260608T060000Z"
    code, run = cli_json(capsys, root, "show", "month-end.20260608T060000Z")
    assert run["status"] == "SUCCEEDED" and run["result"]["echo"] == {"books": "close"}
    assert [a["status"] for a in invoker.answers] == ["SUCCEEDED"]


def test_rule_gone_and_no_catalogue_job_is_one_clear_error(platform, capsys):
    stack, root, invoker = platform
    # GIVEN an undelivered event of a rule that no longer exists, for a job jobs.yaml lacks
    undelivered(stack, "cronbridge-test-old-job", "old-job", "2026-03-29T01:00:00Z", "ev-3")
    # WHEN redriven
    capsys.readouterr()
    code = main(["dlq", "redrive", "--all", "-f", str(root / "jobs.yaml"), "--stage", STAGE,
                 "--region", REGION])  # fmt: skip
    err = capsys.readouterr().err
    # THEN one error line and a hint, exit 1, nothing ran and the message stays
    assert code == 1 and "Traceback" not in err
    assert "cronbridge-test-old-job" in err and "cannot be rebuilt" in err and "hint:" in err
    assert invoker.answers == []
    [letter] = cli_json(capsys, root, "dlq", "list")[1]
    assert letter["job"] == "old-job"
