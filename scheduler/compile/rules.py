"""One EventBridge rule that delivers a job's slots to its worker function.

Every rule cronbridge compiles has the same shape: the worker target with the slot's input
transformer, a delivery retry policy and the stage's dead-letter queue, and the Lambda
permission scoped to that rule. Jobs' rules and the stage monitor's rule both come from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from scheduler import target_input
from scheduler.compile.arns import Arns
from scheduler.resources import Permission, RetryPolicy, Rule, Target


def worker_rule(
    *,
    job: str,
    rule_name: str,
    arns: Arns,
    expression: str,
    state: Literal["ENABLED", "DISABLED"],
    description: str,
    function_name: str,
    function_arn: str,
    payload: Mapping[str, Any],
    retry_policy: RetryPolicy,
    dead_letter_arn: str,
    tags: Mapping[str, str],
) -> Rule:
    """The rule firing ``expression`` for ``job``, its worker target and invoke permission."""
    rule_arn = arns.rule(rule_name)
    return Rule(
        job=job,
        name=rule_name,
        arn=rule_arn,
        schedule_expression=expression,
        state=state,
        description=description,
        target=Target(
            rule_name=rule_name,
            target_id="worker",
            arn=function_arn,
            input_paths=dict(target_input.RULE_INPUT_PATHS),
            input_template=target_input.rule_input_template(job, dict(payload)),
            retry_policy=retry_policy,
            dead_letter_arn=dead_letter_arn,
        ),
        permission=Permission(
            function_name=function_name,
            statement_id=rule_name,
            source_arn=rule_arn,
            source_account=arns.account_id,
        ),
        tags=dict(tags),
    )
