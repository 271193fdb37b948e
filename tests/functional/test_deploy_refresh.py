"""`deploy --refresh` repairs drift that `plan --refresh` reports (issue 8, item 9).

Against in-process moto, through the engine as the CLI drives it: deploy the sample, break
it with direct boto3 calls the way a person in the console would, and check that a deep
plan shows each break, that a refreshing deploy repairs them all, and that nothing is left.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from scheduler.resources import JOB_POLICY_NAME
from tests.functional.deploying import Recorder, deploy, plan

BASE = "cronbridge-dev"


def _break_everything() -> None:
    lam, events = boto3.client("lambda"), boto3.client("events")
    # a deleted invoke permission, a deleted target, an intruding target
    lam.remove_permission(FunctionName=f"{BASE}-heartbeat", StatementId=f"{BASE}-heartbeat")
    events.remove_targets(Rule=f"{BASE}-flaky-sync", Ids=["worker"])
    intruder = lam.get_function(FunctionName=f"{BASE}-heartbeat")["Configuration"]["FunctionArn"]
    events.put_targets(Rule=f"{BASE}-nightly-report", Targets=[{"Id": "x", "Arn": intruder}])
    # a changed timeout, a deleted async config
    lam.update_function_configuration(FunctionName=f"{BASE}-nightly-report", Timeout=42)
    lam.delete_function_event_invoke_config(FunctionName=f"{BASE}-flaky-sync")
    # a Scheduler expression changed
    sched = boto3.client("scheduler")
    got = sched.get_schedule(Name=f"{BASE}-berlin-opening-digest", GroupName=BASE)
    sched.update_schedule(
        Name=got["Name"],
        GroupName=BASE,
        ScheduleExpression="cron(0 9 * * ? *)",
        ScheduleExpressionTimezone=got["ScheduleExpressionTimezone"],
        FlexibleTimeWindow=got["FlexibleTimeWindow"],
        Target=got["Target"],
        Description=got["Description"],
    )
    # a widened job role policy
    boto3.client("iam").put_role_policy(
        RoleName=f"{BASE}-heartbeat-job",
        PolicyName=JOB_POLICY_NAME,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    # queue retention cut to a minute
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=f"{BASE}-dead-letter")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})


def test_deploy_refresh_repairs_every_drift_plan_refresh_reports(
    folder: Path, clients: Recorder
) -> None:
    deploy(folder, clients)
    # GIVEN the deployed stage broken outside cronbridge in eight ways
    _break_everything()
    # WHEN planning with --refresh THEN each break shows
    drift = plan(folder, clients, refresh=True)
    seen = {op.describe() for op in drift.ops}
    assert {
        f"create permission {BASE}-heartbeat/{BASE}-heartbeat",
        f"create rule target {BASE}-flaky-sync",
        f"update rule target {BASE}-nightly-report",
        f"update function {BASE}-nightly-report",
        f"create async config {BASE}-flaky-sync",
        f"update schedule {BASE}/{BASE}-berlin-opening-digest",
        f"update role {BASE}-heartbeat-job",
        f"update queue {BASE}-dead-letter",
    } <= seen, seen
    # WHEN deploying with --refresh
    deploy(folder, clients, refresh=True)
    # THEN a deep plan finds nothing left, and AWS holds what the catalogue says
    assert not plan(folder, clients, refresh=True).ops
    targets = boto3.client("events").list_targets_by_rule(Rule=f"{BASE}-nightly-report")
    assert [t["Id"] for t in targets["Targets"]] == ["worker"]
    fn = boto3.client("lambda").get_function(FunctionName=f"{BASE}-nightly-report")
    assert fn["Configuration"]["Timeout"] == 300


def test_deploy_without_refresh_leaves_drift_it_cannot_see(folder: Path, clients: Recorder) -> None:
    # GIVEN a deployed stage whose timeout was changed outside cronbridge
    deploy(folder, clients)
    boto3.client("lambda").update_function_configuration(
        FunctionName=f"{BASE}-nightly-report", Timeout=42
    )
    # WHEN deploying without --refresh THEN the cheap plan does not see it (documented)
    assert deploy(folder, clients).count == 0
    assert plan(folder, clients, refresh=True).ops
