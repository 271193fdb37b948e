"""UI view models and charts (``scheduler.ui.views``, ``scheduler.ui.svg``). Pure, no moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.ledger import RunRecord, RunStatus
from scheduler.ui import render, svg, views
from tests.unit.test_health import make_job

NOW = datetime(2026, 3, 29, 12, 30, tzinfo=UTC)


def run(slot: datetime, status: RunStatus, ms: int | None = 100, job: str = "tick") -> RunRecord:
    stamp = slot.strftime("%Y-%m-%dT%H:%M:%SZ")
    return RunRecord(
        run_id=f"{job}.{slot.strftime('%Y%m%dT%H%M%SZ')}",
        job=job,
        status=status,
        trigger="schedule",
        scheduled_for=stamp,
        attempt=1,
        started_at=stamp,
        duration_ms=ms,
    )


def test_heatmap_has_one_cell_per_hour_of_the_last_seven_days() -> None:
    cells = views.heatmap([], NOW)
    # THEN 168 cells, the last one holding now, the first 167 hours before it
    assert len(cells) == 168
    assert cells[-1].start == datetime(2026, 3, 29, 12, tzinfo=UTC)
    assert cells[0].start == datetime(2026, 3, 22, 13, tzinfo=UTC)
    assert {c.outcome for c in cells} == {"none"}


def test_a_heatmap_cell_takes_its_worst_outcome() -> None:
    hour = datetime(2026, 3, 29, 11, tzinfo=UTC)
    runs = [
        run(hour, RunStatus.SUCCEEDED),
        run(hour + timedelta(minutes=5), RunStatus.TIMED_OUT),
        run(hour + timedelta(minutes=10), RunStatus.SKIPPED),
        run(hour + timedelta(hours=1), RunStatus.SKIPPED),
        run(hour - timedelta(hours=1), RunStatus.SUCCEEDED),
        run(NOW - timedelta(days=8), RunStatus.FAILED),  # outside the window: ignored
    ]
    cells = views.heatmap(runs, NOW)
    assert [c.outcome for c in cells[-3:]] == ["succeeded", "failed", "skipped"]
    assert cells[-2].counts == {"failed": 1, "running": 0, "succeeded": 1, "skipped": 1}
    assert sum(sum(c.counts.values()) for c in cells) == 5
    assert cells[-2].label == "Sun 29 Mar 11:00Z: 1 failed, 1 succeeded, 1 skipped"


@pytest.mark.parametrize(
    ("durations", "median", "p95", "longest"),
    [
        ([], None, None, None),
        ([100], 100, 100, 100),
        ([300, 100, 200], 200, 300, 300),
        (list(range(1, 101)), 50, 95, 100),
    ],
)
def test_duration_stats(durations: list[int], median: int, p95: int, longest: int) -> None:
    runs = [run(NOW, RunStatus.SUCCEEDED, ms) for ms in durations]
    stats = views.duration_stats(runs)
    assert (stats.count, stats.median_ms, stats.p95_ms, stats.max_ms) == (
        len(durations),
        median,
        p95,
        longest,
    )


def test_skipped_and_running_runs_have_no_duration_worth_counting() -> None:
    runs = [run(NOW, RunStatus.SKIPPED, 0), run(NOW, RunStatus.RUNNING, None)]
    assert views.duration_stats(runs).count == 0


def test_success_rate_counts_finished_runs_only() -> None:
    runs = [
        run(NOW, RunStatus.SUCCEEDED),
        run(NOW, RunStatus.SUCCEEDED),
        run(NOW, RunStatus.SUCCEEDED),
        run(NOW, RunStatus.DEAD),
        run(NOW, RunStatus.SKIPPED),
        run(NOW, RunStatus.RUNNING),
    ]
    assert views.success_rate(runs) == 0.75
    assert views.success_rate([run(NOW, RunStatus.SKIPPED)]) is None
    assert views.fmt_rate(0.75) == "75%" and views.fmt_rate(None) == "-"


def test_overview_row_takes_health_from_the_shared_rules() -> None:
    # GIVEN two failures in a row within grace
    recent = [
        run(datetime(2026, 3, 29, 12, 25, tzinfo=UTC), RunStatus.FAILED),
        run(datetime(2026, 3, 29, 12, 20, tzinfo=UTC), RunStatus.DEAD),
    ]
    row = views.overview_row(make_job(), recent, recent, NOW)
    assert row.health == "FAILING" and row.status_row["consecutive_failures"] == 2
    assert row.failures == 2 and row.success_rate == 0.0 and row.runs == 2
    assert row.schedule == "Every 5 minutes"


def test_formatting() -> None:
    assert views.fmt_duration(None) == "-"
    assert views.fmt_duration(850) == "850 ms"
    assert views.fmt_duration(1500) == "1.5 s"
    assert views.fmt_duration(125_000) == "2 min 5 s"
    assert views.fmt_age("2026-03-29T12:29:00Z", NOW) == "1 min ago"
    assert views.fmt_age("2026-03-29T14:30:00Z", NOW) == "in 2 h"
    assert views.fmt_age(None, NOW) == "never"


def test_logs_link_filters_the_functions_group_by_request_id() -> None:
    url = views.logs_url("eu-west-1", "cronbridge-prod-tick", "abc-123")
    assert url is not None
    assert url.startswith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
    )
    assert "$252Faws$252Flambda$252Fcronbridge-prod-tick" in url and "abc-123" in url
    assert views.logs_url("eu-west-1", "f", None) is None


def test_svg_escapes_every_text_it_places() -> None:
    # GIVEN a run id carrying markup (ids are ours, but the chart must not trust them)
    evil = run(NOW, RunStatus.FAILED, job='x"><script>alert(1)</script>')
    bars = svg.duration_bars_svg([evil])
    heat = svg.heatmap_svg(views.heatmap([evil], NOW), '"><script>')
    assert "<script>" not in bars and "<script>" not in heat
    assert "&lt;script&gt;" in bars and bars.count("<rect") == 1
    assert heat.count("<rect") == 168 and 'width="504"' in heat


def test_report_is_one_self_contained_file() -> None:
    # GIVEN an overview and a job page
    job = make_job()
    runs = [run(datetime(2026, 3, 29, 12, 25, tzinfo=UTC), RunStatus.SUCCEEDED)]
    overview = views.Overview(
        now=NOW, rows=[views.overview_row(job, runs, runs, NOW)], dead_letters=0, stage="dev"
    )
    page = views.job_view(job, runs, NOW, status_filter=None, since="7d")
    # WHEN rendered as the static report
    text = render.report(overview, [page], NOW, "7d")
    # THEN styles are inline, nothing is fetched, no script runs, links are anchors
    assert "<style>" in text and "<script" not in text
    assert 'src="http' not in text and 'href="http' not in text and "/static/" not in text
    assert 'href="#job-tick"' in text and 'id="job-tick"' in text


def test_a_paused_job_shows_paused_with_reason_and_expiry_and_no_next_fire() -> None:
    from scheduler.health import job_health, paused_text
    from scheduler.operate.pauses import Pause

    # GIVEN a job paused until tomorrow, and its status row from the rules `status` applies
    job = make_job()
    runs = [run(datetime(2026, 3, 29, 12, 25, tzinfo=UTC), RunStatus.SUCCEEDED)]
    pause = Pause(
        job="tick",
        pause_id="p1",
        reason="partner <down>",
        by="arn:aws:iam::1:user/ana",
        paused_at="2026-03-29T12:00:00Z",
        until="2026-03-30T00:00:00Z",
    )
    status_row = job_health(job, runs, NOW, pause)
    # WHEN the overview row, the job page and the report are built from it
    row = views.overview_row(job, runs, runs, NOW, status_row=status_row)
    page = views.job_view(job, runs, NOW, status_filter=None, since="7d", status_row=status_row)
    overview = views.Overview(now=NOW, rows=[row], dead_letters=0, stage="dev")
    text = render.report(overview, [page], NOW, "7d")
    # THEN both say PAUSED, counted as such, and the page lists no next fire (as status)
    assert row.health == "PAUSED" and overview.health_counts["PAUSED"] == 1
    assert page.health == "PAUSED" and page.next_fires == []
    assert "none (paused)" in text
    # AND the reason, expiry and who, in status's words, escaped
    phrase = paused_text(status_row["paused"])
    assert phrase == "until 2026-03-30T00:00:00Z: partner <down>, by arn:aws:iam::1:user/ana"
    assert text.count(phrase.replace("<", "&lt;").replace(">", "&gt;")) == 2
    assert "partner <down>" not in text
    # AND once the pause ended the job shows its health and next fires again
    ended = Pause(**{**pause.to_json(), "resumed_at": "2026-03-29T12:20:00Z"})
    resumed = job_health(job, runs, NOW, ended)
    again = views.job_view(job, runs, NOW, status_filter=None, since="7d", status_row=resumed)
    assert again.health == "OK" and len(again.next_fires) == views.NEXT_FIRES
