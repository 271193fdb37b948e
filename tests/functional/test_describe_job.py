"""``describe``'s reads against in-process moto: the deployed side of a job, what differs
from the catalogue, and which rules belong to which job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.cli.describe import describe_data
from scheduler.deployed import read_deployed_job
from tests.functional.deploying import deploy

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def deployed(folder: Path) -> Iterator[tuple[Path, AwsClients]]:
    with mock_aws():
        clients = AwsClients(region="us-east-1")
        deploy(folder, clients)
        yield folder, clients


def test_deployed_side_matches_a_fresh_deploy(deployed: tuple[Path, AwsClients]) -> None:
    root, clients = deployed
    cat = load_catalogue(root / "jobs.yaml")
    # WHEN the two-rule job and the Scheduler job are read back
    month = read_deployed_job(clients, "cronbridge", "dev", "month-end-close")
    berlin = read_deployed_job(clients, "cronbridge", "dev", "berlin-opening-digest")
    # THEN each carries its own triggers, settings and retry policy
    assert month is not None and berlin is not None
    assert [t.expression for t in month.triggers] == ["cron(0 6 1 * ? *)", "cron(0 6 ? * MON *)"]
    assert month.backend == "rules" and month.timeout == 120
    assert [(t.kind, t.timezone) for t in berlin.triggers] == [("schedule", "Europe/Berlin")]
    assert berlin.retries == cat.jobs["berlin-opening-digest"].retries.model_dump()
    # AND nothing differs from the catalogue
    data = describe_data(
        cat.jobs["month-end-close"],
        month,
        prefix="cronbridge",
        stage="dev",
        runs=[],
        now=NOW,
        count=3,
    )
    assert data["differences"] == []
    assert data["next_fires"] == [
        "2026-12-07T06:00:00Z",
        "2026-12-14T06:00:00Z",
        "2026-12-21T06:00:00Z",
    ]
    assert data["next_fires_from"] == "deployed"


def test_changes_made_outside_show_as_differences(deployed: tuple[Path, AwsClients]) -> None:
    root, clients = deployed
    cat = load_catalogue(root / "jobs.yaml")
    # GIVEN heartbeat's timeout edited in the console and its rule disabled by hand
    boto3.client("lambda").update_function_configuration(
        FunctionName="cronbridge-dev-heartbeat", Timeout=30
    )
    boto3.client("events").disable_rule(Name="cronbridge-dev-heartbeat")
    # WHEN described
    have = read_deployed_job(clients, "cronbridge", "dev", "heartbeat")
    data = describe_data(
        cat.jobs["heartbeat"], have, prefix="cronbridge", stage="dev", runs=[], now=NOW, count=2
    )
    # THEN exactly those two rows differ, and a disabled rule has no next fire
    assert data["differences"] == ["timeout", "state"]
    assert data["deployed_config"]["timeout"] == 30
    assert data["deployed_config"]["state"] == "DISABLED"
    assert data["next_fires"] == []


def test_only_the_jobs_own_rules_are_read(deployed: tuple[Path, AwsClients]) -> None:
    _, clients = deployed
    # GIVEN a rule made by hand whose name looks like a second rule of heartbeat
    boto3.client("events").put_rule(
        Name="cronbridge-dev-heartbeat-2", ScheduleExpression="rate(5 minutes)",
        Description="made by hand",
    )  # fmt: skip
    # WHEN heartbeat is read THEN only its own rule (by its description marker) is there
    have = read_deployed_job(clients, "cronbridge", "dev", "heartbeat")
    assert have is not None
    assert [t.name for t in have.triggers] == ["cronbridge-dev-heartbeat"]
    # AND another stage has nothing deployed
    assert read_deployed_job(clients, "cronbridge", "qa", "heartbeat") is None
