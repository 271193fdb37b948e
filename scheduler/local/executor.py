"""The local executor: run the worker entry in a child process, as Lambda would.

For each ``Firing`` from the ticker it reads the target function's configuration back from
the emulator (Environment, Timeout, MemorySize, ARN), starts ``scheduler.local.childrun``
with exactly that environment plus the emulator endpoint and dummy credentials, hands it the
event and a Lambda-like context, and kills it at the function's deadline (the worker's own
watchdog records TIMED_OUT just before; a child that dies silently is reported as killed,
as on AWS). The run's outcome is then read from the ledger, so the printed events are what
``history`` will show. Job output goes to ``.cronbridge/logs/<function>.log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler import contract
from scheduler.awsclients import local_credentials_env
from scheduler.clock import Clock
from scheduler.local.emulator import child_preexec
from scheduler.local.events import RunEvent, events_from_record
from scheduler.local.ticker import Firing

# Grace after the deadline before SIGKILL: the worker's watchdog concludes the attempt a
# few seconds before the deadline and returns, but the child still has to write its result
# and exit. Killing it exactly at the deadline turned a handled timeout into a "crash" with
# an extra on-failure record per attempt. Lambda's own kill is not this kind, but there the
# watchdog's return ends the invocation at once.
KILL_GRACE_SECONDS = 2.0


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


def child_environment(
    info: FunctionInfo, *, endpoint_url: str, region: str, code_root: Path
) -> dict[str, str]:
    """The function's configured env plus what the Lambda sandbox and emulator need."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(info.env)
    env.update(local_credentials_env())
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": info.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(info.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(info.timeout),
            "TZ": "UTC",  # Lambda's clock
            "PYTHONPATH": str(code_root),  # the zip root: the catalogue folder's packages
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault(contract.ENV_FUNCTION_ARN, info.arn)
    # The local ticker fires one-time schedules to the second (AWS: to the minute).
    env.setdefault(contract.ENV_RETRY_PRECISION, "second")
    return env


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
        self._children: dict[int, subprocess.Popen[bytes]] = {}
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
        outcome, killed, exit_code = self._spawn(info, spec)
        record = self._read_record(info, started.run_id) if started.run_id else None
        with self._lock:
            stopping = self._stopping
        # A child killed by ``stop`` (the platform shutting down) is left RUNNING, as
        # documented: no reconciliation and no on-failure record while the emulator stops.
        crashed = not stopping and (killed or outcome is None or not outcome.get("ok", True))
        if crashed and _abandoned_by(record, started, request_id):
            record = self._reconcile(info, started, request_id, killed, exit_code) or record
        if crashed and not _concluded(record, started, request_id):
            # As on AWS: an unhandled error or a timeout of an async invoke with 0 retries
            # goes to the function's OnFailure destination (our DLQ). When the attempt was
            # concluded (by its watchdog, or reconciled just above) the record is consumed
            # at once, as the reconciler does on AWS: one run, one dead letter.
            self._on_failure(info, event, request_id, outcome, killed)
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
        from scheduler.ledger import RunStatus
        from scheduler.worker.entry import build_runtime
        from scheduler.worker.runtime import NullMetrics

        if killed:
            outcome = RunStatus.TIMED_OUT
            reason = (
                f"the worker was killed {KILL_GRACE_SECONDS:.0f}s after the function's "
                f"{info.timeout}s deadline without recording an outcome (a handler holding "
                "the GIL, or a hung interpreter)"
            )
        else:
            outcome = RunStatus.FAILED
            reason = f"the worker process exited (code {exit_code}) without recording an outcome"
        env = child_environment(
            info, endpoint_url=self._endpoint_url, region=self._region, code_root=self._code_root
        )
        runtime = build_runtime(
            env, clients=self._clients, clock=self._clock, log=_QUIET, metrics=NullMetrics()
        )
        runtime.reconcile(
            started.run_id,
            request_id=request_id,
            outcome=outcome,
            reason=reason,
            target_arn=info.arn,
        )
        return self._read_record(info, started.run_id)

    def _on_failure(
        self,
        info: FunctionInfo,
        event: Any,
        request_id: str,
        outcome: dict[str, Any] | None,
        killed: bool,
    ) -> None:
        if not info.on_failure or ":sqs:" not in info.on_failure:
            return
        if killed:
            payload: dict[str, Any] = {
                "errorMessage": f"{request_id} Task timed out after {info.timeout:.2f} seconds"
            }
        else:
            error = (outcome or {}).get("error") or {}
            payload = {"errorType": error.get("type"), "errorMessage": error.get("message")}
        record = destination_record(info, event, request_id, payload, self._clock.now())
        try:
            self._send_to_queue(info.on_failure, json.dumps(record))
        except Exception as exc:  # the run itself is already reported
            self._emit_note(f"could not deliver the on-failure record: {exc}")

    def _send_to_queue(self, queue_arn: str, body: str) -> None:
        sqs = self._sqs
        parts = queue_arn.split(":")
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def _emit_note(self, text: str) -> None:
        sys.stderr.write(f"warning: {text}\n")

    def _spawn(
        self, info: FunctionInfo, spec: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, bool, int | None]:
        env = child_environment(
            info, endpoint_url=self._endpoint_url, region=self._region, code_root=self._code_root
        )
        self._log_dir.mkdir(parents=True, exist_ok=True)
        fd, result_name = tempfile.mkstemp(prefix="cronbridge-run-", suffix=".json")
        os.close(fd)
        result_path = Path(result_name)
        result_path.unlink()
        killed = False
        with (self._log_dir / f"{info.name}.log").open("ab") as log:
            process = subprocess.Popen(
                [self._python, "-m", "scheduler.local.childrun", str(result_path)],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                env=env,
                cwd=str(self._code_root),
                start_new_session=True,  # Ctrl-C reaches `local up`, which stops us in order
                preexec_fn=child_preexec,  # noqa: PLW1509 - only sets PDEATHSIG
            )
            with self._lock:
                self._children[process.pid] = process
            try:
                process.communicate(
                    json.dumps(spec).encode(), timeout=info.timeout + KILL_GRACE_SECONDS
                )
            except subprocess.TimeoutExpired:
                killed = True
                _kill_group(process)
            finally:
                with self._lock:
                    self._children.pop(process.pid, None)
        try:
            return json.loads(result_path.read_text(encoding="utf-8")), killed, process.returncode
        except (OSError, ValueError):
            return None, killed, process.returncode
        finally:
            result_path.unlink(missing_ok=True)

    def stop(self, timeout: float = 5.0) -> None:
        """Kill every running child (their runs stay RUNNING, as after a Lambda kill)."""
        with self._lock:
            self._stopping = True
            children = list(self._children.values())
            threads = list(self._threads)
        for process in children:
            _kill_group(process)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def destination_record(
    info: FunctionInfo, event: Any, request_id: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The record Lambda sends to an async OnFailure destination (DLQ shape 2)."""
    return {
        "version": "1.0",
        "timestamp": now.isoformat(),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{info.arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 1,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": payload,
    }


def _abandoned_by(record: Any, started: RunEvent, request_id: str) -> bool:
    """The run is still RUNNING the attempt this (now dead) invocation claimed."""
    return (
        record is not None
        and record.status.value == "RUNNING"
        and record.attempt == started.attempt
        and record.request_id == request_id
    )


def _concluded(record: Any, started: RunEvent, request_id: str) -> bool:
    """The ledger holds an outcome for the attempt this invocation claimed."""
    if record is None:
        return False
    return any(a.attempt == started.attempt and a.request_id == request_id for a in record.attempts)


class _QuietLogger:
    """The reconciler's logger in the platform process: its lines are the run events."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


_QUIET = _QuietLogger()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
