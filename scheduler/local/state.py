"""The project-local state folder ``.cronbridge/`` beside jobs.yaml (git-ignored).

Two kinds of file live there:

* ``local.json``: which ``cronbridge local up`` is running (pid, endpoint, stage). Other
  verbs read it for ``--local``; it is written at start and removed at stop, and ignored
  when its pid is no longer alive (a crashed ``local up`` leaves a stale file behind).
* ``state-<stage>.json``: a snapshot of what the emulator cannot keep (moto is in-memory):
  the runs ledger items, the dead-letter messages and pending one-time retry schedules.
  Written atomically so a crash mid-write never loses the previous snapshot.

File I/O and pure pruning only: the AWS side of a snapshot is in ``persist.py``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.atomicfile import write_atomic
from scheduler.errors import CronbridgeError

STATE_DIR = ".cronbridge"
RUNNING_FILE = "local.json"
SNAPSHOT_VERSION = 1
START_HINT = "start it with `make run` or `cronbridge local up`"


@dataclass(frozen=True)
class RunningPlatform:
    """What a running ``local up`` publishes about itself."""

    pid: int
    endpoint_url: str
    stage: str
    port: int
    prefix: str
    catalogue: str
    started_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "endpoint_url": self.endpoint_url,
            "stage": self.stage,
            "port": self.port,
            "prefix": self.prefix,
            "catalogue": self.catalogue,
            "started_at": self.started_at,
        }


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def snapshot_path(root: Path, stage: str) -> Path:
    return state_dir(root) / f"state-{stage}.json"


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def write_running(root: Path, platform: RunningPlatform) -> Path:
    path = state_dir(root) / RUNNING_FILE
    write_json_atomic(path, platform.to_json())
    return path


def clear_running(root: Path, pid: int) -> None:
    """Remove local.json, but only if it is ours (another `local up` may have replaced it)."""
    path = state_dir(root) / RUNNING_FILE
    current = read_running(root, require_alive=False)
    if current is not None and current.pid == pid:
        path.unlink(missing_ok=True)


def read_running(root: Path, *, require_alive: bool = True) -> RunningPlatform | None:
    path = state_dir(root) / RUNNING_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        platform = RunningPlatform(
            pid=int(data["pid"]),
            endpoint_url=str(data["endpoint_url"]),
            stage=str(data["stage"]),
            port=int(data["port"]),
            prefix=str(data.get("prefix", "cronbridge")),
            catalogue=str(data.get("catalogue", "")),
            started_at=str(data.get("started_at", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if require_alive and not pid_alive(platform.pid):
        return None
    return platform


def read_running_endpoint(root: Path) -> tuple[str, str]:
    """(endpoint_url, stage) of the `local up` running for the catalogue in ``root``."""
    platform = read_running(root)
    if platform is None:
        stale = (state_dir(root) / RUNNING_FILE).exists()
        detail = " (its last run ended without cleaning up)" if stale else ""
        raise CronbridgeError(f"no local platform is running for {root}{detail}", hint=START_HINT)
    return platform.endpoint_url, platform.stage


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON via a temp file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True, default=str).encode())


def read_snapshot(path: Path) -> dict[str, Any] | None:
    """The saved snapshot, or None if there is none or it is unreadable (logged by caller)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CronbridgeError(
            f"cannot read local state {path}: {exc}",
            hint=f"move it aside (or delete it) to start with empty history: {path}",
        ) from exc
    if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
        return None
    return data


# --- pruning (pure) -------------------------------------------------------------------------
# DynamoDB-typed items ({"attr": {"S": "..."}}). moto's Query cost grows with table size and
# moto never enforces TTL, so the snapshot drops expired runs and keeps the newest ones only.
# moto deep-copies the whole table on every TransactWriteItems (the worker's claim and
# finish), about 0.4 ms per item: 1000 items keep a run's bookkeeping well under a second.
DEFAULT_MAX_ITEMS = 1000
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "SKIPPED", "DEAD"})
_RECENCY_ATTRIBUTES = ("started_at", "scheduled_for", "created_at", "finished_at")


def _plain(value: dict[str, Any] | None) -> str | None:
    if not isinstance(value, dict):
        return None
    for kind in ("S", "N"):
        if kind in value:
            return str(value[kind])
    return None


def _recency(item: dict[str, Any]) -> str:
    for name in _RECENCY_ATTRIBUTES:
        text = _plain(item.get(name))
        if text:
            return text
    return ""


def items_to_delete(
    items: list[dict[str, Any]],
    *,
    now_epoch: int,
    ttl_attribute: str,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[dict[str, Any]]:
    """What TTL would delete, plus the oldest *finished* runs beyond ``max_items``.

    Runs still in flight (RUNNING, FAILED awaiting a retry) and lock items are never
    removed for the cap: the worker still needs them.
    """
    kept = prune_items(items, now_epoch=now_epoch, ttl_attribute=ttl_attribute, max_items=10**9)
    expired = [item for item in items if item not in kept]
    excess = len(kept) - max_items
    if excess <= 0:
        return expired
    finished = [item for item in kept if _plain(item.get("status")) in TERMINAL_STATUSES]
    finished.sort(key=_recency)
    return expired + finished[:excess]


def prune_items(
    items: list[dict[str, Any]],
    *,
    now_epoch: int,
    ttl_attribute: str,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[dict[str, Any]]:
    """Drop items whose TTL passed, then keep the ``max_items`` most recent ones."""
    kept: list[dict[str, Any]] = []
    for item in items:
        expires = _plain(item.get(ttl_attribute))
        try:
            if expires is not None and int(float(expires)) <= now_epoch:
                continue
        except ValueError:
            pass
        kept.append(item)
    if len(kept) > max_items:
        kept.sort(key=_recency, reverse=True)
        kept = kept[:max_items]
    return kept
