"""``cronbridge describe JOB``: one job as the catalogue has it and as it is deployed.

Side by side: schedule expression(s), backend, time zone, timeout, memory, retries,
enabled state, role and function; a mark on every row where the two differ. Then the
schedule in plain English, the next fire times (of what is deployed, since that is what
fires; of the catalogue when nothing is deployed) and the job's last runs. A job not in
the catalogue is an error naming the nearest names; a job in the catalogue but not
deployed says so and still shows the catalogue's side.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scheduler import names
from scheduler.catalogue import Job, load_catalogue
from scheduler.cli import common
from scheduler.cli.history import guard, render_history
from scheduler.cli.output import Result, table
from scheduler.clock import SystemClock, isoformat_z, parse_iso
from scheduler.deployed import DeployedJob, read_deployed_job
from scheduler.errors import AwsCallError, UsageError
from scheduler.ledger import DynamoRunStore, RunRecord
from scheduler.schedule import (
    ScheduleError,
    describe,
    next_fire_times,
    parse_schedule,
    to_aws_expressions,
)

if TYPE_CHECKING:
    from scheduler.operate.pauses import Pause

FIELDS = (
    "schedule",
    "backend",
    "timezone",
    "timeout",
    "memory",
    "retries",
    "state",
    "role",
    "function",
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", help="the job's name in jobs.yaml")
    parser.add_argument("-n", "--next", type=int, default=5, help="next fire times (default 5)")
    parser.add_argument("--runs", type=int, default=5, help="last runs to show (default 5)")
    parser.add_argument("--now", help="evaluate as of this ISO time instead of now")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def unknown_job(name: str, known: list[str], where: object) -> UsageError:
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = (
        f"did you mean {' or '.join(repr(n) for n in near)}?"
        if near
        else f"jobs: {', '.join(known) or '(none)'}"
    )
    return UsageError(f"no job {name!r} in {where}", hint=hint)


def run(args: argparse.Namespace) -> Result:
    if args.next < 0 or args.runs < 0:
        raise UsageError("--next and --runs must be 0 or more", hint="e.g. --next 5 --runs 10")
    try:
        now = parse_iso(args.now) if args.now else SystemClock().now()
    except ValueError as exc:
        raise UsageError(
            f"--now {args.now!r} is not an ISO time", hint="e.g. --now 2026-03-29T06:00:00Z"
        ) from exc
    path = common.catalogue_path(args)
    catalogue = load_catalogue(path)
    job = catalogue.jobs.get(args.job)
    if job is None:
        raise unknown_job(args.job, list(catalogue.jobs), path)
    stage = common.resolve_stage(args)
    clients = common.aws_clients(args)
    deployed = read_deployed_job(clients, catalogue.prefix, stage, job.name)
    runs = _last_runs(clients, catalogue.prefix, stage, job.name, args.runs)
    pause = _pause(clients, catalogue.prefix, stage, job.name) if deployed else None
    data = describe_data(
        job, deployed, prefix=catalogue.prefix, stage=stage, runs=runs, now=now, count=args.next,
        pause=pause,
    )  # fmt: skip
    return Result(data=data, text=lambda: render(data, runs))


def _last_runs(clients: Any, prefix: str, stage: str, job: str, count: int) -> list[RunRecord]:
    if count == 0:
        return []
    table_name = names.runs_table(prefix, stage)
    store = DynamoRunStore(clients.client("dynamodb"), table_name)
    try:
        return guard(
            "dynamodb:Query",
            table_name,
            lambda: list(itertools.islice(store.history(job, page_size=min(count, 100)), count)),
        )
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":
            return []  # the stage's runs table does not exist: nothing ran yet
        raise


def _pause(clients: Any, prefix: str, stage: str, job: str) -> Pause | None:
    """The job's pause (``cronbridge pause``) when one is in force, from the runs table."""
    from scheduler.operate.pauses import PauseStore

    table_name = names.runs_table(prefix, stage)
    store = PauseStore(clients.client("dynamodb"), table_name)
    try:
        pause = guard("dynamodb:GetItem", table_name, lambda: store.get(job))
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise
    return pause if pause is not None and pause.active else None


def catalogue_side(job: Job, prefix: str, stage: str) -> dict[str, Any]:
    schedule = parse_schedule(job.schedule)
    return {
        "schedule": job.schedule,
        "expressions": list(to_aws_expressions(schedule)),
        "backend": job.backend,
        "timezone": job.timezone,
        "timeout": job.timeout,
        "memory": job.memory,
        "retries": job.retries.model_dump(),
        "state": "ENABLED" if job.enabled else "DISABLED",
        "role": names.job_role(prefix, stage, job.name),
        "function": names.function_name(prefix, stage, job.name),
    }


def _deployed_state(deployed: DeployedJob) -> str:
    states = sorted({t.state for t in deployed.triggers})
    if not states:
        return "no rule or schedule"
    return (
        states[0]
        if len(states) == 1
        else "mixed: " + ", ".join(f"{t.name} {t.state}" for t in deployed.triggers)
    )


def _zones(deployed: DeployedJob) -> str:
    zones = sorted({t.timezone for t in deployed.triggers})
    return ", ".join(zones) if zones else "-"


def deployed_side(deployed: DeployedJob) -> dict[str, Any]:
    return {
        "expressions": [t.expression for t in deployed.triggers],
        "backend": deployed.backend,
        "timezone": _zones(deployed),
        "timeout": deployed.timeout,
        "memory": deployed.memory,
        "retries": deployed.retries,
        "state": _deployed_state(deployed),
        "role": deployed.role_arn,
        "function": deployed.function_arn,
        "runtime": deployed.runtime,
        "last_modified": deployed.last_modified,
        "triggers": [t.name for t in deployed.triggers],
    }


def _same(field: str, want: dict[str, Any], have: dict[str, Any]) -> bool:
    if field == "schedule":
        return bool(sorted(want["expressions"]) == sorted(have["expressions"]))
    if field in ("role", "function"):
        # The deployed side is an ARN; the catalogue gives the name it must end with.
        return bool(str(have[field]).rsplit("/", 1)[-1].rsplit(":", 1)[-1] == want[field])
    return bool(want[field] == have[field])


def differences(
    want: dict[str, Any], have: dict[str, Any] | None, paused: bool = False
) -> list[str]:
    if have is None:
        return []
    # A pause turns the job's triggers off on purpose: DISABLED then is not drift.
    explained = {"state"} if paused and have["state"] == "DISABLED" else set()
    return [f for f in FIELDS if not _same(f, want, have) and f not in explained]


def _next_fires(
    job: Job, deployed: DeployedJob | None, now: datetime, count: int
) -> tuple[list[str], str]:
    """The next fire times and what they come from ("deployed" or "catalogue")."""
    if count == 0:
        return [], "deployed" if deployed is not None else "catalogue"
    if deployed is None:
        if not job.enabled:
            return [], "catalogue"
        times = next_fire_times(
            parse_schedule(job.schedule), timezone=job.timezone, after=now, count=count
        )
        return [isoformat_z(t) for t in times], "catalogue"
    merged: set[datetime] = set()
    for trigger in deployed.triggers:
        if trigger.state != "ENABLED":
            continue
        try:
            schedule = parse_schedule(trigger.expression)
        except ScheduleError:
            continue  # made outside cronbridge in a form we do not read; shown, not timed
        merged.update(next_fire_times(schedule, timezone=trigger.timezone, after=now, count=count))
    return [isoformat_z(t) for t in sorted(merged)[:count]], "deployed"


def describe_data(
    job: Job,
    deployed: DeployedJob | None,
    *,
    prefix: str,
    stage: str,
    runs: list[RunRecord],
    now: datetime,
    count: int,
    pause: Pause | None = None,
) -> dict[str, Any]:
    want = catalogue_side(job, prefix, stage)
    have = deployed_side(deployed) if deployed is not None else None
    fires, source = _next_fires(job, deployed, now, count)
    return {
        "job": job.name,
        "stage": stage,
        "description": job.description,
        "when": describe(parse_schedule(job.schedule)),
        "deployed": have is not None,
        "catalogue_config": want,
        "deployed_config": have,
        "differences": differences(want, have, paused=pause is not None),
        "pause": pause.to_json() if pause is not None else None,
        "next_fires": fires,
        "next_fires_from": source,
        "last_runs": [r.to_json() for r in runs],
    }


def _show(field: str, side: dict[str, Any] | None) -> str:
    if side is None:
        return "(not deployed)"
    value = side.get(field)
    if field == "schedule":
        return ", ".join(side["expressions"]) or "-"
    if field == "timeout":
        return f"{value} s"
    if field == "memory":
        return f"{value} MB"
    if field == "retries":
        if not isinstance(value, dict):
            return "-"
        return (
            f"{value.get('retries')} (first after {value.get('delay')} s, "
            f"x{value.get('backoff')}, at most {value.get('max_delay')} s)"
        )
    return "-" if value is None else str(value)


def render(data: dict[str, Any], runs: list[RunRecord]) -> str:
    want, have = data["catalogue_config"], data["deployed_config"]
    diff = set(data["differences"])
    head = f"job {data['job']} (stage {data['stage']})"
    lines = [head + (f": {data['description']}" if data["description"] else "")]
    lines.append(f"when: {data['when']} ({want['timezone']})")
    if have is None:
        lines.append(
            f"not deployed to stage {data['stage']}: no function {want['function']}; "
            "the catalogue's side is shown"
        )
    rows = [[("! " if f in diff else "  ") + f, _show(f, want), _show(f, have)] for f in FIELDS]
    lines += ["", table(["  FIELD", "CATALOGUE", "DEPLOYED"], rows)]
    pause = data.get("pause")
    if pause:
        until = f"until {pause['until']}" if pause.get("until") else "until `cronbridge resume`"
        lines.append(
            f"paused since {pause['paused_at']} by {pause['by']}: {pause['reason']} ({until})"
        )
    if diff:
        lines.append(
            f"! differs: {', '.join(sorted(diff, key=FIELDS.index))} "
            "(`cronbridge plan` shows the change a deploy would make)"
        )
    source = "as deployed" if data["next_fires_from"] == "deployed" else "per the catalogue"
    lines += ["", f"next fires ({source}, UTC):"]
    lines += [f"  {t}" for t in data["next_fires"]] or [
        "  none (paused)" if pause else "  none (disabled)"
    ]
    lines += ["", "last runs:"]
    lines += ["  " + line for line in render_history(runs).splitlines()]
    return "\n".join(lines)
