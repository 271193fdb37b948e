"""A job that proves the platform is alive: it only records when it ran."""

from __future__ import annotations

from typing import Any


def beat(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Return the scheduled and actual time; the run ledger keeps it as the result."""
    ctx.logger.info("heartbeat", extra={"scheduled_time": ctx.scheduled_time})
    return {"scheduled_time": ctx.scheduled_time, "ran_at": ctx.now().isoformat()}
