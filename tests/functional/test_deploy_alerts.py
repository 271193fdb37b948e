"""Deploy of the alert topic and the stage's monitor against moto: created tagged, left
alone on a no-op redeploy, retagged on drift, refused when foreign, pruned when no job
needs them, deleted by destroy."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from scheduler import contract, names
from scheduler.deploy.engine import apply_plan
from scheduler.errors import CronbridgeError
from tests.functional.deploying import Recorder, deploy, plan, plan_context

TOPIC = "cronbridge-dev-alerts"
TOPIC_ARN = f"arn:aws:sns:us-east-1:123456789012:{TOPIC}"
MONITOR = names.function_name("cronbridge", "dev", names.MONITOR)


def topic_tags() -> dict[str, str]:
    listed = boto3.client("sns").list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


def topics() -> list[str]:
    return [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]


def test_first_deploy_makes_the_topic_and_the_monitor(folder: Path, clients: Recorder) -> None:
    # GIVEN the sample (flaky-sync notifies, nightly-report catches up) WHEN deployed
    deploy(folder, clients)
    # THEN the stage's topic exists with ownership tags and its fingerprint
    assert topics() == [TOPIC_ARN]
    tags = topic_tags()
    assert tags[contract.TAG_STAGE] == "dev" and tags[contract.TAG_MANAGED_BY] == "cronbridge"
    assert contract.TAG_SPEC_HASH in tags
    # AND the monitor function runs the monitor, fired every 5 minutes by its rule
    lam, events = boto3.client("lambda"), boto3.client("events")
    config = lam.get_function_configuration(FunctionName=MONITOR)
    assert config["Handler"] == "scheduler.monitor.entry.handler"
    assert config["Environment"]["Variables"][contract.ENV_ALERT_TOPIC] == TOPIC_ARN
    assert events.describe_rule(Name=MONITOR)["ScheduleExpression"] == "rate(5 minutes)"
    # AND the workers know the topic only where `dead` is notified, their watch where needed
    env = {
        job: lam.get_function_configuration(FunctionName=f"cronbridge-dev-{job}")["Environment"][
            "Variables"
        ]
        for job in ("flaky-sync", "nightly-report", "heartbeat")
    }
    assert env["flaky-sync"][contract.ENV_ALERT_TOPIC] == TOPIC_ARN
    assert contract.ENV_ALERT_TOPIC not in env["nightly-report"]
    assert (
        contract.ENV_MONITOR in env["flaky-sync"] and contract.ENV_MONITOR in env["nightly-report"]
    )
    assert contract.ENV_MONITOR not in env["heartbeat"]
    # AND only flaky-sync's role may publish
    iam = boto3.client("iam")
    for job, may in (("flaky-sync", True), ("heartbeat", False)):
        doc = iam.get_role_policy(RoleName=f"cronbridge-dev-{job}-job", PolicyName="cronbridge-job")
        sids = {s["Sid"] for s in doc["PolicyDocument"]["Statement"]}
        assert ("PublishDeadAlert" in sids) is may, job


def test_redeploy_is_a_no_op_and_drift_is_retagged(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    clients.calls.clear()
    # WHEN deployed again unchanged THEN nothing is written (the topic is read, not put)
    assert deploy(folder, clients).count == 0
    assert clients.writes() == []
    assert {"GetTopicAttributes", "ListTagsForResource"} <= {name for name, _ in clients.calls}
    # WHEN someone strips the topic's fingerprint THEN the next plan retags it, and only that
    boto3.client("sns").untag_resource(ResourceArn=TOPIC_ARN, TagKeys=[contract.TAG_SPEC_HASH])
    ops = plan(folder, clients).ops
    assert [op.describe() for op in ops] == [f"update alert topic {TOPIC}"]
    deploy(folder, clients)
    assert contract.TAG_SPEC_HASH in topic_tags()
    assert not plan(folder, clients).has_changes


def test_a_foreign_topic_with_the_stage_name_stops_the_plan(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN someone else's topic under the stage topic's name
    boto3.client("sns").create_topic(Name=TOPIC, Tags=[{"Key": "owner", "Value": "ops"}])
    # WHEN deploying THEN it refuses before any write, naming the topic
    with pytest.raises(CronbridgeError, match="cronbridge-dev-alerts exists but does not belong"):
        deploy(folder, clients)
    assert clients.writes() == []


def test_prune_removes_the_topic_and_monitor_when_no_job_needs_them(
    folder: Path, clients: Recorder
) -> None:
    deploy(folder, clients)
    # WHEN the catalogue stops notifying (the monitor stays: a job still catches up)
    path = folder / "jobs.yaml"
    path.write_text(path.read_text().replace("    notify: [dead, failing, recovered]\n", ""))
    described = [op.describe() for op in plan(folder, clients).ops]
    assert described[-1] == f"delete alert topic {TOPIC}"
    assert not any(MONITOR in d and d.startswith("delete") for d in described)
    deploy(folder, clients)
    assert topics() == []
    # WHEN no job catches up either THEN the monitor's function, rule, role and logs go
    path.write_text(path.read_text().replace("    catchup: latest\n    catchup_window: 12h\n", ""))
    deleted = {op.describe() for op in plan(folder, clients).ops}
    assert {
        f"delete rule {MONITOR}", f"delete function {MONITOR}",
        f"delete role {MONITOR}-job", f"delete log group /aws/lambda/{MONITOR}",
    } <= deleted  # fmt: skip
    deploy(folder, clients)
    names_left = [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
    assert MONITOR not in names_left


def test_destroy_deletes_the_topic(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    ctx = plan_context(folder, clients, destroy=True)
    assert f"delete alert topic {TOPIC}" in [op.describe() for op in ctx.plan.ops]
    apply_plan(ctx, clients)
    assert topics() == []
