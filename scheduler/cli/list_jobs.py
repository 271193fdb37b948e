"""``cronbridge list``: one row per job with its schedule in plain English. No AWS."""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.catalogue import Job, load_catalogue
from scheduler.cli import common
from scheduler.cli.output import Result, table
from scheduler.schedule import describe, parse_schedule, to_aws_expressions


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    # With --stage (or --local/--endpoint-url), a PAUSED column from the stage's runs table.
    common.add_aws_args(parser)


def _pauses(args: argparse.Namespace, prefix: str) -> dict[str, Any] | None:
    """Active pauses of the stage when one was named; None keeps `list` offline."""
    if not (args.stage or common.is_local(args) or args.endpoint_url):
        return None
    from scheduler.operate.pause import paused

    stage = common.resolve_stage(args)
    return {job: p.to_json() for job, p in paused(common.aws_clients(args), prefix, stage).items()}


def job_row(job: Job) -> dict[str, Any]:
    schedule = parse_schedule(job.schedule)
    return {
        "name": job.name,
        "schedule": job.schedule,
        "description": describe(schedule),
        "timezone": job.timezone,
        "handler": job.handler,
        "enabled": job.enabled,
        "backend": job.backend,
        "expressions": list(to_aws_expressions(schedule)),
    }


def run(args: argparse.Namespace) -> Result:
    catalogue = load_catalogue(common.catalogue_path(args))
    rows = [job_row(job) for job in catalogue.jobs.values()]
    pauses = _pauses(args, catalogue.prefix)
    if pauses is not None:
        for row in rows:
            pause = pauses.get(row["name"])
            row["paused"] = (
                None
                if pause is None
                else {k: pause[k] for k in ("reason", "by", "until", "paused_at")}
            )

    def text() -> str:
        headers = ["NAME", "SCHEDULE", "WHEN", "ZONE", "HANDLER", "ENABLED", "BACKEND"]
        if pauses is not None:
            headers.append("PAUSED")
        return table(
            headers,
            [
                [
                    r["name"],
                    r["schedule"],
                    r["description"],
                    r["timezone"],
                    r["handler"],
                    "yes" if r["enabled"] else "no",
                    r["backend"],
                ]
                + ([_paused_cell(r["paused"])] if pauses is not None else [])
                for r in rows
            ],
        )

    return Result(rows, text)


def _paused_cell(paused: dict[str, Any] | None) -> str:
    if paused is None:
        return "-"
    until = f"until {paused['until']}" if paused.get("until") else "until resumed"
    return f"PAUSED {until}: {paused['reason']}"
