"""A job that proves the platform is alive: it only records when it ran."""

from __future__ import annotations

from typing import Any


def beat(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Return the scheduled and actual time; the run ledger keeps it as the result."""
    scheduled = ctx.scheduled_time.isoformat()
    ctx.logger.info("heartbeat", extra={"scheduled_time": scheduled})
    return {"scheduled_time": scheduled, "ran_at": ctx.now().isoformat()}
