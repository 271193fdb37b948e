"""IANA time zone checks for EventBridge Scheduler's ScheduleExpressionTimezone.

zoneinfo alone is too lenient: it happily loads system files such as "localtime" or
"Factory" that AWS does not know, so names are checked against the IANA list shipped by
tzdata / the system database, minus those file-system artefacts.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from importlib import resources

from scheduler.schedule.model import ScheduleError

_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_NOT_PREFIXES = ("posix/", "right/", "SystemV/")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    # available_timezones() scans the database (~50 ms), so it is cached once per process.
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _packaged() -> frozenset[str]:
    """The tzdata package's own list of zones (one small file): ``available_timezones``
    starts from it and adds what the system's database folders hold, so a name in it is
    known without scanning those folders (a file opened per zone). Empty without tzdata."""
    try:
        with resources.files("tzdata").joinpath("zones").open("r", encoding="utf-8") as f:
            return frozenset(line.strip() for line in f if line.strip())
    except (ImportError, OSError):
        return frozenset()


def is_valid_timezone(name: str) -> bool:
    """True for an IANA zone name such as "UTC" or "Europe/Berlin"; False for "Mars/Base"."""
    if not isinstance(name, str) or not name or name in _NOT_ZONES:
        return False
    if name.startswith(_NOT_PREFIXES):
        return False
    if name in _packaged():
        return True  # in every listing available_timezones() makes
    known = _known()
    if known:
        return name in known
    # No database listing at all (unusual): fall back to trying to load the zone.
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=64)
def get_zone(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo for a valid IANA name; ScheduleError naming the timezone otherwise."""
    if not is_valid_timezone(name):
        raise ScheduleError(
            f"timezone: {name!r} is not an IANA time zone", hint="e.g. UTC or Europe/Berlin"
        )
    return zoneinfo.ZoneInfo(name)
