"""Sales reporting jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def nightly(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Build the nightly report for one region (here: a summary of what would be built)."""
    region = payload.get("region", "eu")
    ctx.logger.info("building report", extra={"region": region})
    return {"region": region, "report": f"sales-{region}-{ctx.scheduled_time:%Y-%m-%d}"}


def month_end(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Close the books through the day before the scheduled time."""
    closed_through = ctx.scheduled_time.date() - timedelta(days=1)
    ctx.logger.info("closing books", extra={"through": closed_through.isoformat()})
    return {"closed_through": closed_through.isoformat()}
