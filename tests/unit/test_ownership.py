"""Ownership rules (pure): what a stage may touch, by name AND tags, or name AND markers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scheduler import contract
from scheduler.deploy.ownership import Owner

OWNER = Owner("alpha", "dev")
OURS = {
    contract.TAG_MANAGED_BY: contract.MANAGED_BY_VALUE,
    contract.TAG_STAGE: "dev",
    contract.TAG_PREFIX: "alpha",
}
LEGACY = {contract.TAG_MANAGED_BY: contract.MANAGED_BY_VALUE, contract.TAG_STAGE: "dev"}
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:alpha-dev-zone"
ROLE_ARN = "arn:aws:iam::123456789012:role/cronbridge/alpha/dev/alpha-dev-scheduler"


@pytest.mark.parametrize(
    ("tags", "name", "owned"),
    [
        (OURS, "alpha-dev-one", True),
        (OURS, "alpha-dev", True),  # the jobs schedule group
        (OURS, "beta-dev-one", False),  # our tags on another catalogue's name
        (OURS, "alpha-devx-one", False),
        ({**OURS, contract.TAG_PREFIX: "beta"}, "alpha-dev-one", False),
        ({**OURS, contract.TAG_STAGE: "prod"}, "alpha-dev-one", False),
        ({**OURS, contract.TAG_MANAGED_BY: "someone"}, "alpha-dev-one", False),
        (LEGACY, "alpha-dev-one", True),  # deployed before the prefix tag: by name
        (LEGACY, "alphadev-one", False),
        ({}, "alpha-dev-one", False),
        (None, "alpha-dev-one", False),
    ],
)
def test_tagged_resources_need_our_name_and_our_tags(
    tags: dict[str, str] | None, name: str, owned: bool
) -> None:
    assert OWNER.owns(tags, name) is owned


def _schedule(name: str, **over: Any) -> dict[str, Any]:
    target = {"Arn": FN_ARN, "RoleArn": ROLE_ARN, "Input": json.dumps({"job": "zone"})}
    target.update(over.pop("target", {}))
    return {"Name": name, "Description": "cronbridge dev zone: digest", "Target": target, **over}


@pytest.mark.parametrize(
    ("schedule", "owned"),
    [
        (_schedule("alpha-dev-zone"), True),
        (_schedule("alpha-dev-zone-2"), True),
        (_schedule("alpha-dev-zone", Description="mine"), False),
        (_schedule("nightly-export"), False),
        (_schedule("alpha-dev-zone", target={"Input": "{}"}), False),
        (_schedule("alpha-dev-zone", target={"RoleArn": "arn:aws:iam::1:role/ops"}), False),
        (
            _schedule("alpha-dev-zone", target={"Arn": FN_ARN.replace("alpha-dev", "beta-dev")}),
            False,
        ),
    ],
)
def test_job_schedules_need_name_marker_target_and_role(
    schedule: dict[str, Any], owned: bool
) -> None:
    assert OWNER.owns_schedule(schedule, "alpha-dev") is owned


def test_retry_schedules_need_the_workers_name_and_description() -> None:
    retry = _schedule("zone.2.0123abcd", Description=contract.RETRY_DESCRIPTION_PREFIX + "r1")
    assert OWNER.owns_schedule(retry, "alpha-dev-retries")
    assert not OWNER.owns_schedule({**retry, "Name": "other.2.0123abcd"}, "alpha-dev-retries")
    assert not OWNER.owns_schedule({**retry, "Description": "x"}, "alpha-dev-retries")
    # a group we do not know is never ours
    assert not OWNER.owns_schedule(retry, "alpha-dev-other")
