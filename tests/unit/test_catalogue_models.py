"""Retry policy arithmetic and the published JSON Schema. No AWS."""

from __future__ import annotations

import json

import pytest

from scheduler.catalogue import RetryPolicy
from scheduler.cli.schema import catalogue_schema


@pytest.mark.parametrize(
    ("policy", "delays"),
    [
        (RetryPolicy(retries=3, delay=30, backoff=2.0, max_delay=900), [30, 60, 120]),
        (RetryPolicy(retries=4, delay=100, backoff=3.0, max_delay=500), [100, 300, 500, 500]),
        (RetryPolicy(retries=2, delay=10, backoff=1.0, max_delay=900), [10, 10]),
    ],
)
def test_exponential_backoff_is_capped(policy: RetryPolicy, delays: list[int]) -> None:
    assert [policy.delay_before(n) for n in range(1, policy.retries + 1)] == delays


def test_retry_policy_env_round_trips() -> None:
    policy = RetryPolicy(retries=5, delay=7)
    assert RetryPolicy.model_validate(json.loads(policy.to_env())) == policy


def test_schema_describes_jobs_and_rejects_unknown_keys() -> None:
    schema = catalogue_schema()
    job = schema["$defs"]["JobFields"]
    assert job["additionalProperties"] is False
    assert {"schedule", "handler", "timezone", "backend", "retries"} <= set(job["properties"])
    assert schema["properties"]["jobs"]["propertyNames"]["maxLength"] == 38
    assert schema["required"] == ["version", "jobs"]
