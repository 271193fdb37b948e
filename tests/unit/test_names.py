"""AWS names: readable, carry the job, and always within AWS's length limits."""

from __future__ import annotations

import pytest

from scheduler import names


def test_longest_allowed_names_fit_aws_limits() -> None:
    # GIVEN the longest prefix, stage and job name the validators allow
    prefix, stage = "p" * names.MAX_PREFIX_LEN, "s" * names.MAX_STAGE_LEN
    job = "j" * names.MAX_JOB_NAME_LEN
    assert names.prefix_problem(prefix) is None
    assert names.stage_problem(stage) is None
    assert names.job_name_problem(job) is None
    # THEN every derived name that AWS caps at 64 characters fits, suffix included
    for derived in (
        names.function_name(prefix, stage, job),
        names.rule_name(prefix, stage, job, 9, 10),
        names.schedule_name(prefix, stage, job),
        names.job_role(prefix, stage, job),
        names.scheduler_role(prefix, stage),
        names.retry_schedule_group(prefix, stage),
    ):
        assert len(derived) <= 64, derived


def test_job_roles_never_take_the_scheduler_roles_name() -> None:
    # GIVEN a job named "scheduler" THEN its own role is not the stage's scheduler role
    assert names.job_role("cb", "dev", "scheduler") != names.scheduler_role("cb", "dev")
    assert names.role_path("cb", "dev") == "/cronbridge/cb/dev/"


def test_rule_suffix_only_when_a_job_has_several() -> None:
    assert names.rule_name("cb", "dev", "nightly", 0, 1) == "cb-dev-nightly"
    assert names.rule_name("cb", "dev", "nightly", 1, 2) == "cb-dev-nightly-2"


@pytest.mark.parametrize(
    "bad", ["", "Upper", "has_underscore", "-lead", "trail-", "dou--ble", "1digit", "j" * 39]
)
def test_bad_job_names(bad: str) -> None:
    assert names.job_name_problem(bad) is not None


@pytest.mark.parametrize("bad", ["", "Prod", "prod-1", "toolongstage"])
def test_bad_stage_names(bad: str) -> None:
    assert names.stage_problem(bad) is not None
