"""Pull orders from a partner API that fails now and then: shows retries and dead-letters.

The failure is deterministic per (scheduled time, attempt), so a replay of the same run
fails or succeeds the same way; ``failure_rate`` in the payload sets how often.
"""

from __future__ import annotations

import hashlib
from typing import Any


class PartnerUnavailableError(RuntimeError):
    """The partner API answered 503."""


def sync_orders(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    partner = str(payload.get("partner", "acme"))
    failure_rate = float(payload.get("failure_rate", 0.5))
    roll = _roll(f"{partner}|{ctx.scheduled_time.isoformat()}|{ctx.attempt}")
    if roll < failure_rate:
        raise PartnerUnavailableError(f"{partner} API returned 503 (attempt {ctx.attempt})")
    orders = int(roll * 100)
    ctx.logger.info("synced", extra={"partner": partner, "orders": orders})
    return {"partner": partner, "orders": orders}


def _roll(seed: str) -> float:
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
