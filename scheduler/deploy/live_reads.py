"""A stage's cheap reads, started together as soon as the stage's names are known.

Every listing of the plan's cheap read (its ``live.Snapshot``), with the roles listing and
the pauses the plan needs first, is named from the catalogue's prefix and the stage alone:
nothing in them waits for compile, for another read or for the code's hashes. With
``parallelism`` above 1 they all start at once on threads (at most that many running), the
slowest first (IAM's ``ListRoles``, then the tagging API), so the round trips overlap each
other and the plan's own work (compile, hashing) instead of adding up; the calls made are
exactly those of the one-by-one order. With 1 (the default, for moto's in-process
backends, which are not thread-safe), each read runs when it is first asked for, in the
order the plan asks.

Clients are created on the caller's thread before a read is handed to a thread (a
botocore session is not thread-safe; its clients are). The threads are daemons: a plan
abandoned by an error or Ctrl-C does not wait for a slow call to end. Reads only; no
decisions, no writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from scheduler import names
from scheduler.deploy import live_iam, paused
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.live import HINT_TYPES, Snapshot
from scheduler.names import ownership_tags
from scheduler.resources import DesiredState

# Reads at once: the scan's eight, so none waits for another (AWS applies a per-API
# rate to control-plane reads; eight different APIs, once each, stays far below them).
READ_PARALLELISM = 8


class StageReads:
    """The stage's listings, pending or done; ask with ``roles``, ``pauses``, ``snapshot``."""

    def __init__(
        self, api: AwsApi, prefix: str, stage: str, *, destroy: bool = False,
        parallelism: int = 1,
    ) -> None:  # fmt: skip
        self._api = api
        self._destroy = destroy
        self._named_for = (prefix, stage, destroy)
        self._base = names.base(prefix, stage)
        self._path = names.role_path(prefix, stage)
        self._scheduler_role = names.scheduler_role(prefix, stage)
        self._table = names.runs_table(prefix, stage)
        self._queue = names.dead_letter_queue(prefix, stage)
        self._jobs_group = names.schedule_group(prefix, stage)
        self._retry_group = names.retry_schedule_group(prefix, stage)
        self._tags = ownership_tags(prefix, stage)
        # (service, read), the slowest first: with a pool they start in this order.
        reads: dict[str, tuple[str, Callable[[], Any]]] = {
            "roles": ("iam", self._read_roles),
            "hints": ("resourcegroupstaggingapi", self._read_hints),
            "functions": ("lambda", lambda: api.list_functions(f"{self._base}-")),
            "rules": ("events", lambda: {r["Name"]: r for r in api.list_rules(f"{self._base}-")}),
            "groups": ("scheduler", self._read_groups),
            "table": ("dynamodb", lambda: api.table_summary(self._table)),
            "queue": ("sqs", lambda: api.queue_url(self._queue)),
        }
        if not destroy:
            reads["pauses"] = ("dynamodb", lambda: paused.read_table_pauses(api, self._table))
        self._reads = {key: read for key, (_, read) in reads.items()}
        self._done: dict[str, Any] = {}
        self._futures: dict[str, Future[Any]] = {}
        if parallelism > 1:
            slots = threading.BoundedSemaphore(min(parallelism, len(reads)))
            for key, (service, read) in reads.items():
                api.client(service)  # built here, on the caller's thread
                self._futures[key] = _start(key, read, slots)

    def is_for(self, prefix: str, stage: str, *, destroy: bool = False) -> bool:
        """Whether these reads are the ones a plan of this prefix and stage would make."""
        return self._named_for == (prefix, stage, destroy)

    def _get(self, key: str) -> Any:
        if key not in self._done:
            future = self._futures.get(key)
            self._done[key] = future.result() if future is not None else self._reads[key]()
        return self._done[key]

    def close(self) -> None:
        """Drop reads nobody will ask for (the plan failed or was interrupted): those not
        started never start, and a running one ends on its own without holding the
        process (its thread is a daemon), so Ctrl-C is not kept waiting on a slow call."""
        for future in self._futures.values():
            future.cancel()

    # --- What the plan asks for -----------------------------------------------------

    def roles(self) -> dict[str, dict[str, Any] | None]:
        """Role name -> ListRoles entry of every role under the stage's IAM path, the
        scheduler role's being its GetRole result (its tags hold its fingerprint)."""
        roles: dict[str, dict[str, Any] | None] = self._get("roles")
        return roles

    def pauses(self) -> dict[str, paused.StagePause]:
        if self._destroy:
            return {}
        out: dict[str, paused.StagePause] = self._get("pauses")
        return out

    def snapshot(self, desired: DesiredState) -> Snapshot:
        """``live.scan``'s Snapshot of ``desired``'s stage (whose names these reads used)."""
        shared = desired.shared
        if (shared.table.name, shared.queue.name) != (self._table, self._queue):
            raise ValueError("the desired state is not the stage these reads were named for")
        groups, schedules, retry_schedules = self._get("groups")
        return Snapshot(
            hints=self._get("hints"),
            functions=self._get("functions"),
            rules=self._get("rules"),
            schedules=schedules,
            groups=groups,
            roles=self.roles(),
            table=self._get("table"),
            queue_url=self._get("queue"),
            retry_schedules=retry_schedules,
        )

    # --- The reads --------------------------------------------------------------------

    def _read_roles(self) -> dict[str, dict[str, Any] | None]:
        roles: dict[str, dict[str, Any] | None] = dict(
            live_iam.list_stage_roles(self._api, self._path)
        )
        if self._scheduler_role in roles:
            # ListRoles returns no tags: the scheduler role's fingerprint needs GetRole.
            roles[self._scheduler_role] = live_iam.get_role(self._api, self._scheduler_role)
        return roles

    def _read_hints(self) -> dict[str, dict[str, str]]:
        return self._api.tagged_resources(self._tags, HINT_TYPES)

    def _read_groups(
        self,
    ) -> tuple[set[str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        api = self._api
        groups = {g["Name"] for g in api.list_schedule_groups(self._base)}
        schedules = (
            {s["Name"]: s for s in api.list_schedules(self._jobs_group)}
            if self._jobs_group in groups
            else {}
        )
        retry_schedules = (
            {s["Name"]: s for s in api.list_schedules(self._retry_group)}
            if self._destroy and self._retry_group in groups
            else {}
        )
        return groups, schedules, retry_schedules


def _start(key: str, read: Callable[[], Any], slots: threading.BoundedSemaphore) -> Future[Any]:
    """``read`` on its own daemon thread once one of ``slots`` is free; its Future."""
    future: Future[Any] = Future()

    def run() -> None:
        with slots:
            if not future.set_running_or_notify_cancel():
                return  # cancelled before it started
            try:
                result = read()
            except BaseException as exc:  # handed to whoever asks for the result
                future.set_exception(exc)
            else:
                future.set_result(result)

    threading.Thread(target=run, name=f"cronbridge-read-{key}", daemon=True).start()
    return future
