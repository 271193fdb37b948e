"""`window:` (EventBridge Scheduler's FlexibleTimeWindow) and the grants that end a pause.

Catalogue checks, compiled output against a golden file, the CloudFormation export, and
IAM's verdicts (tests.iam_eval) on what a job's role may do to end its own pause. Pure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy.cloudformation import render_template
from scheduler.errors import CatalogueError
from scheduler.resources import DesiredState
from tests.conftest import REPO_ROOT
from tests.iam_eval import Request, allowed
from tests.unit.test_ci_role import ACCOUNT, REGION

GOLDEN = REPO_ROOT / "tests" / "golden" / "compiled_window_prod.json"

CATALOGUE = """\
version: 1
jobs:
  digest:
    schedule: "30 7 * * 1-5"
    timezone: Europe/Berlin
    backend: scheduler
    window: 15m
    handler: jobs.heartbeat:beat
  digest-eu:
    schedule: "0 6 1 * MON"
    backend: scheduler
    handler: jobs.heartbeat:beat
  hourly:
    schedule: "0 * * * *"
    handler: jobs.heartbeat:beat
"""


def _catalogue(tmp_path: Path, text: str) -> Path:
    shutil.copytree(REPO_ROOT / "jobs", tmp_path / "jobs")
    (tmp_path / "jobs.yaml").write_text(text)
    return tmp_path / "jobs.yaml"


def _stage(tmp_path: Path) -> DesiredState:
    catalogue = load_catalogue(_catalogue(tmp_path, CATALOGUE))
    return compile_catalogue(catalogue, "prod", account_id=ACCOUNT, region=REGION)


def test_window_compiles_to_a_flexible_time_window_golden(tmp_path: Path) -> None:
    # GIVEN a Berlin job with window: 15m WHEN compiled
    state = _stage(tmp_path)
    (schedule,) = state.jobs["digest"].schedules
    # THEN its schedule is FLEXIBLE with at most 15 minutes; the others stay OFF
    assert schedule.flexible_time_window_param == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert all(
        s.flexible_time_window_param == {"Mode": "OFF"} for s in state.jobs["digest-eu"].schedules
    )
    # AND the compiled job matches the reviewed golden file
    text = (
        json.dumps(
            dataclasses.asdict(state.jobs["digest"]), indent=2, sort_keys=True, default=sorted
        )
        + "\n"
    )
    if os.environ.get("CRONBRIDGE_UPDATE_GOLDENS") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "golden changed: rerun with CRONBRIDGE_UPDATE_GOLDENS=1"


def test_window_is_exported_to_cloudformation(tmp_path: Path) -> None:
    template = render_template(_stage(tmp_path), code_sha256="x", code_key="k")
    windows = {
        r["Properties"]["Name"]: r["Properties"]["FlexibleTimeWindow"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Scheduler::Schedule"
    }
    assert windows["cronbridge-prod-digest"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert windows["cronbridge-prod-digest-eu-1"] == {"Mode": "OFF"}


def test_a_window_does_not_change_the_fingerprint_of_jobs_without_one(tmp_path: Path) -> None:
    # The field is new: a job without a window must keep the fingerprint it was deployed
    # with, or every deployed Scheduler job would show as changed.
    state = _stage(tmp_path)
    res = state.jobs["digest-eu"]
    spec = [dataclasses.asdict(s) for s in res.schedules]
    assert all(s["maximum_window_minutes"] is None for s in spec)
    without = dataclasses.replace(res, schedules=res.schedules)
    assert without.spec_hash("x") == res.spec_hash("x")
    windowed = dataclasses.replace(
        res,
        schedules=tuple(
            dataclasses.replace(s, flexible_time_window="FLEXIBLE", maximum_window_minutes=5)
            for s in res.schedules
        ),
    )
    assert windowed.spec_hash("x") != res.spec_hash("x")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("window: 15m", "a flexible window needs EventBridge Scheduler"),
        (
            "backend: scheduler\n    window: 25h",
            "longer than EventBridge Scheduler's 1,440 minutes",
        ),
        ("backend: scheduler\n    window: 0m", "window"),
        ("backend: scheduler\n    window: 15", "window"),
    ],
)
def test_bad_windows_are_one_clear_line(tmp_path: Path, fields: str, message: str) -> None:
    text = f"""\
version: 1
jobs:
  j:
    schedule: "0 * * * *"
    handler: jobs.heartbeat:beat
    {fields}
"""
    with pytest.raises(CatalogueError) as info:
        load_catalogue(_catalogue(tmp_path, text))
    assert message in info.value.message and "window" in info.value.message
    assert "\\n" not in info.value.message


def test_one_day_is_the_longest_window(tmp_path: Path) -> None:
    text = CATALOGUE.replace("window: 15m", "window: 24h")
    job = load_catalogue(_catalogue(tmp_path, text)).jobs["digest"]
    assert job.window_minutes == 1440


def test_a_job_may_re_enable_its_own_rules_and_schedule_and_nothing_else(tmp_path: Path) -> None:
    state = _stage(tmp_path)
    digest, eu, hourly = (state.jobs[j] for j in ("digest", "digest-eu", "hourly"))

    def can(res: object, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
        statements = res.role.policy_document["Statement"]  # type: ignore[attr-defined]
        return allowed(statements, Request(action, resource, context or {}))

    rule = hourly.rules[0]
    sched = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/cronbridge-prod"
    # THEN a rules job may enable its own rule, and not disable it nor touch another's
    assert can(hourly, "events:EnableRule", rule.arn)
    assert not can(hourly, "events:DisableRule", rule.arn)
    assert not can(digest, "events:EnableRule", rule.arn)
    # AND a Scheduler job may read and update its own schedule, not another job's
    assert can(digest, "scheduler:UpdateSchedule", f"{sched}/cronbridge-prod-digest")
    assert can(digest, "scheduler:GetSchedule", f"{sched}/cronbridge-prod-digest")
    assert not can(digest, "scheduler:UpdateSchedule", f"{sched}/cronbridge-prod-digest-eu-1")
    assert can(eu, "scheduler:UpdateSchedule", f"{sched}/cronbridge-prod-digest-eu-2")
    # AND the schedule runs under the job's own role, the only role it may pass, so an
    # UpdateSchedule pointing it elsewhere could still only invoke this job's function
    assert all(s.role_arn == digest.role.arn for s in digest.schedules)
    to_scheduler = {"iam:PassedToService": "scheduler.amazonaws.com"}
    assert can(digest, "iam:PassRole", digest.role.arn, to_scheduler)
    assert not can(digest, "iam:PassRole", state.shared.scheduler_role.arn, to_scheduler)
    assert not can(digest, "lambda:InvokeFunction", eu.function.arn)
    # AND Scheduler may assume the job role for the job's schedule group and its retries only
    (_, sched_trust) = digest.role.trust_policy["Statement"]
    assert sorted(sched_trust["Condition"]["ArnEquals"]["aws:SourceArn"]) == sorted(
        [state.shared.jobs_group.arn, state.shared.retry_group.arn]
    )
