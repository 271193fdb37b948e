"""What a person reads in a plan, against in-process moto: first deploy, a policy change,
destroy grouped by job."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scheduler import contract
from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import apply_catalogue, plan_catalogue
from scheduler.deploy.ops import Plan
from scheduler.deploy.render import render_json, render_text

REPO = Path(__file__).resolve().parents[2]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("scheduler/__init__.py", "")
    return buf.getvalue()


CODE = _zip()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "jobs", tmp_path / "jobs")
    shutil.copy(REPO / "jobs.yaml", tmp_path / "jobs.yaml")
    return tmp_path


@pytest.fixture
def clients() -> Iterator[AwsClients]:
    with mock_aws():
        yield AwsClients(region="us-east-1")


def _plan(folder: Path, clients: AwsClients, **kw: Any) -> Plan:
    cat = load_catalogue(folder / "jobs.yaml")
    return plan_catalogue(cat, "dev", clients, layers=(), code=CODE, **kw).plan


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


def test_first_deploy_counts_no_updates(folder: Path, clients: AwsClients) -> None:
    # GIVEN an empty account WHEN the sample is planned
    plan = _plan(folder, clients)
    text = render_text(plan)
    # THEN nothing is "to update" (the tag stamp of each new function is part of its create)
    assert "0 to update" in text
    assert contract.TAG_SPEC_HASH not in text and "function tags" not in text
    # AND the JSON keeps those tag writes, marked as bookkeeping
    tags = [op for op in render_json(plan)["operations"] if op["op"] == "TagFunction"]
    assert tags and all(op["bookkeeping"] for op in tags)


def test_a_policy_change_after_deploy_is_a_json_diff(folder: Path, clients: AwsClients) -> None:
    # GIVEN the sample deployed, then heartbeat given an ssm: secret (its role may read it)
    cat = load_catalogue(folder / "jobs.yaml")
    apply_catalogue(cat, "dev", clients, layers=(), code=CODE)
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


def test_destroy_groups_schedules_under_their_job(folder: Path, clients: AwsClients) -> None:
    # GIVEN a deployed stage with a pending retry of heartbeat (as the worker makes it)
    cat = load_catalogue(folder / "jobs.yaml")
    apply_catalogue(cat, "dev", clients, layers=(), code=CODE)
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
