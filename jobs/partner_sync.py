"""Pull orders from a partner API that is not always up: shows retries and dead letters.

The partner's behaviour is simulated, and deterministic per scheduled slot so that a
replay of a run behaves the same way. Slots cycle through three states:

- healthy: the first attempt succeeds;
- flapping: the first attempt fails with a 503, the retry succeeds;
- down: every attempt fails, so the run ends DEAD in the dead-letter queue.

An operator's redrive (``cronbridge dlq redrive``) finds the partner back up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

HEALTHY, FLAPPING, DOWN = "healthy", "flapping", "down"
CYCLE = (HEALTHY, FLAPPING, DOWN)


class PartnerUnavailableError(RuntimeError):
    """The partner API answered 503."""


def partner_state(scheduled_time: datetime, period_minutes: int) -> str:
    """Which state the simulated partner is in for the slot at ``scheduled_time``."""
    slot = int(scheduled_time.timestamp()) // 60 // max(1, period_minutes)
    return CYCLE[slot % len(CYCLE)]


def sync_orders(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    partner = str(payload.get("partner", "acme"))
    state = partner_state(ctx.scheduled_time, int(payload.get("period_minutes", 2)))
    if ctx.trigger == "redrive":
        state = HEALTHY
    if state == DOWN or (state == FLAPPING and ctx.attempt == 1):
        raise PartnerUnavailableError(
            f"{partner} API returned 503 ({state}, attempt {ctx.attempt})"
        )
    orders = len(partner) * 7 + ctx.attempt
    ctx.logger.info("synced", extra={"partner": partner, "orders": orders, "state": state})
    return {"partner": partner, "orders": orders, "partner_state": state}
