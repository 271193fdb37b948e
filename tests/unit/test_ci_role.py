"""deploy/ci-role.yaml grants exactly the AWS calls the deploy engine makes, scoped by name.

Two directions, so the policy and the code cannot drift apart:
- every operation the deploy modules can call (found statically in scheduler/deploy/*.py)
  is allowed, or is listed in DESTROY_ONLY with why CI does not get it;
- every action the policy allows is one the code calls (or a documented dependency).
The functional twin (tests/functional/test_ci_role_calls.py) records a real deploy on moto.
Pure: parses files, no AWS.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from cfnlint.decode import decode_str

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources.artifacts import code_bucket
from tests import iam_eval
from tests.conftest import REPO_ROOT, SAMPLE_CATALOGUE

CI_ROLE = REPO_ROOT / "deploy" / "ci-role.yaml"
DEPLOY_MODULES = REPO_ROOT / "scheduler" / "deploy"

ACCOUNT, REGION, PREFIX = "123456789012", "eu-west-1", "cronbridge"
SUBSTITUTIONS = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "Prefix": PREFIX,
    "GitHubOwner": "acme",
    "GitHubRepo": "jobs",
    "DeployBranch": "main",
    "SecretParameters": "*",
}
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/{PREFIX}-boundary"

# IAM service prefixes that differ from the boto3 service name.
IAM_PREFIX = {"resourcegroupstaggingapi": "tag"}
# Calls IAM never checks (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity"}
# Only `cronbridge destroy` makes these; CI never destroys a stage, so its role cannot.
# (iam:DeleteRole/DeleteRolePolicy are allowed, but only on per-job roles, for prune.)
DESTROY_ONLY = {
    "scheduler:DeleteScheduleGroup",
    "dynamodb:DeleteTable",
    "sqs:DeleteQueue",
    # Emptying (every version) and deleting the code bucket.
    "s3:DeleteBucket",
    "s3:ListBucketVersions",
    "s3:DeleteObjectVersion",
}
# The code can make these (a catalogue that drops `permissions_boundary`), CI never may:
# lifting the boundary would undo what bounds every role CI creates.
NEVER_IN_CI = {"iam:DeleteRolePermissionsBoundary"}
# Actions IAM requires in addition to the API's own action.
DEPENDENCIES = {
    "lambda:GetFunction": {"lambda:ListTags"},  # tags come back only with ListTags
    # Lambda reads code from S3 with the caller's credentials (s3:GetObject).
    "lambda:CreateFunction": {"iam:PassRole", "lambda:GetLayerVersion", "s3:GetObject"},
    "lambda:UpdateFunctionConfiguration": {"iam:PassRole", "lambda:GetLayerVersion"},
    "scheduler:CreateSchedule": {"iam:PassRole"},
    "scheduler:UpdateSchedule": {"iam:PassRole"},
    # Creating with tags needs the tagging action too.
    "iam:CreateRole": {"iam:TagRole"},
    "logs:CreateLogGroup": {"logs:TagResource"},
    # Lambda reads code from S3 with the caller's credentials.
    "lambda:UpdateFunctionCode": {"s3:GetObject"},
    # CreateBucket with ObjectOwnership sets the bucket's ownership controls.
    "s3:CreateBucket": {"s3:PutBucketOwnershipControls"},
    # Destroy deletes the versions it lists (DeleteObjects with VersionId).
    "s3:ListBucketVersions": {"s3:DeleteObjectVersion"},
}
# S3's IAM actions are not its API names (https://docs.aws.amazon.com/service-authorization/
# latest/reference/list_amazons3.html); every S3 call the engine makes must be listed here.
S3_ACTIONS = {
    "head_bucket": "s3:ListBucket",
    "list_objects_v2": "s3:ListBucket",
    "get_bucket_tagging": "s3:GetBucketTagging",
    "create_bucket": "s3:CreateBucket",
    "put_public_access_block": "s3:PutBucketPublicAccessBlock",
    "put_bucket_encryption": "s3:PutEncryptionConfiguration",
    "put_bucket_tagging": "s3:PutBucketTagging",
    "put_object": "s3:PutObject",
    "delete_objects": "s3:DeleteObject",
    "list_object_versions": "s3:ListBucketVersions",
    "delete_bucket": "s3:DeleteBucket",
}
READ_VERBS = ("Get", "List", "Describe", "Query")  # dynamodb:Query: plan reads pauses


def iam_action(service: str, operation: str) -> str:
    """boto3 (service, snake_case op) -> the IAM action, e.g. lambda:GetFunction."""
    if service == "s3":
        return S3_ACTIONS[operation]  # KeyError: a new S3 call needs its IAM action above
    camel = "".join(part.capitalize() for part in operation.split("_"))
    return f"{IAM_PREFIX.get(service, service)}:{camel}"


def code_operations() -> set[tuple[str, str]]:
    """Every (service, operation) the deploy modules pass to AwsApi.call/maybe/pages, plus
    the ones picked by a conditional expression (``verb = "a" if x else "b"``)."""
    found: set[tuple[str, str]] = set()
    for path in sorted(DEPLOY_MODULES.glob("*.py")):
        tree = ast.parse(path.read_text())
        strings = _string_assignments(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"call", "maybe", "pages"}
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Constant)
            ):
                continue
            service, op = node.args[0].value, node.args[1]
            if isinstance(op, ast.Constant):
                found.add((service, op.value))
            elif isinstance(op, ast.Name) and op.id in strings:
                found.update((service, value) for value in strings[op.id])
            else:
                raise AssertionError(f"{path.name}:{node.lineno}: operation not a literal")
    return found


def _string_assignments(tree: ast.AST) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                out.setdefault(target.id, set()).update(_branches(node.value))
    return out


def _branches(node: ast.expr) -> set[str]:
    """The strings an expression can evaluate to: a literal, or either arm of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _branches(node.body) | _branches(node.orelse)
    return set()


def _sub(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda m: SUBSTITUTIONS[m.group(1)], value["Fn::Sub"])
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub(v) for v in value]
    return value


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, matches = decode_str(CI_ROLE.read_text())
    assert not matches
    return dict(decoded)


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The Allow statements of every managed policy attached to ``role``, Subs resolved."""
    out = []
    for ref in template["Resources"][role]["Properties"]["ManagedPolicyArns"]:
        policy = template["Resources"][ref["Ref"]]["Properties"]["PolicyDocument"]
        out.extend(_sub(s) for s in policy["Statement"])
    return out


def _listify(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def allowed_actions(stmts: list[dict[str, Any]]) -> set[str]:
    return {a for s in stmts for a in _listify(s["Action"])}


def allows(
    stmts: list[dict[str, Any]], action: str, resource: str, context: dict[str, str] | None = None
) -> bool:
    """IAM's verdict on one request under ``stmts``, conditions included (tests.iam_eval)."""
    return iam_eval.allowed(stmts, iam_eval.Request(action, resource, context or {}))


def needed(ops: set[tuple[str, str]]) -> set[str]:
    actions = {iam_action(service, op) for service, op in ops} - NO_PERMISSION_NEEDED
    for action in list(actions):
        actions |= DEPENDENCIES.get(action, set())
    return actions


def test_operation_scan_finds_the_engine() -> None:
    # The scanner must really see the engine, or the tests below prove nothing.
    ops = code_operations()
    assert ("lambda", "create_function") in ops
    assert ("scheduler", "create_schedule") in ops  # picked by a conditional
    assert len(ops) > 40


def test_deploy_role_allows_every_call_but_destroy(template: dict[str, Any]) -> None:
    # GIVEN every call the deploy engine can make
    wanted = needed(code_operations()) - DESTROY_ONLY - NEVER_IN_CI
    # THEN the deploy role allows each one
    assert sorted(wanted - allowed_actions(statements(template, "DeployRole"))) == []


def test_deploy_role_allows_nothing_the_code_does_not_call(template: dict[str, Any]) -> None:
    extra = allowed_actions(statements(template, "DeployRole")) - needed(code_operations())
    assert sorted(extra) == []


def test_destroy_only_is_really_absent_and_really_used(template: dict[str, Any]) -> None:
    assert not (DESTROY_ONLY | NEVER_IN_CI) & allowed_actions(statements(template, "DeployRole"))
    assert needed(code_operations()) >= DESTROY_ONLY | NEVER_IN_CI  # no stale entries


def test_plan_role_is_read_only_and_covers_every_read(template: dict[str, Any]) -> None:
    plan = allowed_actions(statements(template, "PlanRole"))
    # Every action on the plan role is a read
    assert [a for a in plan if not a.split(":")[1].startswith(READ_VERBS)] == []
    # AND every read the engine makes is allowed
    reads = {a for a in needed(code_operations()) if a.split(":")[1].startswith(READ_VERBS)}
    # Only needed alongside CreateFunction / UpdateFunctionCode, or only by destroy
    reads -= {"lambda:GetLayerVersion", "s3:GetObject"} | DESTROY_ONLY
    assert sorted(reads - plan) == []


def test_resources_of_a_stage_fall_inside_the_scopes(template: dict[str, Any]) -> None:
    # GIVEN the compiled sample in a real-looking account and region
    state = compile_catalogue(
        load_catalogue(SAMPLE_CATALOGUE), "prod", account_id=ACCOUNT, region=REGION
    )
    stmts = statements(template, "DeployRole")
    s = state.shared
    bounded = {"iam:PermissionsBoundary": BOUNDARY_ARN}
    # THEN each write reaches the resource it must, by ARN
    assert allows(stmts, "dynamodb:CreateTable", s.table.arn)
    assert allows(stmts, "sqs:CreateQueue", s.queue.arn)
    for role in (s.scheduler_role, *(j.role for j in state.jobs.values())):
        assert allows(stmts, "iam:CreateRole", role.arn, bounded)
        assert allows(stmts, "iam:PutRolePolicy", role.arn, bounded)
        assert allows(stmts, "iam:TagRole", role.arn)
        assert allows(
            stmts, "iam:PassRole", role.arn, {"iam:PassedToService": "lambda.amazonaws.com"}
        )
    # AND prune may delete a job's own role, but only destroy the stage's scheduler role
    for job in state.jobs.values():
        assert allows(stmts, "iam:DeleteRolePolicy", job.role.arn, bounded)
        assert allows(stmts, "iam:DeleteRole", job.role.arn)
        assert allows(stmts, "logs:CreateLogGroup", job.log_group.arn)
        assert allows(stmts, "logs:PutRetentionPolicy", f"{job.log_group.arn}:*")
        assert allows(stmts, "logs:DeleteLogGroup", job.log_group.arn)
    assert not allows(stmts, "iam:DeleteRole", s.scheduler_role.arn)
    # AND the stage's alert topic (the sample notifies) may be created, tagged and pruned
    assert state.alert_topic is not None
    for action in ("sns:CreateTopic", "sns:TagResource", "sns:DeleteTopic"):
        assert allows(stmts, action, state.alert_topic.arn), action
    assert not allows(stmts, "sns:DeleteTopic", f"arn:aws:sns:{REGION}:{ACCOUNT}:other-topic")
    for group in (s.jobs_group, s.retry_group):
        assert allows(stmts, "scheduler:CreateScheduleGroup", group.arn)
    for job in state.jobs.values():
        assert allows(stmts, "lambda:CreateFunction", job.function.arn)
        for layer in job.function.layers:
            assert allows(stmts, "lambda:GetLayerVersion", layer)
        for rule in job.rules:
            assert allows(stmts, "events:PutRule", rule.arn)
        for sched in job.schedules:
            arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{sched.group_name}/{sched.name}"
            assert allows(stmts, "scheduler:CreateSchedule", arn)


def test_ci_roles_cannot_edit_themselves_or_foreign_resources(
    template: dict[str, Any],
) -> None:
    stmts = statements(template, "DeployRole")
    for own in ("ci-deploy", "ci-plan"):
        arn = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-{own}"
        bounded = {"iam:PermissionsBoundary": BOUNDARY_ARN}
        assert not allows(stmts, "iam:PutRolePolicy", arn, bounded)
        assert not allows(
            stmts, "iam:PassRole", arn, {"iam:PassedToService": "lambda.amazonaws.com"}
        )
    assert not allows(
        stmts, "lambda:UpdateFunctionCode", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other-app"
    )
    assert not allows(stmts, "events:PutRule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/other")
    # AND no write statement is unscoped
    for s in stmts:
        if any(not a.split(":")[1].startswith(READ_VERBS) for a in _listify(s["Action"])):
            assert "*" not in _listify(s["Resource"]), s["Sid"]


def test_trust_is_limited_to_the_branch_and_pull_requests(template: dict[str, Any]) -> None:
    def sub_claim(role: str) -> str:
        doc = _sub(template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"])
        (statement,) = doc["Statement"]
        condition = statement["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        return str(condition["token.actions.githubusercontent.com:sub"])

    assert sub_claim("DeployRole") == "repo:acme/jobs:ref:refs/heads/main"
    assert sub_claim("PlanRole") == "repo:acme/jobs:pull_request"


# --- The workflow ---------------------------------------------------------------------------


def _workflow() -> dict[Any, Any]:
    import yaml

    data = yaml.safe_load((REPO_ROOT / "deploy" / "github-workflow.yml").read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on:` as True
    return dict(data)


def _commands(job: dict[str, Any]) -> list[list[str]]:
    import shlex

    lines = []
    for step in job["steps"]:
        for raw in str(step.get("run", "")).splitlines():
            line = raw.strip()
            if line.startswith("cronbridge "):
                lines.append(shlex.split(line.replace('"$CRONBRIDGE_STAGE"', "prod")))
    return lines


def test_workflow_plans_on_pull_requests_and_deploys_main() -> None:
    wf = _workflow()
    assert set(wf["on"]) == {"pull_request", "push"}
    assert wf["on"]["push"]["branches"] == ["main"]
    assert wf["permissions"] == {"contents": "read", "id-token": "write"}
    plan, deploy = wf["jobs"]["plan"], wf["jobs"]["deploy"]
    assert "pull_request" in plan["if"] and "push" in deploy["if"]
    assert [c[:2] for c in _commands(plan)] == [["cronbridge", "validate"], ["cronbridge", "plan"]]
    assert "--detailed-exitcode" in _commands(plan)[1]
    assert _commands(deploy)[-1][:2] == ["cronbridge", "deploy"]
    assert "--yes" in _commands(deploy)[-1]
    # Each job assumes its own role through OIDC
    roles = {
        name: next(
            s["with"]["role-to-assume"]
            for s in job["steps"]
            if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials")
        )
        for name, job in wf["jobs"].items()
    }
    assert "PLAN_ROLE" in roles["plan"] and "DEPLOY_ROLE" in roles["deploy"]


def test_workflow_commands_parse_with_the_real_cli() -> None:
    # Every cronbridge command line in the workflow is accepted by the real argument parser.
    from scheduler.cli.main import build_parser

    for job in _workflow()["jobs"].values():
        for argv in _commands(job):
            parser, _ = build_parser(only=argv[1])
            args = parser.parse_args(argv[1:])
            assert args.verb == argv[1]


def test_the_code_bucket_scope_is_this_accounts_stage_bucket_and_its_code(
    template: dict[str, Any],
) -> None:
    # GIVEN the sample's code bucket in a real-looking account and region
    state = compile_catalogue(
        load_catalogue(SAMPLE_CATALOGUE), "prod", account_id=ACCOUNT, region=REGION
    )
    bucket = code_bucket(state)
    stmts = statements(template, "DeployRole")
    reads = statements(template, "PlanRole")
    key = f"{bucket.arn}/code/{'0' * 64}.zip"
    # THEN deploy may create, configure and tag it, and put, read and prune its code
    for action in (
        "s3:CreateBucket",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketTagging",
    ):
        assert allows(stmts, action, bucket.arn), action
    for action in ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"):
        assert allows(stmts, action, key), action
    # AND a plan may read it
    assert allows(reads, "s3:ListBucket", bucket.arn)
    assert allows(reads, "s3:GetBucketTagging", bucket.arn)
    # AND nothing reaches another account's bucket of that shape, nor objects outside code/
    other = bucket.arn.replace(ACCOUNT, "999999999999")
    assert not allows(stmts, "s3:CreateBucket", other)
    assert not allows(stmts, "s3:PutObject", f"{other}/code/x.zip")
    assert not allows(stmts, "s3:PutObject", f"{bucket.arn}/elsewhere.zip")
    # AND CI can neither delete the bucket nor its object versions (destroy only)
    assert not allows(stmts, "s3:DeleteBucket", bucket.arn)
    assert not allows(stmts, "s3:DeleteObjectVersion", key)
