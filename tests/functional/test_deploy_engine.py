"""Deploy engine against in-process moto: idempotency, one-job changes, prune, ownership,
and convergence after an interrupted apply. Calls are counted with botocore event hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from scheduler.deploy.apply_code import CodeStore
from scheduler.errors import CronbridgeError
from tests.functional.deploying import CODE, Recorder, deploy, destroy, edit, plan


def test_redeploy_makes_zero_writes_and_plan_is_empty(folder: Path, clients: Recorder) -> None:
    # GIVEN the sample catalogue deployed once
    deploy(folder, clients)
    clients.calls.clear()
    # WHEN it is deployed again, unchanged
    result = deploy(folder, clients)
    # THEN nothing is written, and even a deep (refresh) plan finds no drift
    assert result.count == 0
    assert clients.writes() == []
    assert not plan(folder, clients, refresh=True).has_changes


def test_one_job_change_writes_only_that_job(folder: Path, clients: Recorder) -> None:
    # GIVEN a deployed stage
    deploy(folder, clients)
    clients.calls.clear()
    # WHEN one job's timeout changes
    edit(folder, lambda t: t.replace("    timeout: 300\n", "    timeout: 301\n"))
    deploy(folder, clients)
    # THEN only nightly-report's function is written (configuration, then its fingerprint)
    targets = {str(p.get("FunctionName") or p.get("Resource")) for _, p in clients.writes()}
    assert [w[0] for w in clients.writes()] == ["UpdateFunctionConfiguration", "TagResource"]
    assert all("nightly-report" in t for t in targets), targets
    fn = boto3.client("lambda").get_function(FunctionName="cronbridge-dev-nightly-report")
    assert fn["Configuration"]["Timeout"] == 301


def test_removed_job_is_pruned_unless_no_prune(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    # GIVEN month-end-close (two rules) removed from the catalogue
    edit(folder, lambda t: t[: t.index("  month-end-close:")] + t[t.index("  cleanup-tmp:") :])
    # WHEN deploying with --no-prune THEN its function and rules survive
    deploy(folder, clients, prune=False)
    events = boto3.client("events")
    names = {r["Name"] for r in events.list_rules(NamePrefix="cronbridge-dev-")["Rules"]}
    assert {"cronbridge-dev-month-end-close-1", "cronbridge-dev-month-end-close-2"} <= names
    # WHEN deploying with prune (the default) THEN rules and function are gone
    deploy(folder, clients)
    names = {r["Name"] for r in events.list_rules(NamePrefix="cronbridge-dev-")["Rules"]}
    assert not any("month-end-close" in n for n in names)
    fns = {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}
    assert "cronbridge-dev-month-end-close" not in fns
    assert "cronbridge-dev-heartbeat" in fns


def test_resources_without_our_tags_are_never_touched(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    events = boto3.client("events")
    # GIVEN a foreign rule with our prefix and marker-like description but no tags,
    # and a rule of another stage
    events.put_rule(
        Name="cronbridge-dev-foreign",
        ScheduleExpression="rate(1 hour)",
        Description="cronbridge dev foreign: not ours",
    )
    events.put_rule(
        Name="cronbridge-dev-other",
        ScheduleExpression="rate(1 hour)",
        Description="cronbridge dev other",
        Tags=[
            {"Key": "cronbridge:managed-by", "Value": "cronbridge"},
            {"Key": "cronbridge:stage", "Value": "prod"},
        ],
    )
    clients.calls.clear()
    # WHEN deploying (prune on)
    deploy(folder, clients)
    # THEN both survive and nothing was written
    names = {r["Name"] for r in events.list_rules(NamePrefix="cronbridge-dev-")["Rules"]}
    assert {"cronbridge-dev-foreign", "cronbridge-dev-other"} <= names
    assert clients.writes() == []


def test_name_clash_with_unowned_function_stops_the_plan(folder: Path, clients: Recorder) -> None:
    # GIVEN a function with a job's name that cronbridge does not own
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="someone", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda").create_function(
        FunctionName="cronbridge-dev-heartbeat",
        Runtime="python3.12",
        Role=role,
        Handler="x.y",
        Code={"ZipFile": CODE},
    )
    # WHEN planning THEN it refuses, naming the resource
    with pytest.raises(CronbridgeError, match=r"cronbridge-dev-heartbeat.*not tagged"):
        plan(folder, clients)


def test_interrupted_deploy_converges_on_rerun(folder: Path, clients: Recorder) -> None:
    # GIVEN a first deploy that dies on its 20th write (mid-way through the jobs)
    clients.fail_on_write = 20
    with pytest.raises(CronbridgeError):
        deploy(folder, clients)
    # WHEN deploying again
    deploy(folder, clients)
    # THEN the stage is complete: a deep plan finds nothing left, a redeploy writes nothing
    assert not plan(folder, clients, refresh=True).has_changes
    clients.calls.clear()
    deploy(folder, clients)
    assert clients.writes() == []


def test_drift_is_caught_by_refresh_and_repaired(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    # GIVEN someone disables a rule's target retry policy outside cronbridge
    boto3.client("lambda").update_function_configuration(
        FunctionName="cronbridge-dev-heartbeat", MemorySize=1024
    )
    # WHEN planning cheaply THEN the drift is invisible; with --refresh it shows
    assert not plan(folder, clients).has_changes
    drift = plan(folder, clients, refresh=True)
    assert [(c.field, c.old, c.new) for op in drift.ops for c in op.changes] == [
        ("memory_size", 1024, 256)
    ]


def test_destroy_keeps_data_unless_include_data(folder: Path, clients: Recorder) -> None:
    # GIVEN a deployed stage
    deploy(folder, clients)
    # WHEN destroying without --include-data
    destroy(folder, clients)
    # THEN functions, rules, roles and groups are gone; the table and the queue remain
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert boto3.client("events").list_rules(NamePrefix="cronbridge-dev-")["Rules"] == []
    groups = boto3.client("scheduler").list_schedule_groups(NamePrefix="cronbridge-dev")
    assert groups["ScheduleGroups"] == []
    assert "cronbridge-dev-runs" in boto3.client("dynamodb").list_tables()["TableNames"]
    assert boto3.client("sqs").list_queues().get("QueueUrls")
    # WHEN destroying with --include-data THEN the data goes too
    destroy(folder, clients, include_data=True)
    assert "cronbridge-dev-runs" not in boto3.client("dynamodb").list_tables()["TableNames"]
    assert not boto3.client("sqs").list_queues().get("QueueUrls")


def test_job_going_from_two_rules_to_one_drops_the_old_grant(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN month-end-close deployed as two rules (day-of-month OR Monday)
    deploy(folder, clients)
    lam = boto3.client("lambda")
    name = "cronbridge-dev-month-end-close"

    def statements() -> set[str]:
        import json

        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
        return {s["Sid"] for s in policy["Statement"]}

    assert statements() == {f"{name}-1", f"{name}-2"}
    # WHEN it is narrowed to the 1st of the month only (one rule, no suffix)
    edit(folder, lambda t: t.replace('schedule: "0 6 1 * MON"', 'schedule: "0 6 1 * *"'))
    deploy(folder, clients)
    # THEN only the new rule may invoke it: the two old statements are gone
    assert statements() == {name}
    assert not plan(folder, clients, refresh=True).has_changes


def test_a_new_table_retries_point_in_time_recovery_until_backups_are_ready() -> None:
    # GIVEN DynamoDB answering "backups are being enabled" twice, as it does for a new table
    from botocore.exceptions import ClientError

    from scheduler.deploy import ops as o
    from scheduler.deploy.awsapi import AwsApi
    from scheduler.deploy.executor import Executor
    from scheduler.resources import RunsTable

    calls: list[str] = []

    class Dynamo:
        def update_continuous_backups(self, **_: Any) -> dict[str, Any]:
            calls.append("UpdateContinuousBackups")
            if len(calls) <= 2:
                error = {"Code": "ContinuousBackupsUnavailableException", "Message": "enabling"}
                raise ClientError({"Error": error}, "UpdateContinuousBackups")
            return {}

        def tag_resource(self, **_: Any) -> dict[str, Any]:
            calls.append("TagResource")
            return {}

    class Source:
        def client(self, service: str) -> Any:
            assert service == "dynamodb"
            return Dynamo()

    slept: list[float] = []
    executor = Executor(AwsApi(Source(), sleep=slept.append), code=CodeStore("b", {}, {}))
    table = RunsTable(name="cronbridge-dev-runs", arn="arn:aws:dynamodb:::table/x")
    changes = (o.Change("point_in_time_recovery", False, True),)
    # WHEN point-in-time recovery is switched on
    executor.run(o.PutTable(table=table, action="update", changes=changes))
    # THEN it was retried with a pause until accepted, then tagged
    assert calls == ["UpdateContinuousBackups"] * 3 + ["TagResource"]
    assert len(slept) == 2
