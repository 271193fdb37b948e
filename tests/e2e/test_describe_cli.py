"""``cronbridge describe JOB`` through the real CLI against a moto server: catalogue vs
deployed, not deployed, unknown job, and the last runs the real worker recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.awsclients import AwsClients
from scheduler.cli.main import main
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.conftest import copy_sample


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return copy_sample(tmp_path)


def _deliver(endpoint: str, job: str, when: str) -> None:
    """One scheduled slot through the real worker, with the env deploy gave the function."""
    clients = AwsClients(region="us-east-1", endpoint_url=endpoint)
    config = clients.client("lambda").get_function_configuration(
        FunctionName=f"cronbridge-dev-{job}"
    )
    runtime = build_runtime(
        config["Environment"]["Variables"], clients=clients, metrics=NullMetrics()
    )
    runtime.handle({"job": job, "trigger": "schedule", "scheduled_time": when, "payload": {}})


def test_describe_catalogue_deployed_and_runs(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # GIVEN nothing deployed WHEN a job is described
    assert main(["describe", "nightly-report", *aws, "--now", "2026-12-03T07:00:00Z"]) == 0
    out = capsys.readouterr().out
    # THEN it says so, and still shows the catalogue's side, the schedule and next fires
    assert "not deployed to stage dev" in out
    assert "when: At 02:00, every day (UTC)" in out
    assert "cron(0 2 * * ? *)" in out and "(not deployed)" in out
    assert "next fires (per the catalogue, UTC):\n  2026-12-04T02:00:00Z" in out
    # GIVEN the stage deployed and two slots of heartbeat run by the worker
    assert main(["deploy", *aws, "--yes"]) == 0
    capsys.readouterr()
    _deliver(moto_endpoint, "heartbeat", "2026-12-03T06:58:00Z")
    _deliver(moto_endpoint, "heartbeat", "2026-12-03T06:59:00Z")
    # WHEN described as JSON
    code = main(["describe", "heartbeat", *aws, "--json", "--now", "2026-12-03T07:00:30Z"])
    data = json.loads(capsys.readouterr().out)
    # THEN both sides agree, the next fires come from the deployed rule, the runs are there
    assert code == 0 and data["deployed"] is True and data["differences"] == []
    assert data["deployed_config"]["function"].endswith(":function:cronbridge-dev-heartbeat")
    assert data["deployed_config"]["role"].endswith("/cronbridge-dev-heartbeat-job")
    assert data["catalogue_config"]["expressions"] == data["deployed_config"]["expressions"]
    assert data["next_fires"][:2] == ["2026-12-03T07:01:00Z", "2026-12-03T07:02:00Z"]
    assert [r["status"] for r in data["last_runs"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert data["last_runs"][0]["scheduled_for"] == "2026-12-03T06:59:00Z"
    # AND as text: the side-by-side table, plain English and the runs table
    assert main(["describe", "heartbeat", *aws]) == 0
    text = capsys.readouterr().out
    assert "when: Every minute (UTC)" in text
    assert "  timeout   10 s" in text and "heartbeat.20261203T0659" in text
    # WHEN the job is paused with a reason THEN describe says so; DISABLED is not drift
    assert main(["pause", "heartbeat", "--reason", "partner maintenance", *aws]) == 0
    capsys.readouterr()
    assert main(["describe", "heartbeat", *aws, "--json"]) == 0
    paused = json.loads(capsys.readouterr().out)
    assert paused["deployed_config"]["state"] == "DISABLED" and paused["differences"] == []
    assert paused["pause"]["reason"] == "partner maintenance" and paused["next_fires"] == []
    assert main(["describe", "heartbeat", *aws]) == 0
    text = capsys.readouterr().out
    assert "partner maintenance (until `cronbridge resume`)" in text
    assert "none (paused)" in text


def test_describe_unknown_job_names_the_nearest(
    catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a typo WHEN described THEN exit 1 with the near name, before any AWS call
    code = main(
        ["describe", "heartbaet", "-f", str(catalogue), "--endpoint-url", "http://127.0.0.1:9"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "no job 'heartbaet'" in err and "did you mean 'heartbeat'?" in err
