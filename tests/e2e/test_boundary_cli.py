"""`permissions_boundary` through the real CLI: a missing boundary is refused up front.

The endpoint comes from ``AWS_ENDPOINT_URL`` (as for any AWS-compatible endpoint boto3
honours), not ``--endpoint-url``/``--local``, so the CLI treats the target like AWS and
checks the boundary; against an explicit emulator endpoint it does not (no CI bootstrap
runs there).
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from scheduler.cli.main import main
from tests.conftest import copy_sample


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = copy_sample(tmp_path)
    text = path.read_text()
    marker = "version: 1\n"
    assert marker in text
    boundary = "permissions_boundary: cronbridge-boundary\n"
    path.write_text(text.replace(marker, marker + boundary, 1))
    return path


def test_deploy_refuses_a_missing_boundary_and_writes_nothing(
    moto_endpoint: str,
    catalogue: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an AWS-like target (endpoint from the environment) without the boundary policy
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    # WHEN deploying THEN one error line and a hint, exit 1, no traceback
    code = main(["deploy", "-f", str(catalogue), "--stage", "dev", "--yes"])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: permissions boundary arn:aws:iam::")
    assert "policy/cronbridge-boundary does not exist" in lines[0]
    assert lines[1].startswith("hint: ") and "ci-role.yaml" in lines[1]
    assert "Traceback" not in err
    # AND nothing was created
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
    assert iam.list_roles(PathPrefix="/cronbridge/")["Roles"] == []


def test_with_the_boundary_in_place_every_stage_role_carries_it(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the bootstrap's boundary policy exists
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="cronbridge-boundary", PolicyDocument=json.dumps(document))[
        "Policy"
    ]["Arn"]
    # WHEN deploying (an emulator endpoint: no Powertools layer there)
    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    assert main(["deploy", *aws, "--yes"]) == 0
    capsys.readouterr()
    # THEN every role of the stage carries the boundary
    roles = iam.list_roles(PathPrefix="/cronbridge/cronbridge/dev/")["Roles"]
    assert len(roles) == 8  # six jobs, the stage's monitor and the scheduler role
    for role in roles:
        full = iam.get_role(RoleName=role["RoleName"])["Role"]
        assert full["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
