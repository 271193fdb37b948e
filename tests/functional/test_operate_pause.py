"""Pause, resume and auto-resume against moto, on a stage deployed by the real deploy code.

The expiry's one-time schedule is delivered to the real worker entry (trigger ``resume``)
as Lambda would run it, and, separately, fired by the local simulator's ticker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.cli.local import deploy_catalogue
from scheduler.errors import CronbridgeError
from scheduler.local.simenv import catalogue_on_path
from scheduler.local.simulate import Simulation
from scheduler.operate.pause import PauseRequest, pause_job, paused, resume_job
from scheduler.operate.pauses import PauseStore
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.conftest import write_project

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
RETRIES = "cronbridge-dev-retries"

CATALOGUE = """\
version: 1
jobs:
  hourly:
    schedule: "0 * * * *"
    handler: pjobs.handlers:ok
  both-days:
    schedule: "0 6 1 * MON"
    handler: pjobs.handlers:ok
  berlin:
    schedule: "30 7 * * *"
    timezone: Europe/Berlin
    backend: scheduler
    handler: pjobs.handlers:ok
    payload: {a: 1}
  dormant:
    schedule: "0 3 * * *"
    handler: pjobs.handlers:ok
    enabled: false
"""


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[AwsClients, Path]]:
    write_project(tmp_path, CATALOGUE, "pjobs", "def ok(payload, ctx):\n    return 1\n")
    catalogue = load_catalogue(tmp_path / "jobs.yaml")
    with catalogue_on_path(tmp_path, {"pjobs"}), mock_aws():
        clients = AwsClients(region="us-east-1")
        deploy_catalogue(catalogue, "dev", clients)
        yield clients, tmp_path


def rule_states(clients: AwsClients) -> dict[str, str]:
    rules = clients.client("events").list_rules(NamePrefix="cronbridge-dev-")["Rules"]
    return {r["Name"]: r["State"] for r in rules}


def schedule(clients: AwsClients, name: str = "cronbridge-dev-berlin") -> dict[str, Any]:
    got = clients.client("scheduler").get_schedule(GroupName="cronbridge-dev", Name=name)
    return {k: v for k, v in got.items() if k not in ("ResponseMetadata", "LastModificationDate")}


def test_pause_disables_both_rules_records_who_why_and_arms_the_resume(deployed) -> None:
    clients, _ = deployed
    until = NOW + timedelta(hours=2)
    # WHEN a job with two rules (day-of-month OR day-of-week) is paused for two hours
    pause = pause_job(
        clients, "cronbridge", "dev", PauseRequest("both-days", "db migration", until, NOW)
    )
    # THEN both its rules are DISABLED and no other rule changed
    states = rule_states(clients)
    assert states["cronbridge-dev-both-days-1"] == "DISABLED"
    assert states["cronbridge-dev-both-days-2"] == "DISABLED"
    assert states["cronbridge-dev-hourly"] == "ENABLED"
    # AND the pause is recorded with the caller's ARN, the reason and the expiry
    stored = PauseStore(clients.client("dynamodb"), "cronbridge-dev-runs").get("both-days")
    assert stored is not None and stored.reason == "db migration"
    assert stored.by.startswith("arn:aws:") and stored.until == "2026-12-03T10:00:00Z"
    assert stored.rules == ["cronbridge-dev-both-days-1", "cronbridge-dev-both-days-2"]
    assert set(paused(clients, "cronbridge", "dev")) == {"both-days"}
    # AND a one-time schedule delivers the resume to the job's own function at the expiry
    resume = clients.client("scheduler").get_schedule(GroupName=RETRIES, Name=pause.resume_schedule)
    assert resume["ScheduleExpression"] == "at(2026-12-03T10:00:00)"
    assert resume["ActionAfterCompletion"] == "DELETE"
    assert resume["Target"]["Arn"].endswith(":function:cronbridge-dev-both-days")
    assert resume["Target"]["RoleArn"].endswith("/cronbridge-dev-both-days-job")
    assert json.loads(resume["Target"]["Input"]) == {
        "job": "both-days",
        "trigger": "resume",
        "pause_id": pause.pause_id,
    }


def test_pausing_a_scheduler_job_keeps_every_other_field_of_its_schedule(deployed) -> None:
    clients, _ = deployed
    before = schedule(clients)
    # WHEN the Scheduler-backed job is paused and resumed
    pause_job(clients, "cronbridge", "dev", PauseRequest("berlin", "holiday", None, NOW))
    during = schedule(clients)
    resume_job(clients, "cronbridge", "dev", "berlin", NOW + timedelta(hours=1))
    after = schedule(clients)
    # THEN only State changed (UpdateSchedule resets any field left out), then came back
    assert during["State"] == "DISABLED"
    assert {**during, "State": before["State"]} == before
    assert after == before
    assert paused(clients, "cronbridge", "dev") == {}


def test_resume_turns_on_only_what_the_pause_turned_off(deployed) -> None:
    clients, _ = deployed
    # GIVEN a job deployed with enabled: false, and an enabled one, both paused
    for job in ("dormant", "hourly"):
        pause_job(
            clients, "cronbridge", "dev", PauseRequest(job, "x", NOW + timedelta(days=1), NOW)
        )
    # WHEN both are resumed by hand
    for job in ("dormant", "hourly"):
        resume_job(clients, "cronbridge", "dev", job, NOW)
    # THEN the disabled job stays DISABLED, the other runs again, expiry schedules are gone
    states = rule_states(clients)
    assert states["cronbridge-dev-dormant"] == "DISABLED"
    assert states["cronbridge-dev-hourly"] == "ENABLED"
    assert clients.client("scheduler").list_schedules(GroupName=RETRIES)["Schedules"] == []
    stored = PauseStore(clients.client("dynamodb"), "cronbridge-dev-runs").get("hourly")
    assert stored is not None and stored.resumed_at == "2026-12-03T08:00:00Z"


def test_pausing_again_keeps_what_the_first_pause_turned_off(deployed) -> None:
    clients, _ = deployed
    first = pause_job(
        clients, "cronbridge", "dev", PauseRequest("hourly", "a", NOW + timedelta(hours=1), NOW)
    )
    # WHEN the paused job is paused again with a new reason and expiry
    second = pause_job(
        clients, "cronbridge", "dev", PauseRequest("hourly", "b", NOW + timedelta(hours=5), NOW)
    )
    # THEN the rule is still listed (so resume turns it on), and only the new expiry is armed
    assert second.rules == first.rules == ["cronbridge-dev-hourly"]
    names = [
        s["Name"]
        for s in clients.client("scheduler").list_schedules(GroupName=RETRIES)["Schedules"]
    ]
    assert names == [second.resume_schedule]


def test_bad_pauses_change_nothing(deployed) -> None:
    clients, _ = deployed
    # WHEN a job that is not deployed is paused, or a job not paused is resumed
    with pytest.raises(CronbridgeError, match="not deployed on stage dev"):
        pause_job(clients, "cronbridge", "dev", PauseRequest("ghost", "x", None, NOW))
    with pytest.raises(CronbridgeError, match="is not paused"):
        resume_job(clients, "cronbridge", "dev", "hourly", NOW)
    # THEN nothing was recorded or switched off
    assert paused(clients, "cronbridge", "dev") == {}
    assert set(rule_states(clients).values()) == {"ENABLED", "DISABLED"}
    assert rule_states(clients)["cronbridge-dev-hourly"] == "ENABLED"


def _worker(clients: AwsClients, job: str, now: datetime) -> Any:
    config = clients.client("lambda").get_function_configuration(
        FunctionName=f"cronbridge-dev-{job}"
    )
    env = dict(config["Environment"]["Variables"])

    class Fixed:
        def now(self) -> datetime:
            return now

        def sleep(self, seconds: float) -> None:
            return None

        def start_timer(self, seconds: float, callback: Any) -> Any:
            raise AssertionError("a resume runs no handler")

    return build_runtime(env, clients=clients, clock=Fixed(), metrics=NullMetrics())


def test_the_expiry_delivery_resumes_the_job_in_the_worker(deployed) -> None:
    clients, _ = deployed
    until = NOW + timedelta(hours=2)
    pause = pause_job(clients, "cronbridge", "dev", PauseRequest("berlin", "x", until, NOW))
    delivered = json.loads(
        clients.client("scheduler").get_schedule(GroupName=RETRIES, Name=pause.resume_schedule)[
            "Target"
        ]["Input"]
    )
    # WHEN that input reaches the job's function early (an hour before the expiry)
    early = _worker(clients, "berlin", NOW + timedelta(hours=1)).handle(delivered, None)
    # THEN the job stays paused
    assert early["status"] == "STILL_PAUSED" and schedule(clients)["State"] == "DISABLED"
    # WHEN it arrives at the expiry (Scheduler's at() fires within the minute)
    done = _worker(clients, "berlin", until + timedelta(seconds=20)).handle(delivered, None)
    # THEN the schedule is ENABLED again and the pause is over; a repeat delivery is a no-op
    assert done["status"] == "RESUMED" and schedule(clients)["State"] == "ENABLED"
    assert paused(clients, "cronbridge", "dev") == {}
    again = _worker(clients, "berlin", until + timedelta(seconds=30)).handle(delivered, None)
    assert again["status"] == "NOT_PAUSED"


def test_an_old_expiry_does_not_end_a_newer_pause(deployed) -> None:
    clients, _ = deployed
    first = pause_job(
        clients, "cronbridge", "dev", PauseRequest("hourly", "a", NOW + timedelta(hours=1), NOW)
    )
    pause_job(clients, "cronbridge", "dev", PauseRequest("hourly", "b", None, NOW))
    # WHEN the first pause's resume is delivered after its time (it had been armed before)
    stale = {"job": "hourly", "trigger": "resume", "pause_id": first.pause_id}
    out = _worker(clients, "hourly", NOW + timedelta(hours=2)).handle(stale, None)
    # THEN the newer pause holds
    assert out["status"] == "NOT_PAUSED"
    assert rule_states(clients)["cronbridge-dev-hourly"] == "DISABLED"


def test_local_simulate_fires_the_expiry_and_the_job_runs_again(deployed) -> None:
    clients, _ = deployed
    # GIVEN hourly paused at 08:00 until 10:00
    pause_job(
        clients, "cronbridge", "dev", PauseRequest("hourly", "x", NOW + timedelta(hours=2), NOW)
    )
    # WHEN 08:00..12:00 is simulated on the deployed emulator state
    sim = Simulation(
        clients,
        prefix="cronbridge",
        stage="dev",
        start=NOW + timedelta(minutes=1),
        end=NOW + timedelta(hours=4),
    )
    result = sim.run()
    # THEN 09:00 does not run; the expiry fires at 10:00:00, before that minute's slot is
    # looked at again (on AWS both fall somewhere in that minute), and 11:00 runs
    slots = sorted({r.scheduled_for for r in result.rows if r.job == "hourly"})
    assert slots == ["2026-12-03T11:00:00Z"]
    assert all(r.trigger != "resume" for r in result.rows)  # the expiry is not a run
    assert paused(clients, "cronbridge", "dev") == {}
