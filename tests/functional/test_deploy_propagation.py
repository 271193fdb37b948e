"""IAM propagation (issue 8, item 17): calls a new role can fail are retried, and a rule's
invoke permission exists before the rule and its target.

Against in-process moto; the role-not-ready answers AWS gives are injected by a client
wrapper that fails a named operation a few times with AWS's exact error code and message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scheduler.awsclients import AwsClients
from scheduler.deploy.engine import apply_plan
from scheduler.errors import AwsCallError
from tests.functional.deploying import Recorder, plan, plan_context

LAMBDA_NOT_READY = (
    "InvalidParameterValueException",
    "The function's execution role does not have permissions to call SendMessage on "
    "arn:aws:sqs:us-east-1:123456789012:cronbridge-dev-dead-letter",
)
SCHEDULER_NOT_READY = (
    "ValidationException",
    "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.",
)


class Flaky:
    """Clients whose ``operation`` fails ``times`` times with (code, message), then works."""

    def __init__(self, failures: dict[str, tuple[str, str, int]]) -> None:
        self.inner = AwsClients(region="us-east-1")
        self.region_name = "us-east-1"
        self.failures = dict(failures)
        self.failed: list[str] = []

    def client(self, service: str) -> Any:
        inner = self.inner.client(service)
        outer = self

        class Proxy:
            def __getattr__(self, name: str) -> Any:
                method = getattr(inner, name)
                if name not in outer.failures:
                    return method

                def call(**kwargs: Any) -> Any:
                    code, message, times = outer.failures[name]
                    if times > 0:
                        outer.failures[name] = (code, message, times - 1)
                        outer.failed.append(name)
                        raise ClientError({"Error": {"Code": code, "Message": message}}, name)
                    return method(**kwargs)

                return call

        return Proxy()


def _deploy(folder: Path, clients: Any, slept: list[float]) -> None:
    apply_plan(plan_context(folder, clients), clients, sleep=slept.append)


def test_async_config_and_schedule_are_retried_while_the_role_propagates(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN Lambda and Scheduler answering "role not ready" twice each, as AWS does for a
    # few seconds after a role or its policy is created
    flaky = Flaky(
        {
            "put_function_event_invoke_config": (*LAMBDA_NOT_READY, 2),
            "create_schedule": (*SCHEDULER_NOT_READY, 2),
        }
    )
    slept: list[float] = []
    # WHEN the sample catalogue is deployed
    _deploy(folder, flaky, slept)
    # THEN both calls were retried after a pause, and the stage is complete
    assert flaky.failed.count("put_function_event_invoke_config") == 2
    assert flaky.failed.count("create_schedule") == 2
    assert len(slept) == 4
    assert not plan(folder, flaky, refresh=True).has_changes


def test_other_validation_errors_are_not_retried(folder: Path, clients: Recorder) -> None:
    # GIVEN Scheduler rejecting the schedule for a reason that waiting does not fix
    flaky = Flaky({"create_schedule": ("ValidationException", "Invalid timezone", 1)})
    slept: list[float] = []
    # WHEN deploying THEN it fails at once, naming AWS's error
    with pytest.raises(AwsCallError, match="Invalid timezone"):
        _deploy(folder, flaky, slept)
    assert slept == []


def test_invoke_permission_comes_before_the_rule_and_its_target(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN an empty account WHEN the sample catalogue is deployed
    _deploy(folder, clients, [])
    # THEN for every rule, AddPermission precedes PutRule, which precedes PutTargets
    order: dict[str, list[str]] = {}
    for name, params in clients.calls:
        rule = params.get("StatementId") if name == "AddPermission" else None
        rule = rule or (params.get("Name") if name == "PutRule" else None)
        rule = rule or (params.get("Rule") if name == "PutTargets" else None)
        if rule:
            order.setdefault(rule, []).append(name)
    assert order and all(
        calls == ["AddPermission", "PutRule", "PutTargets"] for calls in order.values()
    ), order
