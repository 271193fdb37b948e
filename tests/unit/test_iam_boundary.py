"""Stage roles are bounded and per job: IAM's verdicts on the policies we write.

Requests are evaluated against the policy documents themselves (deploy/ci-role.yaml and
the compiled stage roles) with ``tests.iam_eval``, a pure model of IAM's documented
evaluation logic (Allow + conditions, explicit Deny, implicit deny, boundary intersection).
moto does not enforce IAM, so no deploy test could show a refusal; what these prove is
that the documents, read by IAM's rules, refuse the escalation and the cross-job access,
not that a live account was tried.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources import DesiredState, Role
from tests.conftest import REPO_ROOT
from tests.iam_eval import Request, allowed, allowed_by
from tests.unit.test_ci_role import ACCOUNT, BOUNDARY_ARN, CI_ROLE, PREFIX, REGION, _sub, statements

STAGE_PATH = f"arn:aws:iam::{ACCOUNT}:role/cronbridge/{PREFIX}/prod"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BOUNDED = {"iam:PermissionsBoundary": BOUNDARY_ARN}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, matches = decode_str(CI_ROLE.read_text())
    assert not matches
    return dict(decoded)


@pytest.fixture(scope="module")
def deploy(template: dict[str, Any]) -> list[dict[str, Any]]:
    return statements(template, "DeployRole")


@pytest.fixture(scope="module")
def boundary(template: dict[str, Any]) -> list[dict[str, Any]]:
    policy = template["Resources"]["BoundaryPolicy"]["Properties"]
    assert _sub(policy["ManagedPolicyName"]) == BOUNDARY_ARN.rsplit("/", 1)[1]
    return [_sub(s) for s in policy["PolicyDocument"]["Statement"]]


def _stage(tmp_path: Path, jobs_yaml: str) -> DesiredState:
    shutil.copytree(REPO_ROOT / "jobs", tmp_path / "jobs")
    (tmp_path / "jobs.yaml").write_text(jobs_yaml)
    catalogue = load_catalogue(tmp_path / "jobs.yaml")
    return compile_catalogue(catalogue, "prod", account_id=ACCOUNT, region=REGION)


TWO_JOBS = f"""\
version: 1
prefix: {PREFIX}
permissions_boundary: {PREFIX}-boundary
jobs:
  a:
    schedule: "0 2 * * *"
    handler: jobs.heartbeat:beat
    env: {{A_TOKEN: "ssm:/team/a-token"}}
  a-b:
    schedule: "0 3 * * *"
    handler: jobs.heartbeat:beat
    env: {{B_TOKEN: "ssm:/team/b-token"}}
  plain:
    schedule: "0 4 * * *"
    handler: jobs.heartbeat:beat
"""


# --- Item 13: the CI deploy role cannot mint an unbounded role --------------------------


@pytest.mark.parametrize(
    ("action", "resource", "context"),
    [
        # The reported escalation: a <prefix>-x-worker role, outside the stage path or not
        # carrying the boundary, or carrying a boundary of the caller's choice.
        ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-x-worker", BOUNDED),
        ("iam:CreateRole", f"{STAGE_PATH}/{PREFIX}-x-worker", {}),
        ("iam:CreateRole", f"{STAGE_PATH}/{PREFIX}-x-worker", {"iam:PermissionsBoundary": ADMIN}),
        # Widening an existing role that lacks the boundary, or lifting/replacing it.
        ("iam:PutRolePolicy", f"{STAGE_PATH}/{PREFIX}-prod-a-job", {}),
        ("iam:DeleteRolePermissionsBoundary", f"{STAGE_PATH}/{PREFIX}-prod-a-job", BOUNDED),
        (
            "iam:PutRolePermissionsBoundary",
            f"{STAGE_PATH}/{PREFIX}-prod-a-job",
            {"iam:PermissionsBoundary": ADMIN},
        ),
        ("iam:AttachRolePolicy", f"{STAGE_PATH}/{PREFIX}-prod-a-job", BOUNDED),
        # Editing the boundary itself.
        ("iam:CreatePolicyVersion", BOUNDARY_ARN, {}),
        ("iam:SetDefaultPolicyVersion", BOUNDARY_ARN, {}),
        ("iam:DeletePolicy", BOUNDARY_ARN, {}),
        # Handing a stage role to a service that would run arbitrary code with it.
        (
            "iam:PassRole",
            f"{STAGE_PATH}/{PREFIX}-prod-a-job",
            {"iam:PassedToService": "ec2.amazonaws.com"},
        ),
        # Touching the CI roles themselves.
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-ci-deploy", BOUNDED),
        ("iam:UpdateAssumeRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-ci-plan", {}),
    ],
)
def test_ci_deploy_role_refuses_the_escalation(
    deploy: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]
) -> None:
    # GIVEN the deploy role's policies WHEN it makes the request THEN IAM refuses it
    assert not allowed(deploy, Request(action, resource, context))


def test_ci_deploy_role_creates_a_role_only_with_the_boundary(deploy: list[dict[str, Any]]) -> None:
    # GIVEN a stage role under the stage path
    role = f"{STAGE_PATH}/{PREFIX}-prod-a-job"
    # THEN it may be created and given a policy when it carries the boundary
    assert allowed(deploy, Request("iam:CreateRole", role, BOUNDED))
    assert allowed(deploy, Request("iam:PutRolePolicy", role, BOUNDED))
    assert allowed(deploy, Request("iam:PutRolePermissionsBoundary", role, BOUNDED))


@pytest.mark.parametrize(
    ("action", "resource", "context"),
    [
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", {}),
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-ci-deploy", {}),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole", {}),
        ("s3:GetObject", "arn:aws:s3:::payroll/2026.csv", {}),
        ("dynamodb:Scan", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other-app", {}),
        ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other-app", {}),
        (
            "iam:PassRole",
            f"{STAGE_PATH}/{PREFIX}-prod-a-job",
            {"iam:PassedToService": "ec2.amazonaws.com"},
        ),
        ("ssm:GetParameter", f"arn:aws:ssm:{REGION}:999999999999:parameter/x", {}),
    ],
)
def test_a_role_with_any_policy_is_still_capped_by_the_boundary(
    boundary: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]
) -> None:
    # GIVEN a stage role CI created the only way it may (with the boundary), trusted by
    # anyone and given `Allow * on *` as its inline policy
    anything = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    # WHEN whoever assumes it makes the request THEN the boundary refuses it
    assert not allowed(anything, Request(action, resource, context), boundary)


def test_every_compiled_stage_role_fits_inside_the_boundary(
    tmp_path: Path, boundary: list[dict[str, Any]]
) -> None:
    # GIVEN a stage whose roles carry the boundary (else the boundary would break deploys)
    state = _stage(tmp_path, TWO_JOBS)
    roles: list[Role] = [state.shared.scheduler_role, *(j.role for j in state.jobs.values())]
    for role in roles:
        assert role.permissions_boundary == BOUNDARY_ARN
        # THEN every grant of its policy is also allowed by the boundary
        for st in role.policy_document["Statement"]:
            context = {
                key: value
                for cond in (st.get("Condition") or {}).values()
                for key, value in cond.items()
            }
            for action in st["Action"]:
                for resource in st["Resource"]:
                    assert allowed_by(boundary, Request(action, resource, context)), (
                        role.name,
                        action,
                        resource,
                    )


def test_stage_role_trust_is_conditioned_where_iam_allows(tmp_path: Path) -> None:
    state = _stage(tmp_path, TWO_JOBS)
    retry_group = state.shared.retry_group.arn
    # GIVEN the scheduler role: only Scheduler, this account, this stage's job schedules
    (sched,) = state.shared.scheduler_role.trust_policy["Statement"]
    assert sched["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert sched["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert sched["Condition"]["ArnEquals"] == {"aws:SourceArn": [state.shared.jobs_group.arn]}
    # AND a job role: Lambda, and Scheduler only for this stage's retry and jobs groups
    # (the job's own schedule runs under its own role)
    lam, retry = state.jobs["a"].role.trust_policy["Statement"]
    assert lam == {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert retry["Condition"]["ArnEquals"] == {
        "aws:SourceArn": sorted([retry_group, state.shared.jobs_group.arn])
    }
    assert retry["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


# --- Item 12: each job's role reaches its own resources only ------------------------------


def test_job_role_reaches_its_own_secrets_schedules_and_function_only(tmp_path: Path) -> None:
    # GIVEN jobs `a` and `a-b` (whose names share a prefix) with a secret each
    state = _stage(tmp_path, TWO_JOBS)
    a, b = state.jobs["a"], state.jobs["a-b"]
    policy = a.role.policy_document["Statement"]
    retries = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{state.shared.retry_group.name}"
    to_scheduler = {"iam:PassedToService": "scheduler.amazonaws.com"}

    def can(action: str, resource: str, context: dict[str, str] | None = None) -> bool:
        return allowed(policy, Request(action, resource, context or {}))

    ssm = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
    # THEN job a reads its own parameter and not b's
    assert can("ssm:GetParameter", f"{ssm}/team/a-token")
    assert not can("ssm:GetParameter", f"{ssm}/team/b-token")
    assert not can("ssm:GetParameters", f"{ssm}/team/b-token")
    # AND arms its own retries (worker-made names) and not b's
    assert can("scheduler:CreateSchedule", f"{retries}/a.2.0123abcd")
    assert not can("scheduler:CreateSchedule", f"{retries}/a-b.2.0123abcd")
    assert not can("scheduler:CreateSchedule", f"{retries}/other")
    # AND passes only its own role, only to Scheduler, and invokes only its own function
    assert can("iam:PassRole", a.role.arn, to_scheduler)
    assert not can("iam:PassRole", b.role.arn, to_scheduler)
    assert not can("iam:PassRole", state.shared.scheduler_role.arn, to_scheduler)
    assert can("lambda:InvokeFunction", a.function.arn)
    assert not can("lambda:InvokeFunction", b.function.arn)
    # AND writes only its own log group
    assert can("logs:PutLogEvents", f"{a.log_group.arn}:log-stream:2026/12/03/x")
    assert not can("logs:PutLogEvents", f"{b.log_group.arn}:log-stream:2026/12/03/x")
    assert not can("logs:CreateLogGroup", a.log_group.arn)


def test_a_job_without_secrets_has_no_ssm_permission(tmp_path: Path) -> None:
    state = _stage(tmp_path, TWO_JOBS)
    actions = {
        action
        for st in state.jobs["plain"].role.policy_document["Statement"]
        for action in st["Action"]
    }
    assert not any(action.startswith("ssm:") for action in actions)


def test_job_roles_fit_the_iam_name_limit(tmp_path: Path) -> None:
    # GIVEN the longest prefix, stage and job name the validator accepts
    job = "j" * 38
    text = f'version: 1\nprefix: {"p" * 12}\njobs:\n  {job}:\n    schedule: "@daily"\n'
    text += "    handler: jobs.heartbeat:beat\n"
    shutil.copytree(REPO_ROOT / "jobs", tmp_path / "jobs")
    (tmp_path / "jobs.yaml").write_text(text)
    state = compile_catalogue(
        load_catalogue(tmp_path / "jobs.yaml"), "s" * 8, account_id=ACCOUNT, region=REGION
    )
    # THEN its role name fits IAM's 64 characters
    assert len(state.jobs[job].role.name) == 64
