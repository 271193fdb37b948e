"""What a person reads in a plan, against in-process moto: first deploy, a policy change,
destroy grouped by job."""

from __future__ import annotations

from pathlib import Path

import boto3

from scheduler import contract
from scheduler.deploy.render import render_json, render_text
from tests.functional.deploying import Recorder, deploy
from tests.functional.deploying import plan as _plan


def _groups(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            out[current] = []
        elif line.startswith("  ") and current:
            out[current].append(line.strip())
    return out


def test_first_deploy_counts_no_updates(folder: Path, clients: Recorder) -> None:
    # GIVEN an empty account WHEN the sample is planned
    plan = _plan(folder, clients)
    text = render_text(plan)
    # THEN nothing is "to update" (the tag stamp of each new function is part of its create)
    assert "0 to update" in text
    assert contract.TAG_SPEC_HASH not in text and "function tags" not in text
    # AND the JSON keeps those tag writes, marked as bookkeeping
    tags = [op for op in render_json(plan)["operations"] if op["op"] == "TagFunction"]
    assert tags and all(op["bookkeeping"] for op in tags)


def test_a_policy_change_after_deploy_is_a_json_diff(folder: Path, clients: Recorder) -> None:
    # GIVEN the sample deployed, then heartbeat given an ssm: secret (its role may read it)
    deploy(folder, clients)
    path = folder / "jobs.yaml"
    text = path.read_text()
    assert "  heartbeat:\n" in text
    path.write_text(
        text.replace("  heartbeat:\n", '  heartbeat:\n    env: {DB_PASSWORD: "ssm:/hb/pw"}\n', 1)
    )
    # WHEN planned
    rendered = render_text(_plan(folder, clients))
    groups = _groups(rendered)
    # THEN the role's policy is shown as indented JSON with the new grant as + lines
    assert "~ role cronbridge-dev-heartbeat-job" in groups["heartbeat"]
    assert "policy_document:" in groups["heartbeat"]
    added = [line for line in groups["heartbeat"] if line.startswith("+ ")]
    assert any("ssm:GetParameter" in line for line in added), rendered
    assert "{'" not in rendered and contract.TAG_SPEC_HASH not in rendered


def test_destroy_groups_schedules_under_their_job(folder: Path, clients: Recorder) -> None:
    # GIVEN a deployed stage with a pending retry of heartbeat (as the worker makes it)
    deploy(folder, clients)
    boto3.client("scheduler").create_schedule(
        Name="heartbeat.2.0123abcd",
        GroupName="cronbridge-dev-retries",
        ScheduleExpression="at(2030-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Description=f"{contract.RETRY_DESCRIPTION_PREFIX}heartbeat.20300101T000000Z",
        Target={
            "Arn": "arn:aws:lambda:us-east-1:123456789012:function:cronbridge-dev-heartbeat",
            "RoleArn": "arn:aws:iam::123456789012:role/cronbridge/cronbridge/dev/"
            "cronbridge-dev-heartbeat-job",
            "Input": '{"job": "heartbeat"}',
        },
    )
    # WHEN destroy is planned
    groups = _groups(render_text(_plan(folder, clients, destroy=True)))
    # THEN each schedule is listed under its job's name, not its function's
    assert "- schedule cronbridge-dev-retries/heartbeat.2.0123abcd" in groups["heartbeat"]
    assert (
        "- schedule cronbridge-dev/cronbridge-dev-berlin-opening-digest"
        in groups["berlin-opening-digest"]
    )
    assert not any(name.startswith("cronbridge-dev-") for name in groups)
