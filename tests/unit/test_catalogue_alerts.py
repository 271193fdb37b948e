"""Catalogue fields of alerts and catch-up: notify, catchup, catchup_window. No AWS."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.catalogue import load_catalogue
from tests.unit.test_catalogue_loader import one_job, problems_for, write_catalogue


def test_notify_list_and_mapping_forms_and_defaults(tmp_path: Path) -> None:
    # GIVEN defaults that notify dead and failing, one job with its own topic
    body = """\
        version: 1
        defaults: {notify: [dead, failing, dead], catchup: latest}
        jobs:
          a: {schedule: "*/5 * * * *", handler: "pkg.tasks:run"}
          b:
            schedule: "*/5 * * * *"
            handler: pkg.tasks:run
            notify: {events: [late], topic: "arn:aws:sns:eu-west-1:123456789012:oncall"}
            catchup: all
            catchup_window: 2d
          c: {schedule: "*/5 * * * *", handler: "pkg.tasks:run", catchup: none}
        """
    # WHEN it loads
    catalogue = load_catalogue(write_catalogue(tmp_path, body))
    a, b, c = (catalogue.jobs[n] for n in "abc")
    # THEN defaults apply (an event listed twice counts once), a job's own value wins
    assert a.alert_events == ("dead", "failing") and a.notify and a.notify.topic is None
    assert (a.catchup, a.catchup_window_seconds) == ("latest", 6 * 3600)
    assert b.alert_events == ("late",)
    assert b.notify and b.notify.topic == "arn:aws:sns:eu-west-1:123456789012:oncall"
    assert (b.catchup, b.catchup_window_seconds) == ("all", 2 * 86400)
    assert c.catchup == "none"


def test_no_notify_by_default(tmp_path: Path) -> None:
    job = load_catalogue(write_catalogue(tmp_path, one_job())).jobs["job-a"]
    assert job.notify is None and job.alert_events == () and job.catchup == "none"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"notify": "[bogus]"}, "notify: unknown alert event 'bogus'"),
        ({"notify": "yes"}, "notify: expected a list of events or a mapping"),
        ({"notify": "{events: [dead], topic: nope}"}, "'nope' is not an SNS topic ARN"),
        ({"notify": "{events: [dead], to: x}"}, "notify: unknown field 'to'"),
        ({"notify": "{events: []}"}, "notify.events"),
        ({"catchup": "sometimes"}, "catchup: 'sometimes'"),
        ({"catchup": "all", "catchup_window": "6x"}, "catchup_window: '6x' is not a duration"),
        ({"catchup": "all", "catchup_window": "5m"}, "shorter than grace (300 s)"),
        ({"catchup": "all", "catchup_window": "8d"}, "'8d' is more than 7 days"),
    ],
)
def test_bad_alert_and_catchup_fields(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    # GIVEN one bad field WHEN the catalogue is read THEN one clear problem names it
    found = problems_for(tmp_path, one_job(**fields))
    assert len(found) == 1, found
    assert expected in found[0]


def test_short_window_is_fine_with_a_short_grace(tmp_path: Path) -> None:
    # GIVEN grace 60 s: 60 + the monitor's 300 s period fit in 6 minutes
    assert problems_for(tmp_path, one_job(catchup="all", catchup_window="6m", grace="60")) == []
