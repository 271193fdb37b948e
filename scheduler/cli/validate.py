"""``cronbridge validate``: every problem in jobs.yaml at once, one line each. No AWS."""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.catalogue import read_catalogue
from scheduler.catalogue.imports import import_warnings
from scheduler.cli import common
from scheduler.cli.output import Result


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)


# EventBridge Scheduler runs an at() schedule somewhere within its minute, so the worker
# rounds a retry up to the next whole minute on AWS. Local mode keeps seconds.
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
SCHEDULER_PRECISION_SECONDS = 60


def retry_warnings(catalogue: Any, path: Any) -> list[dict[str, Any]]:
    """A warning per job whose retry delay AWS cannot honour (under a minute)."""
    out = []
    for job in catalogue.jobs.values():
        delay = job.retries.delay
        if job.retries.retries and delay < SCHEDULER_PRECISION_SECONDS:
            out.append(
                {
                    "file": str(path),
                    "job": job.name,
                    "field": "retries.delay",
                    "message": f"{delay} s is under a minute: on AWS the retry runs at the "
                    "next whole minute instead (EventBridge Scheduler's precision); "
                    "local mode keeps seconds",
                    "hint": "use delay: 60 or more for the same timing on AWS",
                }
            )
    return out


def run(args: argparse.Namespace) -> Result:
    path = common.catalogue_path(args)
    catalogue, problems = read_catalogue(path)
    data: dict[str, Any] = {
        "valid": catalogue is not None,
        "errors": [p.to_json() for p in problems],
        "warnings": [],
    }
    if catalogue is not None:
        warnings = retry_warnings(catalogue, path) + import_warnings(catalogue, path)
        data["warnings"] = warnings
        count = len(catalogue.jobs)
        lines = [
            f"{path}: job '{w['job']}': {w['field']}: warning: {w['message']} (hint: {w['hint']})"
            for w in warnings
        ]
        lines.append(f"{path}: OK, {count} job{'s' if count != 1 else ''}")
        return Result(data, "\n".join(lines))
    lines = [p.render() for p in problems]
    lines.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {path}")
    return Result(data, "\n".join(lines), exit_code=1)
