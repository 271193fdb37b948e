"""Purge expired temporary exports."""

from __future__ import annotations

from typing import Any


def purge(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    older_than = int(payload.get("older_than_days", 7))
    if older_than < 1:
        raise ValueError("older_than_days must be at least 1")
    return {"older_than_days": older_than, "purged": 0}
