"""What a local function is configured with, read back from the emulator and cached.

``FunctionDirectory.get`` answers ``get_function_configuration`` (Environment, Timeout,
MemorySize, ARN) and the async invoke config's OnFailure destination for one function
name, as a ``FunctionInfo``; ``forget`` drops the cache when the ticker rescans after a
deploy. ``local up``'s executor and ``local simulate`` both run jobs from exactly what
deploy wrote, never from the catalogue. Its one client is handed in.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    arn: str
    env: dict[str, str]
    timeout: int
    memory: int
    on_failure: str | None = None  # the async invoke config's OnFailure destination ARN


class FunctionDirectory:
    """get_function_configuration, cached until ``forget`` (the ticker's rescans call it)."""

    def __init__(self, lambda_client: Any) -> None:
        self._client = lambda_client
        self._cache: dict[str, FunctionInfo] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> FunctionInfo:
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            return cached
        config = self._client.get_function_configuration(FunctionName=name)
        on_failure = None
        with contextlib.suppress(Exception):  # no async invoke config: no destination
            invoke = self._client.get_function_event_invoke_config(FunctionName=name)
            on_failure = (
                (invoke.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
            )
        info = FunctionInfo(
            name=name,
            arn=str(config["FunctionArn"]),
            env=dict((config.get("Environment") or {}).get("Variables") or {}),
            timeout=int(config.get("Timeout") or 3),
            memory=int(config.get("MemorySize") or 128),
            on_failure=on_failure,
        )
        with self._lock:
            self._cache[name] = info
        return info

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
