"""Schedule grammar: parse cron / rate / at text, translate it to AWS, evaluate, describe.

Pure code (stdlib only): no boto3, no pydantic, no I/O. Import from this package, not from
its modules, so the module layout can change.
"""

from __future__ import annotations

from scheduler.schedule.aws import to_aws_expressions
from scheduler.schedule.describe import describe
from scheduler.schedule.evaluate import next_fire_times
from scheduler.schedule.model import Schedule, ScheduleError
from scheduler.schedule.parse import parse_schedule
from scheduler.schedule.zones import is_valid_timezone

__all__ = [
    "Schedule",
    "ScheduleError",
    "describe",
    "is_valid_timezone",
    "next_fire_times",
    "parse_schedule",
    "to_aws_expressions",
]
