"""The store-opening digest, sent in Berlin local time."""

from __future__ import annotations

from typing import Any


def send_digest(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    stores = list(payload.get("stores", []))
    if not stores:
        raise ValueError("payload.stores is empty: nothing to send")
    ctx.logger.info("digest", extra={"stores": stores})
    return {"sent": len(stores)}
