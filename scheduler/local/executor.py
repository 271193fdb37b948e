"""The local executor: run each ``Firing`` from the ticker as one Lambda invocation.

For each firing it looks the target function up (``functions``: configuration read back
from the emulator), runs the worker entry in a child process with exactly that
environment and deadline (``child_process``), and reads the run's outcome from the ledger,
so the printed events are what ``history`` will show. A child that crashed or was killed
is handled as AWS would (``crashed_runs``: its abandoned attempt concluded, its OnFailure
record sent). Each firing runs on its own thread; ``stop`` kills whatever still runs.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler.clock import Clock
from scheduler.local import crashed_runs
from scheduler.local.child_process import Child, child_environment, kill_group, run_child
from scheduler.local.events import RunEvent, events_from_record
from scheduler.local.functions import FunctionDirectory, FunctionInfo
from scheduler.local.ticker import Firing

EventSink = Callable[[RunEvent], None]
RecordReader = Callable[[FunctionInfo, str], Any]  # (function, run_id) -> RunRecord | None


class ProcessExecutor:
    """Runs firings in child processes, one thread each; ``stop`` kills whatever still runs."""

    def __init__(
        self,
        functions: FunctionDirectory,
        *,
        endpoint_url: str,
        region: str,
        code_root: Path,
        log_dir: Path,
        clock: Clock,
        emit: EventSink,
        read_record: RecordReader,
        sqs: Any = None,
        clients: Any = None,
        python: str = sys.executable,
    ) -> None:
        self._sqs = sqs
        self._clients = clients  # a ``client(service)`` source; enables reconciliation
        self._functions = functions
        self._endpoint_url = endpoint_url
        self._region = region
        self._code_root = code_root
        self._log_dir = log_dir
        self._clock = clock
        self._emit = emit
        self._read_record = read_record
        self._python = python
        self._lock = threading.Lock()
        self._children: dict[int, Child] = {}
        self._threads: set[threading.Thread] = set()
        self._stopping = False

    def submit(self, firing: Firing) -> None:
        thread = threading.Thread(
            target=self._guarded, args=(firing,), daemon=True, name=f"run-{firing.function_name}"
        )
        with self._lock:
            if self._stopping:
                return
            self._threads.add(thread)
        thread.start()

    def running(self) -> int:
        with self._lock:
            return len(self._children)

    def _guarded(self, firing: Firing) -> None:
        try:
            self.run(firing)
        except Exception as exc:  # never kill the platform for one run
            self._emit(RunEvent.platform_error(firing, self._clock.now(), exc))
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def run(self, firing: Firing) -> list[RunEvent]:
        """Invoke once, synchronously; returns the events it emitted."""
        info = self._functions.get(firing.function_name)
        try:
            event = json.loads(firing.input_text)
        except ValueError:
            event = firing.input_text  # a plain-text target input reaches Lambda as a string
        request_id = str(uuid.uuid4())
        started = RunEvent.started(firing, event, self._clock.now(), request_id)
        self._emit(started)
        deadline = time.time() + info.timeout
        spec = {
            "event": event,
            "context": {
                "function_name": info.name,
                "invoked_function_arn": info.arn,
                "aws_request_id": request_id,
                "memory_limit_in_mb": info.memory,
                "deadline_epoch_ms": int(deadline * 1000),
                "log_group_name": f"/aws/lambda/{info.name}",
            },
        }
        outcome, killed, exit_code = run_child(
            info,
            spec,
            env=self._child_env(info),
            python=self._python,
            code_root=self._code_root,
            log_dir=self._log_dir,
            started=self._child_started,
            ended=self._child_ended,
        )
        record = self._read_record(info, started.run_id) if started.run_id else None
        with self._lock:
            stopping = self._stopping
        # A child killed by ``stop`` (the platform shutting down) is left RUNNING, as
        # documented: no reconciliation and no on-failure record while the emulator stops.
        crashed = not stopping and (killed or outcome is None or not outcome.get("ok", True))
        if crashed and crashed_runs.abandoned_by(record, started, request_id):
            record = self._reconcile(info, started, request_id, killed, exit_code) or record
        if crashed and not crashed_runs.concluded(record, started, request_id):
            # As on AWS: an unhandled error or a timeout of an async invoke with 0 retries
            # goes to the function's OnFailure destination (our DLQ). When the attempt was
            # concluded (by its watchdog, or reconciled just above) the record is consumed
            # at once, as the reconciler does on AWS: one run, one dead letter.
            crashed_runs.send_on_failure(
                self._sqs, info, event, request_id, outcome, killed=killed, clock=self._clock
            )
        events = events_from_record(
            started, record, outcome=outcome, killed=killed, now=self._clock.now()
        )
        for item in events:
            self._emit(item)
        return [started, *events]

    def _reconcile(
        self,
        info: FunctionInfo,
        started: RunEvent,
        request_id: str,
        killed: bool,
        exit_code: int | None,
    ) -> Any:
        """Conclude the attempt the dead child left RUNNING; the run as it is now."""
        if self._clients is None or started.run_id is None:
            return None
        crashed_runs.conclude_abandoned(
            info,
            started.run_id,
            request_id,
            killed=killed,
            exit_code=exit_code,
            env=self._child_env(info),
            clients=self._clients,
            clock=self._clock,
        )
        return self._read_record(info, started.run_id)

    def _child_env(self, info: FunctionInfo) -> dict[str, str]:
        return child_environment(
            info, endpoint_url=self._endpoint_url, region=self._region, code_root=self._code_root
        )

    def _child_started(self, process: Child) -> None:
        with self._lock:
            self._children[process.pid] = process

    def _child_ended(self, process: Child) -> None:
        with self._lock:
            self._children.pop(process.pid, None)

    def stop(self, timeout: float = 5.0) -> None:
        """Kill every running child (their runs stay RUNNING, as after a Lambda kill)."""
        with self._lock:
            self._stopping = True
            children = list(self._children.values())
            threads = list(self._threads)
        for process in children:
            kill_group(process)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
