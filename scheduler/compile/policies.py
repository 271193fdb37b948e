"""IAM documents for each job's role and the stage's scheduler role, and the DLQ policy.

Least privilege: every statement names this stage's resources; no ``*`` action and no
``*`` resource. A job's role reaches only that job's function, log group, retry schedules
and secret parameters, plus the shared runs table and queue. Where a per-resource list
would overflow IAM's 10,240-character inline policy quota (hundreds of functions), the ARN
narrows to this stage's name pattern ``<prefix>-<stage>-*`` instead. Pure, no AWS calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from scheduler import names
from scheduler.compile.arns import Arns

VERSION = "2012-10-17"
# Inline role policies share a 10,240-character quota per role; keep headroom for the rest.
_EXPLICIT_ARNS_BUDGET = 6_000


def _assume(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _scheduler_source(account_id: str, group_arns: Sequence[str]) -> dict[str, Any]:
    """Confused-deputy guard for EventBridge Scheduler: this account, and only schedules in
    these groups. Scheduler sets aws:SourceArn to the schedule GROUP's ARN (AWS says not
    to scope it to a schedule).
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
    """
    return {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnEquals": {"aws:SourceArn": sorted(group_arns)},
    }


def scheduler_trust_policy(account_id: str, group_arns: Sequence[str]) -> dict[str, Any]:
    """Only EventBridge Scheduler, for schedules of this stage's groups in this account."""
    return {
        "Version": VERSION,
        "Statement": [
            _assume("scheduler.amazonaws.com", _scheduler_source(account_id, group_arns))
        ],
    }


def job_trust_policy(
    account_id: str, retry_group_arn: str, jobs_group_arn: str | None = None
) -> dict[str, Any]:
    """Lambda runs the job with this role; EventBridge Scheduler assumes it to deliver the
    job's own retries and its ``backend: scheduler`` schedule (so either can invoke this
    job's function and no other). Lambda
    documents no confused-deputy condition keys for execution roles, so its statement is
    bounded by the service principal alone.
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"""
    return {
        "Version": VERSION,
        "Statement": [
            _assume("lambda.amazonaws.com"),
            _assume(
                "scheduler.amazonaws.com",
                _scheduler_source(account_id, [retry_group_arn, *filter(None, [jobs_group_arn])]),
            ),
        ],
    }


def job_policy(
    arns: Arns,
    *,
    job: str,
    function_arn: str,
    role_arn: str,
    log_group: str,
    table_arn: str,
    queue_arn: str,
    retry_group: str,
    ssm_parameters: Sequence[str],
    alert_topic: str | None = None,
    rule_arns: Sequence[str] = (),
    schedule_arns: Sequence[str] = (),
) -> dict[str, Any]:
    """What one job's function (and Scheduler delivering its retries) may do: the runs
    table, the DLQ, its own log group, its own retry schedules, invoking its own function,
    and exactly the SSM parameters its ``env`` references (no SSM statement without any)."""
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
            # The worker parks dead runs here; Lambda's async on-failure destination and
            # Scheduler's retry dead-letter config send with this role too.
            "Sid": "DeadLetterQueue",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [queue_arn],
        },
        {
            # Deploy creates the log group (with its retention) before the function, so
            # no logs:CreateLogGroup: Lambda must not recreate it with unlimited retention.
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{arns.log_group(log_group)}:*"],
        },
        {
            "Sid": "OwnRetrySchedules",
            "Effect": "Allow",
            "Action": ["scheduler:CreateSchedule"],
            "Resource": [arns.schedules_in_group(retry_group, names.retry_schedule_prefix(job))],
        },
        {
            # CreateSchedule needs iam:PassRole on the schedule's execution role: the
            # job's own role, whose only invoke grant is the job's own function.
            "Sid": "PassOwnRoleToScheduler",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [role_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
        {
            "Sid": "InvokeOwnFunction",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [function_arn],
        },
    ]
    if alert_topic:
        # The worker tells ``dead`` itself (notify: [dead, ...]); no job gets it otherwise.
        statements.append(
            {
                "Sid": "PublishDeadAlert",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": [alert_topic],
            }
        )
    if rule_arns:
        # A pause's expiry is delivered to the job itself, which turns its own rules back
        # on (scheduler/operate/toggle.py). Only EnableRule: a job can never pause another.
        statements.append(
            {
                "Sid": "ResumeOwnRules",
                "Effect": "Allow",
                "Action": ["events:EnableRule"],
                "Resource": sorted(rule_arns),
            }
        )
    if schedule_arns:
        # Scheduler has no enable call: GetSchedule, then UpdateSchedule with every field.
        # The schedule runs under this same role, so the PassRole above covers it.
        statements.append(
            {
                "Sid": "ResumeOwnSchedules",
                "Effect": "Allow",
                "Action": ["scheduler:GetSchedule", "scheduler:UpdateSchedule"],
                "Resource": sorted(schedule_arns),
            }
        )
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
    """EventBridge Scheduler invokes this stage's functions for ``backend: scheduler`` job
    schedules and writes undeliverable events to the DLQ with this role. Retries use each
    job's own role instead, so no job can pass this one."""
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


def monitor_trust_policy() -> dict[str, Any]:
    """Only Lambda runs the stage's monitor with this role."""
    return {"Version": VERSION, "Statement": [_assume("lambda.amazonaws.com")]}


def monitor_policy(
    arns: Arns,
    *,
    base: str,
    table_arn: str,
    log_group: str,
    topic_arns: Sequence[str],
    catchup_functions: Sequence[str],
) -> dict[str, Any]:
    """What the stage's monitor may do: list functions (to read the watched jobs' settings),
    read runs and keep its told-state items in the runs table, publish to the alert topics,
    and invoke the functions of jobs with ``catchup``. ``lambda:ListFunctions`` is the one
    action here with ``*`` as resource: IAM supports no resource for it
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html);
    it reveals function configurations, never runs or changes anything."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ListStageFunctions",
            "Effect": "Allow",
            "Action": ["lambda:ListFunctions"],
            "Resource": "*",
        },
        {
            "Sid": "RunsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            "Resource": [table_arn],
        },
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{arns.log_group(log_group)}:*"],
        },
    ]
    if topic_arns:
        statements.append(
            {
                "Sid": "PublishAlerts",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": sorted(topic_arns),
            }
        )
    if catchup_functions:
        functions = sorted(arns.function(n) for n in catchup_functions)
        if len(json.dumps(functions)) > _EXPLICIT_ARNS_BUDGET:
            functions = [arns.functions_matching(f"{base}-*")]
        statements.append(
            {
                "Sid": "InvokeCatchup",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": functions,
            }
        )
    return {"Version": VERSION, "Statement": statements}
