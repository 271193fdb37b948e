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

    def text() -> str:
        return table(
            ["NAME", "SCHEDULE", "WHEN", "ZONE", "HANDLER", "ENABLED", "BACKEND"],
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
                for r in rows
            ],
        )

    return Result(rows, text)
