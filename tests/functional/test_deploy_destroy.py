"""destroy: removes what the stage owns, keeps the runs table and DLQ unless asked."""

from __future__ import annotations

from pathlib import Path

import boto3

from tests.functional.test_deploy_engine import (  # reuse fixtures and helpers
    CODE,
    Recorder,
    clients,  # noqa: F401 - fixture
    deploy,
    folder,  # noqa: F401 - fixture
)


def _destroy(folder: Path, clients: Recorder, include_data: bool) -> None:
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_plan, plan_catalogue

    cat = load_catalogue(folder / "jobs.yaml")
    ctx = plan_catalogue(
        cat, "dev", clients, layers=(), code=CODE, destroy=True, include_data=include_data
    )
    apply_plan(ctx, clients)


def test_destroy_keeps_data_unless_include_data(folder: Path, clients: Recorder) -> None:  # noqa: F811
    deploy(folder, clients)
    # WHEN destroying without --include-data
    _destroy(folder, clients, include_data=False)
    # THEN functions, rules, roles, groups are gone; table and queue remain
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert boto3.client("events").list_rules(NamePrefix="cronbridge-dev-")["Rules"] == []
    assert (
        boto3.client("scheduler").list_schedule_groups(NamePrefix="cronbridge-dev")[
            "ScheduleGroups"
        ]
        == []
    )
    assert "cronbridge-dev-runs" in boto3.client("dynamodb").list_tables()["TableNames"]
    assert boto3.client("sqs").list_queues().get("QueueUrls")
    # WHEN destroying with --include-data THEN the data goes too
    _destroy(folder, clients, include_data=True)
    assert "cronbridge-dev-runs" not in boto3.client("dynamodb").list_tables()["TableNames"]
    assert not boto3.client("sqs").list_queues().get("QueueUrls")
