"""Sales reporting jobs."""

from __future__ import annotations

from typing import Any


def nightly(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Build the nightly report for one region (here: a summary of what would be built)."""
    region = payload.get("region", "eu")
    ctx.logger.info("building report", extra={"region": region})
    return {"region": region, "report": f"sales-{region}-{ctx.scheduled_time[:10]}"}


def month_end(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Close the books; refuses to run without a scheduled time to close against."""
    if not ctx.scheduled_time:
        raise ValueError("month-end close needs a scheduled time")
    return {"closed_through": ctx.scheduled_time[:10]}
