"""`cronbridge local up`: the emulator, a deploy into it, the ticker and the executor.

Start order: emulator (127.0.0.1) -> deploy the catalogue with the production deploy code
-> restore the last snapshot (runs, dead letters, pending retries) -> publish
``.cronbridge/local.json`` so ``--local`` finds us -> tick until Ctrl-C / SIGTERM / --for.
Stop order matters and is protected from a second Ctrl-C: kill running job processes ->
snapshot -> remove local.json -> stop the emulator. Nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scheduler import names
from scheduler.awsclients import AwsClients, local_credentials_env
from scheduler.clock import Clock, SystemClock, isoformat_z
from scheduler.errors import CronbridgeError
from scheduler.local import persist, state
from scheduler.local.alerts import ALERT_LOG, LocalAlerts
from scheduler.local.emulator import Emulator
from scheduler.local.events import RunEvent
from scheduler.local.executor import ProcessExecutor
from scheduler.local.functions import FunctionDirectory, FunctionInfo
from scheduler.local.ticker import Ticker

DeployFn = Callable[[Any, str, Any], Any]  # (catalogue, stage, clients)
TICK_SECONDS = 0.5
SSM_PREFIX = "ssm:"
SNAPSHOT_EVERY = 60.0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def restored_summary(restored: dict[str, int]) -> str:
    """What a restart brought back: "restored 1 run, 0 dead letters, 2 pending retries"."""
    return (
        f"restored {_count(restored.get('runs', 0), 'run', 'runs')}, "
        f"{_count(restored.get('dead_letters', 0), 'dead letter', 'dead letters')}, "
        f"{_count(restored.get('retry_schedules', 0), 'pending retry', 'pending retries')}"
    )


@dataclass
class UpOptions:
    stage: str
    port: int
    duration: float | None = None  # seconds; None: until Ctrl-C
    tick_seconds: float = TICK_SECONDS
    snapshot_every: float = SNAPSHOT_EVERY
    banner_extra: tuple[str, ...] = ()  # more "  name  where" lines (e.g. the web ui's URL)
    # The -f/--stage the user gave `local up`, repeated in the banner's commands so that
    # each works when pasted (e.g. " -f ../ops/jobs.yaml --stage qa").
    context_flags: str = ""


@dataclass
class UpSummary:
    endpoint_url: str
    stage: str
    started_at: str
    stopped_at: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    snapshot: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint_url": self.endpoint_url,
            "stage": self.stage,
            "started_at": self.started_at,
            "stopped_at": self.stopped_at,
            "events": dict(sorted(self.counts.items())),
            "restored": self.restored,
            "snapshot": self.snapshot,
        }


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGINT stop `local up` the same way (clean shutdown, state saved)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background commands with SIGINT ignored, and Python keeps
    # that, so without this a `local up` started that way could never be stopped by it.
    previous = {
        signum: signal.signal(signum, raise_interrupt) for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _uninterruptible() -> Iterator[None]:
    """Shield the shutdown sequence from a second Ctrl-C (it would orphan processes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


class LocalPlatform:
    def __init__(
        self,
        catalogue: Any,
        options: UpOptions,
        *,
        deploy: DeployFn,
        emit: Callable[[RunEvent], None],
        say: Callable[[str], None],
        clock: Clock | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.root = Path(catalogue.root)
        self.options = options
        self._deploy = deploy
        self._emit_out = emit
        self._say = say
        self.clock = clock or SystemClock()
        self.stop_event = stop or threading.Event()
        self.emulator = Emulator(options.port, log_path=self.logs_dir / "moto.log")
        self._counts: dict[str, int] = {}
        self._emit_lock = threading.Lock()

    @property
    def logs_dir(self) -> Path:
        return state.state_dir(self.root) / "logs"

    def _emit(self, event: RunEvent) -> None:
        with self._emit_lock:
            self._counts[event.kind] = self._counts.get(event.kind, 0) + 1
            self._emit_out(event)

    # --- lifecycle ---------------------------------------------------------------------------
    def run(self) -> UpSummary:
        running = state.read_running(self.root)
        if running is not None and running.pid != os.getpid():
            raise CronbridgeError(
                f"a local platform is already running for {self.root} "
                f"(pid {running.pid}, {running.endpoint_url}, stage {running.stage})",
                hint="use it with --local, or stop it (Ctrl-C in its terminal) first",
            )
        # Our own clients and every child get dummy credentials: never a real account.
        os.environ.update(local_credentials_env())
        os.environ.pop("AWS_PROFILE", None)
        summary = UpSummary(
            endpoint_url=self.emulator.endpoint_url,
            stage=self.options.stage,
            started_at=isoformat_z(self.clock.now()),
        )
        with _terminate_as_interrupt():
            self.emulator.start()
            clients = AwsClients(
                region=local_credentials_env()["AWS_DEFAULT_REGION"],
                endpoint_url=self.emulator.endpoint_url,
            )
            executor: ProcessExecutor | None = None
            try:
                self._say(f"deploying {self.catalogue.path} to stage {self.options.stage} ...")
                self._deploy(self.catalogue, self.options.stage, clients)
                self._seed_secrets(clients)
                summary.restored = self._restore(clients)
                state.write_running(self.root, self._published())
                executor = self._executor(clients)
                self._banner(summary.restored)
                self._loop(clients, executor)
            except KeyboardInterrupt:
                pass
            finally:
                with _uninterruptible():
                    summary.snapshot = self._shutdown(clients, executor)
        summary.stopped_at = isoformat_z(self.clock.now())
        summary.counts = dict(self._counts)
        return summary

    def _published(self) -> state.RunningPlatform:
        return state.RunningPlatform(
            pid=os.getpid(),
            endpoint_url=self.emulator.endpoint_url,
            stage=self.options.stage,
            port=self.options.port,
            prefix=self.catalogue.prefix,
            catalogue=str(self.catalogue.path),
            started_at=isoformat_z(self.clock.now()),
        )

    def _seed_secrets(self, clients: AwsClients) -> None:
        """Give every ``ssm:`` env reference a placeholder in the emulator, so jobs start.

        On AWS the parameter must exist; locally nobody has created it, and a newcomer's
        first run should not fail on a secret. An existing parameter is left alone.
        """
        ssm = clients.client("ssm")
        for job in self.catalogue.jobs.values():
            for key, value in job.env.items():
                if not value.startswith(SSM_PREFIX):
                    continue
                try:
                    ssm.put_parameter(
                        Name=value[len(SSM_PREFIX) :],
                        Value=f"local-placeholder-for-{key}",
                        Type="SecureString",
                        Overwrite=False,
                    )
                    self._say(f"  secret     {value} -> a local placeholder (job {job.name})")
                except ssm.exceptions.ParameterAlreadyExists:
                    pass

    def _restore(self, clients: AwsClients) -> dict[str, int]:
        path = state.snapshot_path(self.root, self.options.stage)
        data = state.read_snapshot(path)
        if data is None:
            return {}
        counts = persist.restore_snapshot(
            clients,
            persist.Snapshot.from_json(data),
            prefix=self.catalogue.prefix,
            stage=self.options.stage,
            now=self.clock.now(),
        )
        return {
            "runs": counts.runs,
            "dead_letters": counts.dead_letters,
            "retry_schedules": counts.retry_schedules,
        }

    def _executor(self, clients: AwsClients) -> ProcessExecutor:
        from scheduler.ledger import DynamoRunStore

        table = names.runs_table(self.catalogue.prefix, self.options.stage)

        def read_record(info: FunctionInfo, run_id: str) -> Any:
            store = DynamoRunStore(
                clients.client("dynamodb"), info.env.get("CRONBRIDGE_TABLE", table)
            )
            return store.get(run_id)

        self.functions = FunctionDirectory(clients.client("lambda"))
        return ProcessExecutor(
            self.functions,
            endpoint_url=self.emulator.endpoint_url,
            region=clients.region_name,
            code_root=self.root,
            log_dir=self.logs_dir,
            clock=self.clock,
            emit=self._emit,
            read_record=read_record,
            sqs=clients.client("sqs"),
            clients=clients,
        )

    def _loop(self, clients: AwsClients, executor: ProcessExecutor) -> None:
        alerts = LocalAlerts(
            clients,
            prefix=self.catalogue.prefix,
            stage=self.options.stage,
            clock=self.clock,
            log_path=state.state_dir(self.root) / ALERT_LOG,
            emit=lambda alert: self._emit(RunEvent.alert(alert, self.clock.now())),
            say=self._say,
        )
        ticker = Ticker(
            clients,
            prefix=self.catalogue.prefix,
            stage=self.options.stage,
            clock=self.clock,
            fire=alerts.route(executor.submit),
        )
        began = time.monotonic()
        last_snapshot = began
        last_scan: datetime | None = None
        while not self.stop_event.is_set():
            try:
                ticker.maybe_refresh()
                if ticker.last_full_scan != last_scan:
                    last_scan = ticker.last_full_scan
                    self.functions.forget()  # a redeploy may have changed env or timeout
                    alerts.attach()  # a redeploy may have added a topic
                ticker.fire_due()
                alerts.drain()
            except Exception as exc:
                if not self.emulator.alive():
                    raise CronbridgeError(
                        "the emulator stopped unexpectedly",
                        hint=f"see {self.logs_dir / 'moto.log'}; then start `local up` again",
                    ) from exc
                # One bad read (e.g. a resource deleted mid-redeploy) must not stop the
                # platform; the next tick reads the deployed set again.
                self._say(f"warning: tick failed: {type(exc).__name__}: {exc}")
            now = time.monotonic()
            if now - last_snapshot >= self.options.snapshot_every:
                last_snapshot = now
                self._save(clients)
            if self.options.duration is not None and now - began >= self.options.duration:
                break
            self.stop_event.wait(self.options.tick_seconds)

    def _save(self, clients: AwsClients) -> str:
        try:
            path = persist.save_snapshot(
                clients,
                self.root,
                prefix=self.catalogue.prefix,
                stage=self.options.stage,
                now=self.clock.now(),
            )
            return str(path)
        except Exception as exc:  # keep running; the next snapshot may succeed
            self._say(f"warning: could not save local state: {exc}")
            return ""

    def _shutdown(self, clients: AwsClients, executor: ProcessExecutor | None) -> str:
        self._say("stopping: killing running jobs, saving state, stopping the emulator ...")
        if executor is not None:
            executor.stop()
        saved = self._save(clients) if self.emulator.alive() else ""
        state.clear_running(self.root, os.getpid())
        self.emulator.stop()
        return saved

    def _banner(self, restored: dict[str, int]) -> None:
        rel = _relative(state.state_dir(self.root))
        jobs = list(self.catalogue.jobs)
        flags = self.options.context_flags
        restored_text = restored_summary(restored) if restored else "fresh (no saved state)"
        until = (
            f"for {self.options.duration:g} s"
            if self.options.duration is not None
            else "until Ctrl-C"
        )
        lines = [
            f"cronbridge local platform is up ({until}); started {isoformat_z(datetime.now(UTC))}",
            f"  emulator   {self.emulator.endpoint_url}  (moto; log {rel}/logs/moto.log)",
            *self.options.banner_extra,
            f"  stage      {self.options.stage}: {len(jobs)} job(s) deployed from "
            f"{_relative(Path(self.catalogue.path))}",
            f"  state      {rel}/state-{self.options.stage}.json: {restored_text}",
            f"  job logs   {rel}/logs/<function>.log",
            "try, in another terminal:",
            f"  cronbridge status --local{flags}          # health of every job",
            f"  cronbridge history --local{flags}         # recent runs (add a JOB name to filter)",
            f"  cronbridge run {jobs[0] if jobs else 'JOB'} --local{flags} --wait   # trigger now",
            f"  cronbridge dlq list --local{flags}        # dead letters",
            f"  edit jobs.yaml, then: cronbridge deploy --local{flags} --yes   # live in a minute",
            "one line per run event follows; Ctrl-C stops and saves state.",
        ]
        for line in lines:
            self._say(line)


def _relative(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    return str(path)
