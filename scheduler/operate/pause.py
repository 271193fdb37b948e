"""Pause and resume a deployed job without editing ``jobs.yaml`` (what the CLI verbs do).

A pause finds the job's deployed rules (``<prefix>-<stage>-<job>`` and ``-N``) or
Scheduler schedules, writes the pause record first (so a crash half-way leaves a record
that ``resume`` can undo), then turns off those that were on. With an expiry it also arms
a one-time ``at()`` schedule in the stage's retries group, named ``<job>.resume.<8 hex>``,
delivering ``{"trigger": "resume", "pause_id": ...}`` to the job's own function under the
job's own role, exactly as the worker arms its retries: at the expiry the worker ends the
pause (``scheduler.operate.toggle.end_expired_pause``). Under ``local up`` and ``local
simulate`` the local ticker fires that schedule into the same worker code.

Pausing a paused job replaces its reason and expiry and keeps the list of what the first
pause turned off. Clients are injected; no boto3 import.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduler import contract, names
from scheduler.clock import isoformat_z
from scheduler.errors import AwsCallError, CronbridgeError, UsageError
from scheduler.operate.pauses import Pause, PauseStore
from scheduler.operate.toggle import delete_resume_schedule, restore, set_rule, set_schedule

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
RESUME_DESCRIPTION_PREFIX = contract.RESUME_DESCRIPTION_PREFIX


def parse_for(text: str) -> timedelta:
    """``--for``: 30m, 2h, 1d, 1w; must be more than zero."""
    match = _DURATION.match(text.strip().lower())
    if text.strip().isdigit() and int(text.strip()) == 0:
        match = _DURATION.match("0s")
    if not match:
        raise UsageError(f"--for {text!r} is not a duration", hint="e.g. --for 30m, 2h, 1d or 1w")
    amount = int(match.group(1)) * _UNITS[match.group(2)]
    if amount <= 0:
        raise UsageError(
            f"--for {text}: a pause must last more than zero",
            hint="give a positive duration such as --for 2h, or no --for to pause until resumed",
        )
    return timedelta(seconds=amount)


def check_until(until: datetime, now: datetime) -> None:
    if until <= now:
        raise UsageError(
            f"--until {isoformat_z(until)} is in the past (now {isoformat_z(now)})",
            hint="give a future time, e.g. --until "
            + isoformat_z((now + timedelta(days=1)).replace(minute=0, second=0)),
        )


@dataclass
class JobTriggers:
    """A job's deployed rules or schedules, each with whether it is on."""

    rules: dict[str, bool] = field(default_factory=dict)
    schedules: dict[str, bool] = field(default_factory=dict)
    group: str = ""

    @property
    def deployed(self) -> bool:
        return bool(self.rules or self.schedules)


def _ours(function: str, name: str) -> bool:
    return name == function or re.fullmatch(re.escape(function) + r"-\d+", name) is not None


def find_triggers(clients: Any, prefix: str, stage: str, job: str) -> JobTriggers:
    """The job's rules (ListRules by name prefix) and schedules (ListSchedules in the group)."""
    function = names.function_name(prefix, stage, job)
    out = JobTriggers(group=names.schedule_group(prefix, stage))
    events = clients.client("events")
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"NamePrefix": function}
        if token:
            kwargs["NextToken"] = token
        page = _call("events:ListRules", function, lambda k=kwargs: events.list_rules(**k))
        for rule in page.get("Rules", []):
            if _ours(function, rule["Name"]):
                out.rules[rule["Name"]] = rule.get("State") == "ENABLED"
        token = page.get("NextToken")
        if not token:
            break
    scheduler = clients.client("scheduler")
    try:
        pages = scheduler.get_paginator("list_schedules").paginate(
            GroupName=out.group, NamePrefix=function
        )
        for page in pages:
            for item in page.get("Schedules", []):
                if _ours(function, item["Name"]):
                    out.schedules[item["Name"]] = item.get("State") == "ENABLED"
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code != "ResourceNotFoundException":  # no group: the stage has no schedules
            raise AwsCallError.from_exception(exc, "scheduler:ListSchedules", out.group) from exc
    return out


def _call(operation: str, resource: str, fn: Any) -> Any:
    try:
        return fn()
    except CronbridgeError:
        raise
    except Exception as exc:
        raise AwsCallError.from_exception(exc, operation, resource) from exc


def caller_identity(clients: Any) -> str:
    """Who is pausing: the ARN STS says these credentials belong to."""
    sts = clients.client("sts")
    return str(_call("sts:GetCallerIdentity", "caller", sts.get_caller_identity)["Arn"])


def resume_schedule_name(job: str, pause_id: str) -> str:
    """``<job>.resume.<8 hex>``: in the job's ``<job>.*`` retry-schedule namespace."""
    return f"{names.retry_schedule_prefix(job)}resume.{pause_id[:8]}"


@dataclass(frozen=True)
class PauseRequest:
    job: str
    reason: str
    until: datetime | None
    now: datetime


def pause_job(clients: Any, prefix: str, stage: str, request: PauseRequest) -> Pause:
    job = request.job
    table = names.runs_table(prefix, stage)
    store = PauseStore(clients.client("dynamodb"), table)
    triggers = find_triggers(clients, prefix, stage, job)
    if not triggers.deployed:
        raise CronbridgeError(
            f"job {job!r} is not deployed on stage {stage} (no rule or schedule "
            f"{names.function_name(prefix, stage, job)})",
            hint=f"deploy it first (`cronbridge deploy --stage {stage}`), or check --stage",
        )
    who = caller_identity(clients)
    existing = _call("dynamodb:GetItem", table, lambda: store.get(job))
    rules = [n for n, on in triggers.rules.items() if on]
    schedules = [n for n, on in triggers.schedules.items() if on]
    if existing is not None and existing.active:
        # Already paused: what it turned off is off now, so keep its list (plus anything
        # turned on since, say by a deploy --resume-paused racing this pause).
        rules = sorted(set(existing.rules) | set(rules))
        schedules = sorted(set(existing.schedules) | set(schedules))
    pause_id = secrets.token_hex(8)
    pause = Pause(
        job=job,
        pause_id=pause_id,
        reason=request.reason,
        by=who,
        paused_at=isoformat_z(request.now),
        until=isoformat_z(request.until) if request.until else None,
        rules=rules,
        schedules=schedules,
        group=triggers.group,
        resume_schedule=resume_schedule_name(job, pause_id) if request.until else None,
    )
    _call("dynamodb:PutItem", table, lambda: store.put(pause))
    events, scheduler = clients.client("events"), clients.client("scheduler")
    for name in rules:
        _call("events:DisableRule", name, lambda name=name: set_rule(events, name, enabled=False))
    for name in schedules:
        _call(
            "scheduler:UpdateSchedule",
            f"{triggers.group}/{name}",
            lambda name=name: set_schedule(scheduler, triggers.group, name, enabled=False),
        )
    retry_group = names.retry_schedule_group(prefix, stage)
    if existing is not None and existing.active:
        _call(
            "scheduler:DeleteSchedule",
            retry_group,
            lambda: delete_resume_schedule(scheduler, retry_group, existing),
        )
    if request.until is not None:
        _arm_resume(clients, prefix, stage, pause, request.until)
    return pause


def _arm_resume(clients: Any, prefix: str, stage: str, pause: Pause, until: datetime) -> None:
    from scheduler.worker.retry import create_one_time_schedule

    function = names.function_name(prefix, stage, pause.job)
    config = _call(
        "lambda:GetFunctionConfiguration",
        function,
        lambda: clients.client("lambda").get_function_configuration(FunctionName=function),
    )
    group = names.retry_schedule_group(prefix, stage)
    name = str(pause.resume_schedule)
    worker_input = {"job": pause.job, "trigger": "resume", "pause_id": pause.pause_id}
    _call(
        "scheduler:CreateSchedule",
        f"{group}/{name}",
        lambda: create_one_time_schedule(
            clients.client("scheduler"),
            name=name,
            group=group,
            at=until,
            target={
                "Arn": config["FunctionArn"],
                # The job's own role, as for its retries: it may invoke this function only.
                "RoleArn": str(config.get("Role", "")),
                "Input": json.dumps(worker_input, separators=(",", ":")),
                "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 86_400},
            },
            description=f"{RESUME_DESCRIPTION_PREFIX}{pause.job} ({pause.pause_id})",
        ),
    )


def paused(clients: Any, prefix: str, stage: str) -> dict[str, Pause]:
    """Active pauses of the stage by job (one Query); empty when the table is not there."""
    return {job: p for job, p in pause_records(clients, prefix, stage).items() if p.active}


def pause_records(clients: Any, prefix: str, stage: str) -> dict[str, Pause]:
    """Every pause record of the stage by job, active or ended (one Query)."""
    table = names.runs_table(prefix, stage)
    store = PauseStore(clients.client("dynamodb"), table)
    try:
        return {p.job: p for p in store.all()}
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            return {}
        raise AwsCallError.from_exception(exc, "dynamodb:Query", table) from exc


def resume_job(clients: Any, prefix: str, stage: str, job: str, now: datetime) -> Pause:
    table = names.runs_table(prefix, stage)
    store = PauseStore(clients.client("dynamodb"), table)
    pause = _call("dynamodb:GetItem", table, lambda: store.get(job))
    if pause is None or not pause.active:
        raise CronbridgeError(
            f"job {job!r} is not paused on stage {stage}",
            hint=f"see which jobs are with `cronbridge status --stage {stage}`",
        )
    who = caller_identity(clients)
    events, scheduler = clients.client("events"), clients.client("scheduler")
    _call("events:EnableRule", job, lambda: restore(events, scheduler, pause))
    retry_group = names.retry_schedule_group(prefix, stage)
    _call(
        "scheduler:DeleteSchedule",
        retry_group,
        lambda: delete_resume_schedule(scheduler, retry_group, pause),
    )
    _call(
        "dynamodb:UpdateItem",
        table,
        lambda: store.mark_resumed(job, pause.pause_id, isoformat_z(now), who),
    )
    return pause
