"""plan and deploy leave a paused job paused; `deploy --resume-paused` ends the pause.

Against moto, with the real deploy engine, and the CI roles checked against every call a
resuming deploy makes (tests/functional/test_ci_role_calls.py's recorder).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cfnlint.decode import decode_str
from moto import mock_aws

from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import apply_catalogue, apply_plan, plan_catalogue
from scheduler.operate.pause import PauseRequest, pause_job, paused
from tests.conftest import write_project
from tests.functional.test_ci_role_calls import RecordingClients
from tests.unit.test_ci_role import CI_ROLE, allowed_actions, statements

NOW = datetime.now(UTC).replace(microsecond=0)

CATALOGUE = """\
version: 1
jobs:
  hourly:
    schedule: "0 * * * *"
    handler: pjobs.handlers:ok
    timeout: 60
  berlin:
    schedule: "30 7 * * *"
    timezone: Europe/Berlin
    backend: scheduler
    window: 10m
    handler: pjobs.handlers:ok
  other:
    schedule: "0 3 * * *"
    handler: pjobs.handlers:ok
"""


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[tuple[RecordingClients, Path]]:
    write_project(tmp_path, CATALOGUE, "pjobs", "def ok(payload, ctx):\n    return 1\n")
    with mock_aws():
        clients = RecordingClients()
        apply_catalogue(load_catalogue(tmp_path / "jobs.yaml"), "dev", clients, layers=())
        clients.take()
        yield clients, tmp_path / "jobs.yaml"


def _states(clients: RecordingClients) -> dict[str, str]:
    rules = clients.client("events").list_rules(NamePrefix="cronbridge-dev-")["Rules"]
    out = {r["Name"]: r["State"] for r in rules}
    got = clients.client("scheduler").get_schedule(
        GroupName="cronbridge-dev", Name="cronbridge-dev-berlin"
    )
    out["cronbridge-dev-berlin"] = got["State"]
    out["window"] = str(got["FlexibleTimeWindow"])
    return out


def _pause_two(clients: RecordingClients) -> None:
    for job in ("hourly", "berlin"):
        until = NOW + timedelta(days=1)
        pause_job(clients, "cronbridge", "dev", PauseRequest(job, "migration", until, NOW))


def test_the_window_is_deployed(stage) -> None:
    clients, _ = stage
    assert _states(clients)["window"] == str({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})


def test_plan_and_deploy_leave_paused_jobs_paused(stage) -> None:
    clients, path = stage
    _pause_two(clients)
    # WHEN planning with nothing else changed
    ctx = plan_catalogue(load_catalogue(path), "dev", clients, layers=())
    # THEN nothing is planned, and the plan says both jobs are paused and stay so
    assert ctx.plan.ops == ()
    assert any("job hourly is paused until" in n and "left paused" in n for n in ctx.plan.notes)
    assert any("job berlin is paused" in n for n in ctx.plan.notes)
    # WHEN a paused job changes (timeout) and the stage is deployed, even with --refresh
    path.write_text(CATALOGUE.replace("timeout: 60", "timeout: 90"))
    apply_catalogue(load_catalogue(path), "dev", clients, layers=(), refresh=True)
    # THEN the change is applied and the job stays paused
    fn = clients.client("lambda").get_function_configuration(FunctionName="cronbridge-dev-hourly")
    assert fn["Timeout"] == 90
    states = _states(clients)
    assert states["cronbridge-dev-hourly"] == "DISABLED"
    assert states["cronbridge-dev-berlin"] == "DISABLED"
    assert states["cronbridge-dev-other"] == "ENABLED"
    assert set(paused(clients, "cronbridge", "dev")) == {"hourly", "berlin"}
    # AND a refreshed plan still finds nothing to do
    again = plan_catalogue(load_catalogue(path), "dev", clients, layers=(), refresh=True)
    assert again.plan.ops == ()


def test_resume_paused_turns_them_on_and_ends_the_pauses_within_the_ci_role(stage) -> None:
    clients, path = stage
    _pause_two(clients)
    clients.take()
    template, _ = decode_str(CI_ROLE.read_text())
    deploy_allowed = allowed_actions(statements(dict(template), "DeployRole"))
    # WHEN deploying with --resume-paused
    ctx = plan_catalogue(load_catalogue(path), "dev", clients, layers=(), resume_paused=True)
    assert {(op.kind, op.resource) for op in ctx.plan.ops} >= {
        ("rule", "cronbridge-dev-hourly"),
        ("schedule", "cronbridge-dev/cronbridge-dev-berlin"),
    }
    apply_plan(ctx, clients)
    made = clients.take()
    # THEN both run again, the pauses are over and their expiry schedules gone
    states = _states(clients)
    assert states["cronbridge-dev-hourly"] == "ENABLED"
    assert states["cronbridge-dev-berlin"] == "ENABLED"
    assert paused(clients, "cronbridge", "dev") == {}
    retries = clients.client("scheduler").list_schedules(GroupName="cronbridge-dev-retries")
    assert retries["Schedules"] == []
    # AND the CI deploy role allows every call that plan and apply made
    assert {"dynamodb:Query", "dynamodb:UpdateItem", "scheduler:DeleteSchedule"} <= made
    assert sorted(made - deploy_allowed) == []
    # AND the next plan has nothing to do
    assert plan_catalogue(load_catalogue(path), "dev", clients, layers=()).plan.ops == ()
