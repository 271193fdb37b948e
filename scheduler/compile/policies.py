"""IAM documents for the worker and scheduler roles, and the dead-letter queue policy.

Least privilege: every statement names this stage's resources; no ``*`` action and no
``*`` resource. Where a per-resource list would overflow IAM's 10,240-character inline
policy quota (hundreds of functions or log groups), the ARN narrows to this stage's name
pattern ``<prefix>-<stage>-*`` instead. Pure, no AWS calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from scheduler.compile.arns import Arns

VERSION = "2012-10-17"
# Inline role policies share a 10,240-character quota per role; keep headroom for the rest.
_EXPLICIT_ARNS_BUDGET = 6_000


def trust_policy(service: str, account_id: str) -> dict[str, Any]:
    """Only ``service`` may assume the role, and (confused-deputy guard) only for this account.
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if service == "scheduler.amazonaws.com":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return {"Version": VERSION, "Statement": [statement]}


def worker_policy(
    arns: Arns,
    *,
    base: str,
    table_arn: str,
    queue_arn: str,
    retry_group: str,
    scheduler_role_arn: str,
    ssm_parameters: Sequence[str],
) -> dict[str, Any]:
    log_groups = arns.log_groups(f"/aws/lambda/{base}-*")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RunsTable",
            "Effect": "Allow",
            "Action": [
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
            ],
            "Resource": [table_arn, f"{table_arn}/index/*"],
        },
        {
            # The worker parks dead runs here, and Lambda's async on-failure destination
            # sends with the function's execution role.
            "Sid": "DeadLetterQueue",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [queue_arn],
        },
        {
            "Sid": "OwnLogGroups",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup"],
            "Resource": [log_groups],
        },
        {
            "Sid": "OwnLogStreams",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_groups}:log-stream:*"],
        },
        {
            "Sid": "RetrySchedules",
            "Effect": "Allow",
            "Action": ["scheduler:CreateSchedule"],
            "Resource": [arns.schedules_in_group(retry_group)],
        },
        {
            "Sid": "PassSchedulerRole",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [scheduler_role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
    ]
    if ssm_parameters:
        statements.append(
            {
                "Sid": "SecretParameters",
                "Effect": "Allow",
                # The worker reads them in batches (GetParameters is its own IAM action).
                # SecureStrings under a customer-managed KMS key also need kms:Decrypt.
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": sorted({arns.ssm_parameter(p) for p in ssm_parameters}),
            }
        )
    return {"Version": VERSION, "Statement": statements}


def scheduler_policy(
    arns: Arns, *, base: str, function_names: Sequence[str], queue_arn: str
) -> dict[str, Any]:
    """EventBridge Scheduler invokes only this stage's functions (job schedules and one-time
    retry schedules) and writes undeliverable events to the DLQ with this role."""
    functions = sorted(arns.function(n) for n in function_names)
    if not functions or len(json.dumps(functions)) > _EXPLICIT_ARNS_BUDGET:
        functions = [arns.functions_matching(f"{base}-*")]
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "InvokeJobFunctions",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": functions,
            },
            {
                "Sid": "DeadLetterQueue",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [queue_arn],
            },
        ],
    }


def queue_policy(arns: Arns, *, base: str, queue_arn: str) -> dict[str, Any]:
    """EventBridge rules need a queue policy to use the queue as a target DLQ.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html"""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "RuleDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": arns.rule(f"{base}-*")},
                    "StringEquals": {"aws:SourceAccount": arns.account_id},
                },
            }
        ],
    }
