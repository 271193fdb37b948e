"""The exported CloudFormation template and the CI role template pass cfn-lint, clean.

cfn-lint is a dev dependency, so these tests never skip. Any rule we chose to accept would
be listed in ACCEPTED with its reason; today the list is empty: zero errors, zero warnings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy.cfn_code import bucket_template
from scheduler.deploy.cloudformation import (
    PLACEHOLDER_ACCOUNT_ID,
    PLACEHOLDER_REGION,
    render_template,
)
from tests.conftest import REPO_ROOT, SAMPLE_CATALOGUE

# rule id -> why it is acceptable (one line each). Empty on purpose.
ACCEPTED: dict[str, str] = {}
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]

# Everything the compiler can emit: two backends, a job split into two rules (day-of-month
# OR day-of-week), reserved concurrency, a disabled job, secrets, retries off.
RICH_CATALOGUE = """\
version: 1
prefix: acme
jobs:
  every-minute:
    schedule: rate(1 minute)
    handler: tasks:ping
    retries: 0
    reserved_concurrency: 2
  both-days:
    description: 1st of the month and Mondays
    schedule: "15 4 1 * MON"
    handler: jobs.work:run
    timeout: 900
    memory: 10240
    env: {API_TOKEN: "ssm:/acme/token", PLAIN: "x"}
  tokyo:
    schedule: "0 9 * * *"
    timezone: Asia/Tokyo
    backend: scheduler
    handler: jobs.work:run
    payload: {nested: {list: [1, 2]}, text: "quote \\" and ${brace}"}
  paused:
    schedule: "@hourly"
    handler: jobs.work:run
    enabled: false
"""


def write_rich_project(root: Path) -> Path:
    """The rich catalogue plus the handler modules it names; returns the catalogue path."""
    (root / "jobs").mkdir(parents=True)
    (root / "jobs" / "__init__.py").write_text("")
    (root / "jobs" / "work.py").write_text("def run(payload, ctx):\n    return None\n")
    (root / "tasks.py").write_text("def ping(payload, ctx):\n    return 'pong'\n")
    path = root / "jobs.yaml"
    path.write_text(RICH_CATALOGUE)
    return path


def _lint(text: str) -> list[str]:
    config = ManualArgs(regions=REGIONS, include_checks=["I"])
    matches = lint(text, config=config)
    return [
        f"{m.rule.id} {m.message} ({m.linenumber})" for m in matches if m.rule.id not in ACCEPTED
    ]


def _template_for(catalogue_path: Path, stage: str) -> str:
    catalogue = load_catalogue(catalogue_path)
    state = compile_catalogue(
        catalogue, stage, account_id=PLACEHOLDER_ACCOUNT_ID, region=PLACEHOLDER_REGION
    )
    template = render_template(state, code_sha256="abc=", code_key=f"acme/{stage}/code.zip")
    return json.dumps(template, indent=2)


def test_sample_catalogue_template_lints_clean() -> None:
    # GIVEN the sample catalogue WHEN exported THEN cfn-lint finds nothing (E, W or I)
    assert _lint(_template_for(SAMPLE_CATALOGUE, "dev")) == []


def test_rich_catalogue_template_lints_clean(tmp_path: Path) -> None:
    # GIVEN a catalogue using every feature the compiler maps
    text = _template_for(write_rich_project(tmp_path), "prod")
    resources = json.loads(text)["Resources"]
    # THEN the features really reached the template
    kinds = [r["Type"] for r in resources.values()]
    assert kinds.count("AWS::Scheduler::Schedule") == 1
    assert kinds.count("AWS::Events::Rule") == 4  # both-days split into two
    assert any(
        "ReservedConcurrentExecutions" in r.get("Properties", {}) for r in resources.values()
    )
    # AND cfn-lint finds nothing
    assert _lint(text) == []


def test_code_bucket_template_lints_clean() -> None:
    # GIVEN the sample's code bucket stack WHEN exported THEN cfn-lint finds nothing
    catalogue = load_catalogue(SAMPLE_CATALOGUE)
    state = compile_catalogue(
        catalogue, "dev", account_id=PLACEHOLDER_ACCOUNT_ID, region=PLACEHOLDER_REGION
    )
    assert _lint(json.dumps(bucket_template(state), indent=2)) == []


def test_lint_catches_a_broken_template() -> None:
    # The harness itself must be able to fail: a Lambda timeout over 900 s is an error.
    catalogue = load_catalogue(SAMPLE_CATALOGUE)
    state = compile_catalogue(
        catalogue, "dev", account_id=PLACEHOLDER_ACCOUNT_ID, region=PLACEHOLDER_REGION
    )
    template = render_template(state, code_sha256="abc=", code_key="k")
    fn = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    fn["Properties"]["Timeout"] = 901
    assert any(line.startswith("E") for line in _lint(json.dumps(template)))


@pytest.mark.parametrize("name", ["ci-role.yaml"])
def test_deploy_folder_templates_lint_clean(name: str) -> None:
    assert _lint((REPO_ROOT / "deploy" / name).read_text()) == []
