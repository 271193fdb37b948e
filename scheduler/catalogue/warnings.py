"""Advice on a valid catalogue: things that work locally but behave differently on AWS.

Warnings never fail ``validate``; each is a dict of the shape ``validate --json`` prints
(file, job, field, message, hint). Pure: reads the catalogue (and, for imports, handler
source with ``ast``), makes no AWS calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scheduler.catalogue.imports import import_warnings

# EventBridge Scheduler runs an at() schedule somewhere within its minute, so the worker
# rounds a retry up to the next whole minute on AWS. Local mode keeps seconds.
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
SCHEDULER_PRECISION_SECONDS = 60


def retry_warnings(catalogue: Any, path: Path) -> list[dict[str, Any]]:
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


def catalogue_warnings(catalogue: Any, path: Path) -> list[dict[str, Any]]:
    """Every warning for a catalogue that loaded without problems."""
    return retry_warnings(catalogue, path) + import_warnings(catalogue, path)
