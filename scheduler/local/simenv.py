"""The in-process surroundings `cronbridge local simulate` gives the real worker.

AWS clients whose scheduler and events calls are watched (a new retry schedule, a rule or
schedule turned on or off), so the virtual-clock loop rescans the deployed set only when it
changed; Lambda's context on the virtual clock; a quiet logger; a handler loader without the
worker's process-wide cache; and the catalogue's packages put on ``sys.path`` fresh.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler.awsclients import AwsClients
from scheduler.local.vclock import VirtualClock

# Told (group, name) of a schedule created or deleted through the watched client.
ScheduleNote = Callable[[str, str], None]


class _SchedulerWatch:
    """A scheduler client proxy that notes schedules created (retries, on-demand runs) or
    deleted, and schedules turned on or off."""

    def __init__(
        self,
        client: Any,
        on_create: ScheduleNote,
        on_toggle: Callable[[], None],
        on_delete: ScheduleNote,
    ) -> None:
        self._client = client
        self._on_create = on_create
        self._on_toggle = on_toggle
        self._on_delete = on_delete

    def create_schedule(self, **kwargs: Any) -> Any:
        try:
            return self._client.create_schedule(**kwargs)
        finally:  # even when the call failed: whether it was made is then unknown
            self._on_create(str(kwargs.get("GroupName") or "default"), str(kwargs.get("Name")))

    def delete_schedule(self, **kwargs: Any) -> Any:
        self._on_delete(str(kwargs.get("GroupName") or "default"), str(kwargs.get("Name")))
        return self._client.delete_schedule(**kwargs)

    def update_schedule(self, **kwargs: Any) -> Any:
        self._on_toggle()  # a pause ending (or starting): rescan the deployed set
        return self._client.update_schedule(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _EventsWatch:
    """An events client proxy that notes rules turned on or off (a pause ending)."""

    def __init__(self, client: Any, on_toggle: Callable[[], None]) -> None:
        self._client = client
        self._on_toggle = on_toggle

    def enable_rule(self, **kwargs: Any) -> Any:
        self._on_toggle()
        return self._client.enable_rule(**kwargs)

    def disable_rule(self, **kwargs: Any) -> Any:
        self._on_toggle()
        return self._client.disable_rule(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _SnsWatch:
    """An SNS client proxy that counts publishes (the alert tap then knows what to read)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.published = 0

    def publish(self, **kwargs: Any) -> Any:
        try:
            return self._client.publish(**kwargs)
        finally:  # counted even when it failed: the tap then reads until the queue is empty
            self.published += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _Pages:
    """A paginator over pages already read."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._pages


class _LambdaReads:
    """A Lambda client proxy that reads the deployed functions once: ``ListFunctions``
    pages and ``GetFunctionConfiguration`` answers are kept until any other Lambda call
    (nothing in a simulation changes a function; the stage's monitor re-reads them every
    round, which was most of its emulator calls)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._pages: list[dict[str, Any]] | None = None
        self._configs: dict[str, Any] = {}

    def forget(self) -> None:
        self._pages, self._configs = None, {}

    def get_paginator(self, name: str) -> Any:
        if name != "list_functions":
            self.forget()
            return self._client.get_paginator(name)
        if self._pages is None:
            self._pages = list(self._client.get_paginator(name).paginate())
        return _Pages(self._pages)

    def get_function_configuration(self, **kwargs: Any) -> Any:
        key = repr(sorted(kwargs.items()))
        if key not in self._configs:
            self._configs[key] = self._client.get_function_configuration(**kwargs)
        return self._configs[key]

    def __getattr__(self, name: str) -> Any:
        self.forget()  # anything else may change a function: read afresh after it
        return getattr(self._client, name)


class WatchedClients:
    """AwsClients with scheduler and events watched, so the loop rescans only when needed,
    and Lambda's reads of the deployed functions kept (``forget`` drops them)."""

    def __init__(
        self,
        inner: AwsClients,
        on_create: ScheduleNote,
        on_toggle: Callable[[], None],
        on_delete: ScheduleNote,
    ) -> None:
        self._inner = inner
        self._watched: dict[str, Any] = {}
        self._on_create = on_create
        self._on_toggle = on_toggle
        self._on_delete = on_delete

    def client(self, service: str) -> Any:
        if service == "scheduler" and service not in self._watched:
            self._watched[service] = _SchedulerWatch(
                self._inner.client(service), self._on_create, self._on_toggle, self._on_delete
            )
        if service == "events" and service not in self._watched:
            self._watched[service] = _EventsWatch(self._inner.client(service), self._on_toggle)
        if service == "lambda" and service not in self._watched:
            self._watched[service] = _LambdaReads(self._inner.client(service))
        if service == "sns" and service not in self._watched:
            self._watched[service] = _SnsWatch(self._inner.client(service))
        return self._watched.get(service) or self._inner.client(service)

    def published(self) -> int:
        """SNS publishes made through these clients so far (the workers' and the monitor's)."""
        watch = self._watched.get("sns")
        return watch.published if isinstance(watch, _SnsWatch) else 0

    def forget(self) -> None:
        """Read the deployed functions afresh (a redeploy may have changed them)."""
        reads = self._watched.get("lambda")
        if isinstance(reads, _LambdaReads):
            reads.forget()

    @property
    def region_name(self) -> str:
        return self._inner.region_name

    def account_id(self) -> str:
        return self._inner.account_id()


@dataclass
class VirtualContext:
    """Lambda's context, on the virtual clock."""

    clock: VirtualClock
    deadline: datetime
    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    memory_limit_in_mb: int
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.clock.now()).total_seconds() * 1000))


def quiet_logger() -> logging.Logger:
    logger = logging.getLogger("cronbridge.simulate.worker")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def fresh_loader(spec: str) -> Any:
    """Import a handler without the worker's process-wide cache (tests reuse package names)."""
    module_name, _, function_name = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in function_name.split("."):
        target = getattr(target, part)
    return target


@contextmanager
def catalogue_on_path(root: Path, packages: set[str]) -> Iterator[None]:
    """Make the catalogue's packages importable, fresh (no stale module from another root)."""

    def purge() -> None:
        for name in list(sys.modules):
            if name.split(".")[0] in packages:
                del sys.modules[name]

    purge()
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        if str(root) in sys.path:
            sys.path.remove(str(root))
        purge()
