"""Semantic checks on one merged job: what the schema alone cannot say.

Each check returns ``(field, message, hint)`` findings; the loader attaches positions.
These encode limits real AWS enforces and moto does not (see DESIGN.md): cron ranges,
sub-minute schedules, time zones per backend, target input size, secrets in plain text.
Pure: no AWS, no user code executed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scheduler import contract, names
from scheduler.catalogue.handlers import handler_problem
from scheduler.catalogue.models import DURATION_PATTERN, duration_seconds
from scheduler.schedule import (
    ScheduleError,
    is_valid_timezone,
    parse_schedule,
    to_aws_expressions,
)
from scheduler.target_input import MAX_TARGET_INPUT, target_input

Finding = tuple[str | None, str, str | None]

SECRET_KEY_RE = re.compile(r"PASSWORD|SECRET|TOKEN|PASSWD|API_?KEY|PRIVATE_?KEY", re.IGNORECASE)
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_REFERENCE_PREFIX = "ssm:"
SCHEDULE_FORMS_HINT = (
    "forms: '0 2 * * *' (5-field cron), 'cron(0 2 * * ? *)', 'rate(5 minutes)', '@daily'"
)
# Lambda reserves these; setting them fails at deploy time on real AWS.
RESERVED_ENV = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}


def check_job(
    name: str, job: dict[str, Any], root: Path, *, handler_memo: dict[str, Any] | None = None
) -> list[Finding]:
    """Findings for one merged job; ``handler_memo`` keeps handler answers across jobs."""
    findings: list[Finding] = []
    problem = names.job_name_problem(name)
    if problem:
        findings.append((None, problem, "for example: nightly-report"))
    findings += _check_schedule(job)
    handler = job.get("handler")
    if isinstance(handler, str):
        memo = handler_memo if handler_memo is not None else {}
        if handler not in memo:
            memo[handler] = handler_problem(root, handler)
        found = memo[handler]
        if found:
            findings.append(("handler", found[0], found[1]))
    findings += _check_timeout(job.get("timeout"))
    findings += _check_payload(name, job)
    findings += _check_env(job.get("env") or {})
    findings += _check_tags(job.get("tags") or {})
    findings += _check_catchup(job)
    findings += _check_window(job)
    return findings


# EventBridge Scheduler's FlexibleTimeWindow.MaximumWindowInMinutes: 1 to 1,440.
# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_FlexibleTimeWindow.html
MAX_WINDOW_MINUTES = 1440


def _check_window(job: dict[str, Any]) -> list[Finding]:
    window = job.get("window")
    if not isinstance(window, str) or not re.fullmatch(DURATION_PATTERN, window):
        return []  # absent, or the schema check already said so
    if job.get("backend", "rules") != "scheduler":
        return [
            (
                "window",
                "a flexible window needs EventBridge Scheduler; EventBridge rules fire at "
                "their minute",
                "add `backend: scheduler` to this job, or remove `window`",
            )
        ]
    if duration_seconds(window) // 60 > MAX_WINDOW_MINUTES:
        return [
            (
                "window",
                f"{window!r} is longer than EventBridge Scheduler's 1,440 minutes (24h)",
                "use at most 24h",
            )
        ]
    return []


# The stage's monitor looks for missed slots every MONITOR_PERIOD_SECONDS, and calls a slot
# missed once it is ``grace`` old: a shorter window would expire before anyone looked.
MONITOR_PERIOD_SECONDS = 300
MAX_CATCHUP_WINDOW_SECONDS = 7 * 86400


def _check_catchup(job: dict[str, Any]) -> list[Finding]:
    window = job.get("catchup_window")
    grace = job.get("grace")
    if not isinstance(window, str) or not isinstance(grace, int) or job.get("catchup") == "none":
        return []
    if not re.fullmatch(DURATION_PATTERN, window):
        return []  # the schema check already said so
    seconds = duration_seconds(window)
    shortest = grace + MONITOR_PERIOD_SECONDS
    if seconds < shortest:
        return [
            (
                "catchup_window",
                f"{window!r} is shorter than grace ({grace} s) plus the monitor's 5-minute "
                "period: a missed slot would leave the window before the monitor sees it",
                f"use at least {-(-shortest // 60)}m",
            )
        ]
    if seconds > MAX_CATCHUP_WINDOW_SECONDS:
        return [("catchup_window", f"{window!r} is more than 7 days", "use at most 7d")]
    return []


def _check_schedule(job: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    zone = job.get("timezone", "UTC")
    if not is_valid_timezone(zone):
        findings.append(
            ("timezone", f"unknown time zone {zone!r}", "use an IANA name such as Europe/Berlin")
        )
    elif job.get("backend", "rules") == "rules" and zone not in ("UTC", "Etc/UTC"):
        findings.append(
            (
                "timezone",
                f"{zone!r} needs EventBridge Scheduler; EventBridge rules run in UTC only",
                "add `backend: scheduler` to this job",
            )
        )
    text = job.get("schedule")
    if isinstance(text, str):
        try:
            to_aws_expressions(parse_schedule(text))
        except ScheduleError as exc:
            # The finding is already under the field "schedule": the parser's whole-expression
            # errors start with "schedule: " too, which would print it twice.
            message = exc.message.removeprefix("schedule: ")
            findings.append(("schedule", message, exc.hint or SCHEDULE_FORMS_HINT))
    return findings


def _check_timeout(timeout: Any) -> list[Finding]:
    """The worker's watchdog keeps a few seconds before the deadline for its own writes."""
    margin = contract.WATCHDOG_MIN_MARGIN_SECONDS
    if isinstance(timeout, int) and 0 < timeout <= margin:
        return [
            (
                "timeout",
                f"{timeout} s leaves the handler no time: the worker records a timeout "
                f"{margin} s before the deadline",
                f"use timeout: {margin + 2} or more",
            )
        ]
    return []


def _check_payload(name: str, job: dict[str, Any]) -> list[Finding]:
    backend = job.get("backend") or "rules"
    try:
        # The exact string deploy writes on the target, measured as AWS counts it.
        size = len(target_input(backend, name, job.get("payload") or {}))
    except (TypeError, ValueError) as exc:
        return [
            (
                "payload",
                f"payload is not plain JSON: {exc}",
                "quote dates and times so YAML keeps them as strings",
            )
        ]
    if size > MAX_TARGET_INPUT:
        return [
            (
                "payload",
                f"the target input would be {size} characters; EventBridge allows "
                f"{MAX_TARGET_INPUT}",
                "keep large data in S3 and pass its key in the payload",
            )
        ]
    return []


def _check_env(env: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for key, value in env.items():
        if not ENV_KEY_RE.match(key):
            findings.append(
                (f"env.{key}", "not a valid environment variable name", "use A-Z, 0-9 and _")
            )
        elif key in RESERVED_ENV or key.startswith("CRONBRIDGE_"):
            findings.append((f"env.{key}", "reserved by Lambda or cronbridge", "rename it"))
        elif SECRET_KEY_RE.search(key) and not value.startswith(SECRET_REFERENCE_PREFIX):
            findings.append(
                (
                    f"env.{key}",
                    "looks like a secret but holds a literal value",
                    f'store it in SSM Parameter Store and write "{SECRET_REFERENCE_PREFIX}'
                    f'/path/to/parameter"; the worker resolves it at run time',
                )
            )
        elif value.startswith(SECRET_REFERENCE_PREFIX) and not value[4:].startswith("/"):
            findings.append(
                (
                    f"env.{key}",
                    f"secret reference {value!r} must name a parameter path",
                    'write it as "ssm:/path/to/parameter"',
                )
            )
    return findings


def _check_tags(tags: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for key, value in tags.items():
        lowered = key.lower()
        if lowered.startswith("aws:") or key.startswith(contract.MANAGED_BY_VALUE + ":"):
            findings.append((f"tags.{key}", "tag keys aws:* and cronbridge:* are reserved", None))
        elif not 1 <= len(key) <= 128 or len(value) > 256:
            findings.append((f"tags.{key}", "tag keys are 1-128 chars, values up to 256", None))
    return findings
