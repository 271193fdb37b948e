"""Per-job roles and log groups on moto: created, scoped, updated, pruned, destroyed; and
every IAM and Logs write of a real deploy passes the CI deploy policy, conditions included.

moto does not enforce IAM: the last test replays the recorded calls through
``tests.iam_eval`` (IAM's documented evaluation logic) against deploy/ci-role.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode_str
from moto import mock_aws

from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import apply_plan
from scheduler.errors import CronbridgeError
from tests.functional.deploying import Recorder, deploy, edit, plan, plan_context
from tests.iam_eval import Request, allowed
from tests.unit.test_ci_role import BOUNDARY_ARN, CI_ROLE, REGION, statements

PATH = "/cronbridge/cronbridge/dev/"
LOGS = "/aws/lambda/cronbridge-dev-"


@pytest.fixture
def clients() -> Iterator[Recorder]:
    with mock_aws():
        yield Recorder(region=REGION)


def _roles() -> dict[str, dict[str, Any]]:
    iam = boto3.client("iam")
    return {r["RoleName"]: r for r in iam.list_roles(PathPrefix=PATH)["Roles"]}


def _log_groups() -> dict[str, dict[str, Any]]:
    logs = boto3.client("logs", region_name=REGION)
    return {
        g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix=LOGS)["logGroups"]
    }


def _with_boundary(folder: Path) -> None:
    """The catalogue names the boundary, and the bootstrap's policy exists (as in AWS)."""
    edit(
        folder,
        lambda t: t.replace(
            "version: 1\n", "version: 1\npermissions_boundary: cronbridge-boundary\n"
        ),
    )
    boto3.client("iam").create_policy(
        PolicyName="cronbridge-boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
            }
        ),
    )


def test_each_job_gets_its_own_bounded_role_and_a_log_group_first(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN a catalogue naming the permissions boundary WHEN deployed
    _with_boundary(folder)
    deploy(folder, clients)
    # THEN every function runs under its own role, under the stage path, with the boundary
    iam, lam = boto3.client("iam"), boto3.client("lambda", region_name=REGION)
    roles = _roles()
    jobs = load_catalogue(folder / "jobs.yaml").jobs
    # (the sample notifies, so the stage's monitor has its own role too)
    assert set(roles) == {f"cronbridge-dev-{j}-job" for j in jobs} | {
        "cronbridge-dev-scheduler",
        "cronbridge-dev-_monitor-job",
    }
    for job in jobs:
        fn = lam.get_function(FunctionName=f"cronbridge-dev-{job}")["Configuration"]
        assert fn["Role"] == roles[f"cronbridge-dev-{job}-job"]["Arn"]
        full = iam.get_role(RoleName=f"cronbridge-dev-{job}-job")["Role"]
        assert full["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
            ":policy/cronbridge-boundary"
        )
    # AND each job's log group exists with the default retention and the ownership tags,
    # created before its function (so Lambda never makes one with unlimited retention)
    groups = _log_groups()
    assert {g: v.get("retentionInDays") for g, v in groups.items()} == {
        **{f"{LOGS}{j}": 30 for j in jobs},
        f"{LOGS}_monitor": 14,  # the stage's monitor keeps two weeks
    }
    logs = boto3.client("logs", region_name=REGION)
    tags = logs.list_tags_for_resource(resourceArn=groups[f"{LOGS}heartbeat"]["logGroupArn"])
    assert tags["tags"]["cronbridge:job"] == "heartbeat"
    assert tags["tags"]["cronbridge:stage"] == "dev"
    order = [(name, p.get("logGroupName") or p.get("FunctionName")) for name, p in clients.calls]
    assert order.index(("CreateLogGroup", f"{LOGS}heartbeat")) < order.index(
        ("CreateFunction", "cronbridge-dev-heartbeat")
    )
    # AND a second deploy writes nothing, and a deep plan sees no drift
    clients.calls.clear()
    assert deploy(folder, clients).count == 0
    assert clients.writes() == []
    assert not plan(folder, clients, refresh=True).has_changes


def test_log_retention_change_writes_only_that(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    clients.calls.clear()
    # WHEN one job's log retention changes
    edit(
        folder,
        lambda t: t.replace("    timeout: 300\n", "    timeout: 300\n    log_retention_days: 90\n"),
    )
    deploy(folder, clients)
    # THEN its log group gets the retention (and fingerprints), nothing else is written
    assert [w[0] for w in clients.writes()] == ["PutRetentionPolicy", "TagResource", "TagResource"]
    assert _log_groups()[f"{LOGS}nightly-report"]["retentionInDays"] == 90
    assert _log_groups()[f"{LOGS}heartbeat"]["retentionInDays"] == 30


def test_removed_job_loses_its_role_and_log_group_but_strangers_stay(
    folder: Path, clients: Recorder
) -> None:
    deploy(folder, clients)
    # GIVEN a role under the stage path and a log group under our names, neither ours
    iam = boto3.client("iam")
    iam.create_role(
        RoleName="cronbridge-dev-stranger-job", Path=PATH, AssumeRolePolicyDocument="{}"
    )
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName=f"{LOGS}stranger")
    # WHEN month-end-close is removed and the stage redeployed (prune is the default)
    edit(folder, lambda t: t[: t.index("  month-end-close:")] + t[t.index("  cleanup-tmp:") :])
    deploy(folder, clients, prune=False)
    assert "cronbridge-dev-month-end-close-job" in _roles()  # --no-prune keeps it
    deploy(folder, clients)
    # THEN its role and log group are gone, the strangers and the other jobs' stay
    roles, groups = _roles(), _log_groups()
    assert "cronbridge-dev-month-end-close-job" not in roles
    assert f"{LOGS}month-end-close" not in groups
    assert "cronbridge-dev-stranger-job" in roles and f"{LOGS}stranger" in groups
    assert "cronbridge-dev-heartbeat-job" in roles and f"{LOGS}heartbeat" in groups


def test_destroy_removes_every_role_and_log_group(folder: Path, clients: Recorder) -> None:
    deploy(folder, clients)
    ctx = plan_context(folder, clients, destroy=True)
    apply_plan(ctx, clients)
    assert _roles() == {}
    assert _log_groups() == {}


def test_missing_boundary_is_refused_before_any_write(folder: Path, clients: Recorder) -> None:
    # GIVEN a catalogue naming a boundary the account does not have
    edit(folder, lambda t: t.replace("version: 1\n", "version: 1\npermissions_boundary: nope\n"))
    # WHEN deploying THEN it refuses with one clear error, having written nothing
    with pytest.raises(CronbridgeError, match=r"permissions boundary .*policy/nope does not exist"):
        deploy(folder, clients)
    assert clients.writes() == []


def _iam_requests(calls: list[tuple[str, dict[str, Any]]], account: str) -> list[Request]:
    """Recorded IAM/Logs/PassRole-implying calls as IAM requests, with the condition keys
    IAM would put in their context (the boundary a role carries at that moment)."""
    boundary_of: dict[str, str] = {}
    path_of: dict[str, str] = {}
    out: list[Request] = []
    for op, p in calls:
        name = p.get("RoleName", "")
        if op == "CreateRole":
            path_of[name] = p.get("Path", "/")
            if p.get("PermissionsBoundary"):
                boundary_of[name] = p["PermissionsBoundary"]
        role_arn = f"arn:aws:iam::{account}:role{path_of.get(name, '/')}{name}"
        ctx = {"iam:PermissionsBoundary": boundary_of[name]} if name in boundary_of else {}
        if op == "CreateRole":
            out.append(Request("iam:CreateRole", role_arn, ctx))
            out.append(Request("iam:TagRole", role_arn))
        elif op in ("PutRolePolicy", "DeleteRolePolicy", "PutRolePermissionsBoundary"):
            if op == "PutRolePermissionsBoundary":
                ctx = {"iam:PermissionsBoundary": p["PermissionsBoundary"]}
            out.append(Request(f"iam:{op}", role_arn, ctx))
        elif op in ("TagRole", "UpdateAssumeRolePolicy", "DeleteRole"):
            out.append(Request(f"iam:{op}", role_arn))
        elif op == "CreateFunction":
            out.append(
                Request("iam:PassRole", p["Role"], {"iam:PassedToService": "lambda.amazonaws.com"})
            )
        elif op in ("CreateSchedule", "UpdateSchedule"):
            out.append(
                Request(
                    "iam:PassRole",
                    p["Target"]["RoleArn"],
                    {"iam:PassedToService": "scheduler.amazonaws.com"},
                )
            )
        elif op in ("CreateLogGroup", "PutRetentionPolicy", "DeleteLogGroup"):
            arn = f"arn:aws:logs:{REGION}:{account}:log-group:{p['logGroupName']}"
            out.append(Request(f"logs:{op}", arn))
    return out


def test_real_deploys_iam_calls_pass_the_conditioned_ci_policy(
    folder: Path, clients: Recorder
) -> None:
    template, _ = decode_str(CI_ROLE.read_text())
    policy = statements(dict(template), "DeployRole")
    # GIVEN a first deploy with the boundary, then a prune of one job
    _with_boundary(folder)
    deploy(folder, clients)
    edit(folder, lambda t: t[: t.index("  cleanup-tmp:")])
    deploy(folder, clients)
    account = boto3.client("sts").get_caller_identity()["Account"]
    requests = _iam_requests(clients.calls, account)
    ops = {r.action for r in requests}
    # THEN the scenario made the IAM writes it claims
    assert {"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRole", "logs:DeleteLogGroup"} <= ops
    # AND IAM, reading deploy/ci-role.yaml, allows each one as made (boundary included)
    assert all(
        r.context.get("iam:PermissionsBoundary")
        in (None, BOUNDARY_ARN.replace("123456789012", account))
        for r in requests
    )
    refused = [r for r in requests if not allowed(policy, r)]
    assert refused == []


def test_a_log_group_deleted_by_hand_is_restored_by_a_refresh(
    folder: Path, clients: Recorder
) -> None:
    deploy(folder, clients)
    # GIVEN someone deletes a job's log group
    boto3.client("logs", region_name=REGION).delete_log_group(logGroupName=f"{LOGS}heartbeat")
    # WHEN planning THEN a refreshed plan (which lists every log group) recreates it
    ctx = plan_context(folder, clients, refresh=True)
    assert [op.describe() for op in ctx.plan.ops if op.kind == "log group"] == [
        f"create log group {LOGS}heartbeat"
    ]
    apply_plan(ctx, clients)
    assert _log_groups()[f"{LOGS}heartbeat"]["retentionInDays"] == 30
