"""A real deploy on moto, with a call recorder: the CI roles allow every call it makes.

The static twin (tests/unit/test_ci_role.py) checks the policy against the code; this one
checks it against what actually goes over the wire in a first deploy, a one-job change
with a prune, and a refreshed plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from cfnlint.decode import decode_str
from moto import mock_aws

from tests.conftest import copy_sample
from tests.functional.deploying import deploy, plan
from tests.unit.test_ci_role import (
    CI_ROLE,
    NO_PERMISSION_NEEDED,
    allowed_actions,
    iam_action,
    statements,
)

REGION = "us-east-1"


class RecordingClients:
    """``client(service)`` source whose clients log every operation they send."""

    region_name = REGION

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}
        self.calls: list[str] = []

    def client(self, service: str) -> Any:
        if service not in self._cache:
            client = boto3.client(service, region_name=REGION)
            client.meta.events.register("before-call", self._record)
            self._cache[service] = client
        return self._cache[service]

    def _record(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls.append(iam_action(service, xform_name(model.name)))

    def take(self) -> set[str]:
        calls, self.calls = set(self.calls), []
        return calls - NO_PERMISSION_NEEDED


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sample(tmp_path)


@pytest.fixture
def clients() -> Iterator[RecordingClients]:
    with mock_aws():
        yield RecordingClients()


def test_ci_roles_allow_every_call_of_a_real_deploy(
    project: Path, clients: RecordingClients
) -> None:
    template, _ = decode_str(CI_ROLE.read_text())
    deploy_allowed = allowed_actions(statements(dict(template), "DeployRole"))
    plan_allowed = allowed_actions(statements(dict(template), "PlanRole"))

    # GIVEN a first deploy of the sample (moto has no public layers, hence layers=())
    deploy(project, clients, stage="ci", code=None)
    first = clients.take()
    # WHEN one job changes and another is removed, and the stage is redeployed with prune
    text = project.read_text()
    text = text.replace("timeout: 300", "timeout: 301")
    head, _, _ = text.partition("  cleanup-tmp:")
    project.write_text(head)
    deploy(project, clients, stage="ci", code=None)
    second = clients.take()
    # AND a refreshed plan reads everything deeply
    plan(project, clients, stage="ci", code=None, refresh=True)
    planned = clients.take()

    # THEN the recorder saw real writes (the scenario did what it claims)
    assert {"lambda:CreateFunction", "events:PutRule", "iam:CreateRole"} <= first
    assert {"logs:CreateLogGroup", "logs:PutRetentionPolicy", "iam:PutRolePolicy"} <= first
    assert {"s3:CreateBucket", "s3:PutObject", "s3:PutBucketTagging"} <= first
    assert {"lambda:DeleteFunction", "events:DeleteRule"} <= second
    assert {"iam:DeleteRole", "iam:DeleteRolePolicy", "logs:DeleteLogGroup"} <= second
    assert {"iam:ListRoles", "logs:DescribeLogGroups", "iam:GetRole"} <= planned
    assert {"s3:ListBucket", "s3:GetBucketTagging"} <= planned
    # AND the deploy role allows every call made; the plan role every call of the plan
    assert sorted((first | second | planned) - deploy_allowed) == []
    assert sorted(planned - plan_allowed) == []
