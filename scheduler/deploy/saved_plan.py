"""A plan saved by ``plan -o FILE`` and applied by ``deploy FILE``, exactly or not at all.

The file holds the plan's JSON (what will be applied, for people and for the check) plus
two fingerprints: of the catalogue (jobs.yaml's bytes and the code package's SHA-256) and
of the live state the plan was computed from (every listing and deep read, minus fields
AWS changes by itself, such as a table's item count). ``deploy FILE`` reads the stage
again and plans again; it refuses, before any write, when either fingerprint differs or
when the new plan's operations are not the saved ones. Pure: no AWS calls, no file I/O
beyond what ``write``/``read`` are handed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler.errors import CronbridgeError, UsageError

FORMAT = "cronbridge-plan"
VERSION = 1

# Fields AWS changes on its own, which say nothing about what a deploy would do: DynamoDB
# refreshes sizes and counts about every six hours, IAM stamps a role's last use, CloudWatch
# Logs counts stored bytes; request metadata differs on every call.
VOLATILE_KEYS = frozenset(
    {
        "ItemCount",
        "TableSizeBytes",
        "IndexSizeBytes",
        "RoleLastUsed",
        "storedBytes",
        "ResponseMetadata",
        "NextToken",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
    }
)


class StalePlanError(CronbridgeError):
    """The saved plan no longer describes what a deploy would do; nothing was applied."""


@dataclass(frozen=True)
class SavedPlan:
    stage: str
    prefix: str
    catalogue: str  # absolute path of the jobs.yaml the plan was made from
    catalogue_sha256: str
    live_sha256: str
    targets: tuple[str, ...]
    prune: bool
    refresh: bool
    plan: dict[str, Any]  # render_json of the (possibly targeted) plan

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["targets"] = list(self.targets)
        return {"format": FORMAT, "version": VERSION, **data}


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, default=str))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def fingerprint(*parts: Any) -> str:
    text = json.dumps([_canonical(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def live_fingerprint(snapshot: Any, deep: Any) -> str:
    """Of what the plan read: the listings (snapshot) and the deep reads."""
    return fingerprint(snapshot, deep)


def catalogue_fingerprint(catalogue_text: bytes, code_sha256: str) -> str:
    return fingerprint(hashlib.sha256(catalogue_text).hexdigest(), code_sha256)


def write(path: Path, saved: SavedPlan) -> None:
    try:
        path.write_text(json.dumps(saved.to_json(), indent=2, default=str) + "\n")
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot write the plan: {exc.strerror or exc}") from None


def read(path: Path) -> SavedPlan:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no such plan file", hint="save one with `cronbridge plan -o FILE`"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"{path}: not a saved cronbridge plan ({exc})",
            hint="save one with `cronbridge plan -o FILE`",
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(
            f"{path}: not a saved cronbridge plan", hint="save one with `cronbridge plan -o FILE`"
        )
    if data.get("version") != VERSION:
        raise UsageError(
            f"{path}: saved plan version {data.get('version')!r}; this cronbridge reads {VERSION}",
            hint="plan again with this version: `cronbridge plan -o FILE`",
        )
    try:
        return SavedPlan(
            stage=str(data["stage"]),
            prefix=str(data["prefix"]),
            catalogue=str(data["catalogue"]),
            catalogue_sha256=str(data["catalogue_sha256"]),
            live_sha256=str(data["live_sha256"]),
            targets=tuple(str(t) for t in data.get("targets") or ()),
            prune=bool(data["prune"]),
            refresh=bool(data["refresh"]),
            plan=dict(data["plan"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(
            f"{path}: the saved plan is incomplete (missing {exc})",
            hint="plan again: `cronbridge plan -o FILE`",
        ) from None


def check(
    saved: SavedPlan, *, catalogue_sha256: str, live_sha256: str, plan: dict[str, Any]
) -> None:
    """Refuse (StalePlanError) unless the stage and the catalogue are as when it was saved."""
    again = "plan again (`cronbridge plan -o FILE`), review it, and deploy that"
    if catalogue_sha256 != saved.catalogue_sha256:
        raise StalePlanError(
            f"refusing the saved plan: {saved.catalogue} or the job code changed since it was "
            "saved; nothing was applied",
            hint=again,
        )
    if live_sha256 != saved.live_sha256:
        raise StalePlanError(
            f"refusing the saved plan: stage {saved.stage} changed since it was saved "
            "(someone deployed, or a resource was changed outside cronbridge); nothing was "
            "applied",
            hint=again,
        )
    # Compared as the file holds them (JSON: tuples are lists, values are JSON types).
    fresh = json.loads(json.dumps(plan.get("operations"), default=str))
    if fresh != saved.plan.get("operations"):
        raise StalePlanError(
            "refusing the saved plan: planning again gives different operations; nothing was "
            "applied",
            hint=again,
        )
