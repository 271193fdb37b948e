"""DynamoDB attribute-value encoding for the low-level client, in a few lines.

boto3's ``TypeSerializer`` insists on ``Decimal`` and lives behind the resource layer; the
worker uses the low-level client (faster to build at cold start), so it needs its own
tiny codec. JSON-shaped data only: str, int, float, bool, None, list, dict. No AWS calls.
"""

from __future__ import annotations

from typing import Any


def to_attr(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {str(k): to_attr(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    if hasattr(value, "value") and isinstance(value.value, str):  # an Enum
        return {"S": value.value}
    return {"S": str(value)}


def from_attr(attr: dict[str, Any]) -> Any:
    (kind, raw), *_ = attr.items()
    if kind == "S":
        return raw
    if kind == "N":
        text = str(raw)
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attr(v) for k, v in raw.items()}
    if kind == "L":
        return [from_attr(v) for v in raw]
    if kind == "SS":
        return list(raw)
    raise ValueError(f"unsupported DynamoDB attribute type {kind}")


def to_item(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: to_attr(v) for k, v in data.items()}


def from_item(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}
