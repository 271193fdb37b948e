"""Time zone names: the tzdata package's list answers first, with the same answers."""

from __future__ import annotations

import zoneinfo

from scheduler.schedule import zones
from scheduler.schedule.zones import is_valid_timezone


def _as_before(name: str) -> bool:
    """The check as it was: every zone the databases list, minus file-system artefacts."""
    if name in zones._NOT_ZONES or name.startswith(zones._NOT_PREFIXES):
        return False
    return name in zoneinfo.available_timezones()


def test_every_listed_zone_and_some_impostors_answer_as_before() -> None:
    # GIVEN every zone the databases list, and names AWS would refuse
    names = [
        *sorted(zoneinfo.available_timezones()),
        "Mars/Base", "Factory", "localtime", "posixrules", "posix/Europe/Berlin",
        "right/UTC", "Europe/../UTC", "utc", "", "Europe/Berlin ",
    ]  # fmt: skip
    # WHEN each is checked THEN the answer is the full listing's
    assert [n for n in names if is_valid_timezone(n) != _as_before(n)] == []
    assert is_valid_timezone("Europe/Berlin") and not is_valid_timezone("Mars/Base")


def test_the_packaged_list_is_part_of_the_full_listing() -> None:
    # GIVEN the tzdata package (a dependency) THEN its list is known and never more
    # than what available_timezones() gives, so a name found in it needs no scan
    packaged = zones._packaged()
    assert "UTC" in packaged and "America/New_York" in packaged
    assert packaged <= zoneinfo.available_timezones()
