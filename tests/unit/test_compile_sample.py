"""Compile the sample catalogue: golden JSON, plus properties the golden can hide.

Regenerate the golden after an intended change: CRONBRIDGE_UPDATE_GOLDENS=1 pytest tests/unit
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from scheduler import contract, names
from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources import DesiredState

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "compiled_sample_dev.json"


@pytest.fixture(scope="module")
def desired() -> DesiredState:
    cat = load_catalogue(REPO / "jobs.yaml")
    return compile_catalogue(cat, "dev", account_id="123456789012", region="eu-west-1")


def test_compiled_sample_matches_golden(desired: DesiredState) -> None:
    # GIVEN the sample catalogue WHEN compiled THEN the output equals the reviewed golden
    text = json.dumps(dataclasses.asdict(desired), indent=2, sort_keys=True, default=list) + "\n"
    if os.environ.get("CRONBRIDGE_UPDATE_GOLDENS") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "golden changed: rerun with CRONBRIDGE_UPDATE_GOLDENS=1"


# IAM takes no resource ARN for these: "*" is the only way to grant them (Service
# Authorization Reference). The monitor lists functions to read its watched jobs.
UNSCOPABLE = {"lambda:ListFunctions"}


def test_no_wildcard_actions_or_resources(desired: DesiredState) -> None:
    roles = [desired.shared.scheduler_role, *(j.role for j in desired.jobs.values())]
    for role in roles:
        for st in role.policy_document["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            assert all("*" not in a for a in actions), st
            if set(actions) <= UNSCOPABLE:
                continue
            assert "*" not in st["Resource"], st


def test_rules_input_transformer_and_two_rules_for_dom_or_dow(desired: DesiredState) -> None:
    rules = desired.jobs["month-end-close"].rules
    assert [r.name for r in rules] == [
        "cronbridge-dev-month-end-close-1",
        "cronbridge-dev-month-end-close-2",
    ]
    t = rules[0].target
    assert t.input_paths == {"time": "$.time", "id": "$.id"}
    assert '"scheduled_time": <time>' in t.input_template
    assert rules[0].permission.source_arn == rules[0].arn
    assert desired.jobs["cleanup-tmp"].rules[0].state == "DISABLED"


def test_function_env_follows_contract_and_keeps_secret_references(desired: DesiredState) -> None:
    fn = desired.jobs["berlin-opening-digest"].function
    env = fn.environment
    assert env[contract.ENV_JOB] == "berlin-opening-digest"
    assert env[contract.ENV_TABLE] == "cronbridge-dev-runs"
    assert env["SMTP_PASSWORD"] == "ssm:/cronbridge/smtp-password"
    sched = desired.jobs["berlin-opening-digest"].schedules[0]
    assert sched.timezone == "Europe/Berlin"
    assert json.loads(sched.input)["scheduled_time"] == "<aws.scheduler.scheduled-time>"


def test_spec_hash_is_stable_and_sensitive(desired: DesiredState) -> None:
    job = desired.jobs["heartbeat"]
    assert job.spec_hash("a") == job.spec_hash("a")
    assert job.spec_hash("a") != job.spec_hash("b")
    other = dataclasses.replace(job.function, timeout=job.function.timeout + 1)
    assert dataclasses.replace(job, function=other).spec_hash("a") != job.spec_hash("a")


def test_each_job_has_its_own_role_and_log_group(desired: DesiredState) -> None:
    # GIVEN the sample WHEN compiled THEN every function runs under its own role
    role_arns = [j.function.role_arn for j in desired.jobs.values()]
    assert len(set(role_arns)) == len(desired.jobs)
    for job in desired.jobs.values():
        assert job.function.role_arn == job.role.arn
        if job.job == names.MONITOR:
            continue  # the stage's monitor (tests/unit/test_compile_monitor.py)
        assert job.function.environment[contract.ENV_RETRY_ROLE_ARN] == job.role.arn
        assert job.role.path == "/cronbridge/cronbridge/dev/"
        assert job.log_group.name == f"/aws/lambda/{job.function.name}"
        assert job.log_group.retention_in_days == 30
        assert job.log_group.tags[contract.TAG_JOB] == job.job
    # AND only the job that references a parameter may read one
    readers = [
        j.job
        for j in desired.jobs.values()
        if any(st.get("Sid") == "SecretParameters" for st in j.role.policy_document["Statement"])
    ]
    assert readers == ["berlin-opening-digest"]


def test_retry_env_is_each_policys_own_text() -> None:
    from scheduler.catalogue.models import RetryPolicy
    from scheduler.compile.compiler import _retry_env

    # GIVEN policies written differently but equal, and one that differs in one field
    same = [RetryPolicy(), RetryPolicy.model_validate({"backoff": 2}), RetryPolicy(retries=2)]
    other = RetryPolicy(retries=3)
    # WHEN their env texts are asked for, in turns THEN each is that policy's own to_env()
    for policy in [*same, other, *same]:
        assert _retry_env(policy) == policy.to_env()
    assert _retry_env(other) != _retry_env(same[0])
