"""Read what is deployed for one job, for ``cronbridge describe``: its function's settings
and the rules or schedules that fire it, as AWS has them now.

AWS-facing: the caller hands in clients; nothing is written. A handful of reads per job
(GetFunctionConfiguration, ListRules by name prefix, ListSchedules in the stage's group,
GetSchedule for each of the job's schedules). A rule or schedule is counted as the job's
only when its description carries the job's marker (``cronbridge <stage> <job>:``), so job
``a``'s rule ``<base>-a-1`` is never confused with job ``a-1``'s rule ``<base>-a-1``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from scheduler import contract, names
from scheduler.errors import AwsCallError

_NOT_FOUND = ("ResourceNotFoundException", "ResourceNotFound", "NotFoundException")


@dataclass(frozen=True)
class Trigger:
    kind: str  # "rule" (EventBridge rule) | "schedule" (EventBridge Scheduler)
    name: str
    expression: str
    timezone: str
    state: str  # ENABLED | DISABLED


@dataclass(frozen=True)
class DeployedJob:
    function_name: str
    function_arn: str
    role_arn: str
    runtime: str
    timeout: int
    memory: int
    last_modified: str
    retries: dict[str, Any] | None  # the worker's retry policy, from the function's env
    overlap: str | None
    triggers: tuple[Trigger, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def backend(self) -> str | None:
        kinds = {t.kind for t in self.triggers}
        if kinds == {"rule"}:
            return "rules"
        if kinds == {"schedule"}:
            return "scheduler"
        return "rules and scheduler" if kinds else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["backend"] = self.backend
        data["triggers"] = [asdict(t) for t in self.triggers]
        return data


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _call(fn: Any, operation: str, resource: str, **kwargs: Any) -> Any:
    """One read; None when the resource does not exist, one clear error otherwise."""
    try:
        return fn(**kwargs)
    except Exception as exc:
        if _code(exc) in _NOT_FOUND:
            return None
        raise AwsCallError.from_exception(exc, operation, resource) from exc


def _marker(stage: str, job: str) -> str:
    return f"cronbridge {stage} {job}:"


def _ours(name: str, function_name: str, description: str, stage: str, job: str) -> bool:
    return bool(re.fullmatch(re.escape(function_name) + r"(-\d+)?", name)) and (
        description.startswith(_marker(stage, job))
    )


def read_deployed_job(clients: Any, prefix: str, stage: str, job: str) -> DeployedJob | None:
    """The job as deployed, or None when its function does not exist."""
    fn_name = names.function_name(prefix, stage, job)
    lam = clients.client("lambda")
    config = _call(
        lam.get_function_configuration, "lambda:GetFunctionConfiguration", fn_name,
        FunctionName=fn_name,
    )  # fmt: skip
    if config is None:
        return None
    env = (config.get("Environment") or {}).get("Variables") or {}
    try:
        retries = json.loads(env[contract.ENV_RETRY]) if contract.ENV_RETRY in env else None
    except ValueError:
        retries = None
    tags = _call(
        lam.list_tags, "lambda:ListTags", fn_name, Resource=config["FunctionArn"]
    ) or {}  # fmt: skip
    triggers = _rules(clients, fn_name, stage, job) + _schedules(clients, prefix, stage, job)
    return DeployedJob(
        function_name=fn_name,
        function_arn=str(config.get("FunctionArn", "")),
        role_arn=str(config.get("Role", "")),
        runtime=str(config.get("Runtime", "")),
        timeout=int(config.get("Timeout", 0)),
        memory=int(config.get("MemorySize", 0)),
        last_modified=str(config.get("LastModified", "")),
        retries=retries,
        overlap=env.get(contract.ENV_OVERLAP),
        triggers=tuple(triggers),
        tags=dict(tags.get("Tags") or {}),
    )


def _rules(clients: Any, fn_name: str, stage: str, job: str) -> list[Trigger]:
    events = clients.client("events")
    out: list[Trigger] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"NamePrefix": fn_name}
        if token:
            kwargs["NextToken"] = token
        page = _call(events.list_rules, "events:ListRules", fn_name, **kwargs) or {}
        for rule in page.get("Rules", []):
            name, desc = str(rule.get("Name", "")), str(rule.get("Description", ""))
            if _ours(name, fn_name, desc, stage, job):
                expression = str(rule.get("ScheduleExpression", ""))
                out.append(Trigger("rule", name, expression, "UTC", str(rule.get("State"))))
        token = page.get("NextToken")
        if not token:
            return sorted(out, key=lambda t: t.name)


def _schedules(clients: Any, prefix: str, stage: str, job: str) -> list[Trigger]:
    sched = clients.client("scheduler")
    group = names.schedule_group(prefix, stage)
    fn_name = names.function_name(prefix, stage, job)
    out: list[Trigger] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"GroupName": group, "NamePrefix": fn_name}
        if token:
            kwargs["NextToken"] = token
        page = _call(sched.list_schedules, "scheduler:ListSchedules", group, **kwargs) or {}
        for listed in page.get("Schedules", []):
            name = str(listed.get("Name", ""))
            if not re.fullmatch(re.escape(fn_name) + r"(-\d+)?", name):
                continue
            full = _call(
                sched.get_schedule, "scheduler:GetSchedule", f"{group}/{name}",
                Name=name, GroupName=group,
            )  # fmt: skip
            if full and _ours(name, fn_name, str(full.get("Description", "")), stage, job):
                out.append(
                    Trigger(
                        "schedule",
                        name,
                        str(full.get("ScheduleExpression", "")),
                        str(full.get("ScheduleExpressionTimezone") or "UTC"),
                        str(full.get("State", "")),
                    )
                )
        token = page.get("NextToken")
        if not token:
            return sorted(out, key=lambda t: t.name)
