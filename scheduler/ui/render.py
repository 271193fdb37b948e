"""HTML from view models: one autoescaping Jinja2 environment for the app and the report.

Autoescape is on for every template, so text from jobs (errors, tracebacks, payloads,
results) can never become markup; the only values marked safe are the SVG charts, which
``scheduler.ui.svg`` escapes itself. ``Links`` decides where a job or run link points:
routes in the app, anchors in the one-file report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from scheduler.health import paused_text
from scheduler.ui import svg, views


@dataclass(frozen=True)
class Links:
    """URLs of the pages; ``static`` for the report, where only anchors exist."""

    static: bool = False

    def job(self, name: str) -> str:
        return f"#job-{quote(name)}" if self.static else f"/jobs/{quote(name)}"

    def run(self, run_id: str) -> str | None:
        return None if self.static else f"/runs/{quote(run_id)}"

    def overview(self) -> str:
        return "#overview" if self.static else "/"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scheduler.ui", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = views.fmt_duration
    env.filters["rate"] = views.fmt_rate
    env.filters["pretty"] = views.pretty_json
    env.globals["age"] = views.fmt_age
    env.globals["paused_text"] = paused_text
    env.globals["heatmap"] = lambda cells, label: Markup(svg.heatmap_svg(cells, label))
    env.globals["bars"] = lambda runs: Markup(svg.duration_bars_svg(runs))
    return env


ENV = _environment()


def warm() -> None:
    """Compile every template now (a server's start), not on the first page load."""
    for name in ENV.list_templates(extensions=["html"]):
        ENV.get_template(name)


def stylesheet() -> str:
    return resources.files("scheduler.ui").joinpath("static/style.css").read_text("utf-8")


def page(template: str, **context: Any) -> str:
    context.setdefault("links", Links())
    context.setdefault("problem", None)
    context.setdefault("notice", None)
    context.setdefault("static", False)
    context.setdefault("refresh", 5)
    context.setdefault("read_only", True)
    context.setdefault("csrf", "")
    context.setdefault("notice_run", None)
    return ENV.get_template(template).render(**context)


def report(
    overview: views.Overview, jobs: list[views.JobView], generated: datetime, since: str
) -> str:
    """The overview and every job page in one self-contained file (CSS inline, no JS)."""
    return page(
        "report.html",
        overview=overview,
        jobs=jobs,
        generated=generated,
        since=since,
        links=Links(static=True),
        static=True,
        css=Markup(stylesheet()),
        title=f"cronbridge runs, stage {overview.stage}",
        stage=overview.stage,
    )
