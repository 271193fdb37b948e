"""Reliability bench: does every run end exactly once, whatever happens to its worker?

Prints one table. Each row is a scenario, what was measured, and what it must be:

* deliveries of one slot: the same scheduled event delivered by 50 threads at once
  (in-process, moto), and by several processes at once (against moto's server, as `local
  up` runs): runs created and handler executions must both be 1.
* kills mid-run: the local executor's child is killed (SIGKILL), exits without a word
  (``os._exit``) or holds the GIL past its deadline (so its watchdog cannot run): every
  such run must be concluded (not left RUNNING), with one dead-letter message each.
* hostile handlers: a result whose ``__str__``/``__repr__`` raise, an exception whose
  ``__str__`` raises, a result ``json`` cannot encode, a handler holding the GIL, one
  sleeping past its timeout: each recorded as what it was.
* interrupted deploys: ``bench/reliability_deploy.py``'s ``rows()`` when it exists.

Usage: ``python bench/reliability.py [--processes 4] [--kills 2]``. Slow parts are the
real child processes (each killed job runs to its 5 s deadline plus the 2 s grace).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = "bench-job"
SLOT = "2026-03-29T01:00:00Z"
Row = tuple[str, str, str, bool | None]  # scenario, measured, expected, ok (None: n/a)


# --- a stage's shared resources (table, queue, retry group, role) -----------------------
def make_stage(clients: Any, stage: str = "bench") -> dict[str, str]:
    from scheduler import contract as C  # noqa: N812
    from scheduler import names
    from scheduler.deploy.executor import create_table_params
    from scheduler.resources import RunsTable

    table = names.runs_table("cronbridge", stage)
    clients.client("dynamodb").create_table(**create_table_params(RunsTable(name=table, arn="")))
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName=names.dead_letter_queue("cronbridge", stage))["QueueUrl"]
    group = names.retry_schedule_group("cronbridge", stage)
    clients.client("scheduler").create_schedule_group(Name=group)
    role = clients.client("iam").create_role(
        RoleName=names.scheduler_role("cronbridge", stage),
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]["Arn"]
    return {
        C.ENV_JOB: JOB,
        C.ENV_STAGE: stage,
        C.ENV_HANDLER: "bench:handler",
        C.ENV_TABLE: table,
        C.ENV_DLQ_URL: url,
        C.ENV_RETRY: '{"retries":0}',
        C.ENV_OVERLAP: "skip",
        C.ENV_TIMEOUT: "60",
        C.ENV_RETRY_GROUP: group,
        C.ENV_RETRY_ROLE_ARN: role,
        C.ENV_FUNCTION_ARN: f"arn:aws:lambda:us-east-1:123456789012:function:{JOB}",
    }


def count_runs(clients: Any, table: str) -> int:
    items = clients.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :run)",
        ExpressionAttributeValues={":pk": {"S": f"JOB#{JOB}"}, ":run": {"S": "RUN#"}},
    )["Items"]
    return len(items)


class MotoClients:
    def __init__(self, endpoint_url: str | None = None) -> None:
        from scheduler.awsclients import AwsClients

        self._clients = AwsClients(region="us-east-1", endpoint_url=endpoint_url)

    def client(self, service: str) -> Any:
        return self._clients.client(service)


# --- deliveries of one slot ----------------------------------------------------------------
def threads_row(count: int = 50) -> Row:
    from moto import mock_aws

    from scheduler.worker.entry import build_runtime
    from scheduler.worker.runtime import NullMetrics

    with mock_aws():
        clients = MotoClients()
        env = make_stage(clients)
        executions = []
        lock = threading.Lock()

        def handler(payload: dict[str, Any], ctx: Any) -> None:
            with lock:
                executions.append(ctx.run_id)

        runtime = build_runtime(
            env,
            clients=clients,
            handler_loader=lambda spec: handler,
            metrics=NullMetrics(),
            log=_quiet(),
        )
        barrier = threading.Barrier(count)
        event = {"job": JOB, "trigger": "schedule", "scheduled_time": SLOT, "payload": {}}

        def deliver(n: int) -> None:
            barrier.wait()
            context = _Context(f"req-{n}")
            runtime.handle(event, context)

        workers = [threading.Thread(target=deliver, args=(n,)) for n in range(count)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        runs = count_runs(clients, env["CRONBRIDGE_TABLE"])
    measured = f"runs {runs}, executions {len(executions)}"
    return (
        f"one slot from {count} threads",
        measured,
        "runs 1, executions 1",
        runs == 1 and len(executions) == 1,
    )


PROCESS_CODE = """
import json, os, sys, time
from scheduler.awsclients import AwsClients
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
env, endpoint, log, start_at, n, slot = json.loads(sys.argv[1])
def handler(payload, ctx):
    with open(log, "a") as out:
        out.write(ctx.run_id + "\\n")
class Ctx:
    aws_request_id = f"proc-{n}"
    def get_remaining_time_in_millis(self):
        return 60000
runtime = build_runtime(env, clients=AwsClients(region="us-east-1", endpoint_url=endpoint),
                        handler_loader=lambda spec: handler, metrics=NullMetrics())
time.sleep(max(0.0, start_at - time.time()))
event = {"job": env["CRONBRIDGE_JOB"], "trigger": "schedule", "scheduled_time": slot,
         "payload": {}}
print(json.dumps(runtime.handle(event, Ctx())["status"]))
"""


def processes_row(endpoint_url: str, count: int) -> Row:
    clients = MotoClients(endpoint_url)
    env = make_stage(clients, stage="procs")
    with tempfile.TemporaryDirectory() as tmp:
        log = str(Path(tmp) / "executions.log")
        Path(log).touch()
        start_at = time.time() + 8.0  # every process imported and built its runtime by then
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    PROCESS_CODE,
                    json.dumps([env, endpoint_url, log, start_at, n, SLOT]),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, **_local_env()},
            )
            for n in range(count)
        ]
        for proc in procs:
            proc.communicate(timeout=120)
        executions = len(Path(log).read_text().splitlines())
    runs = count_runs(clients, env["CRONBRIDGE_TABLE"])
    measured = f"runs {runs}, executions {executions}"
    return (
        f"one slot from {count} processes",
        measured,
        "runs 1, executions 1",
        runs == 1 and executions == 1,
    )


# --- the local executor: kills and hostile handlers ------------------------------------------
HANDLERS = """
import math, os, re, signal, time

class Unprintable:
    def __str__(self):
        raise RuntimeError("no str")
    __repr__ = __str__

class HostileError(Exception):
    def __str__(self):
        raise RuntimeError("no str either")

def sigkill(payload, ctx):
    os.kill(os.getpid(), signal.SIGKILL)

def exits(payload, ctx):
    os._exit(3)

def holds_gil(payload, ctx):
    re.match(r"(a+)+$", "a" * 64 + "b")

def sleeps(payload, ctx):
    time.sleep(600)

def unprintable_result(payload, ctx):
    return Unprintable()

def unprintable_error(payload, ctx):
    raise HostileError()

def unencodable_result(payload, ctx):
    loop = []
    loop.append(loop)
    return {"nan": math.nan, "loop": loop}
"""

# job -> (handler, what the run's attempt must record)
KILLS = {"sigkill": "sigkill", "exits": "exits", "holds-gil": "holds_gil"}
HOSTILE = {
    "unprintable-result": ("unprintable_result", "SUCCEEDED"),
    "unprintable-error": ("unprintable_error", "FAILED"),
    "unencodable-result": ("unencodable_result", "SUCCEEDED"),
    "holds-gil": ("holds_gil", "TIMED_OUT"),
    "sleeps": ("sleeps", "TIMED_OUT"),
}


def executor_rows(endpoint_url: str, kills: int) -> list[Row]:
    from scheduler.awsclients import AwsClients
    from scheduler.catalogue import load_catalogue
    from scheduler.clock import SystemClock
    from scheduler.deploy.engine import apply_catalogue
    from scheduler.ledger import DynamoRunStore
    from scheduler.local.executor import ProcessExecutor
    from scheduler.local.functions import FunctionDirectory
    from scheduler.local.ticker import Ticker

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "benchjobs.py").write_text(HANDLERS)
        jobs = {**{j: h for j, h in KILLS.items()}, **{j: h for j, (h, _) in HOSTILE.items()}}
        lines = [
            "version: 1",
            "defaults: {timeout: 5, retries: 0}",
            "jobs:",
            *[
                f"  {job}: {{schedule: rate(1 minute), handler: benchjobs:{fn}}}"
                for job, fn in jobs.items()
            ],
        ]
        (root / "jobs.yaml").write_text("\n".join(lines) + "\n")
        clients = AwsClients(region="us-east-1", endpoint_url=endpoint_url)
        apply_catalogue(load_catalogue(root / "jobs.yaml"), "dev", clients, layers=())
        store = DynamoRunStore(clients.client("dynamodb"), "cronbridge-dev-runs")
        executor = ProcessExecutor(
            FunctionDirectory(clients.client("lambda")),
            endpoint_url=endpoint_url,
            region="us-east-1",
            code_root=root,
            log_dir=root / "logs",
            clock=SystemClock(),
            emit=lambda event: None,
            read_record=lambda info, run_id: store.get(run_id),
            sqs=clients.client("sqs"),
            clients=clients,
        )
        fired: list[Any] = []
        start = datetime.now(UTC).replace(second=0, microsecond=0)
        ticker = Ticker(
            clients,
            prefix="cronbridge",
            stage="dev",
            clock=SystemClock(),
            fire=fired.append,
            start=start - timedelta(minutes=1),
        )
        ticker.refresh()
        ticker.fire_due(start)
        firings = {f.function_name.removeprefix("cronbridge-dev-"): f for f in fired}

        def run_slot(job: str, minutes_back: int) -> Any:
            base = firings[job]
            slot = base.scheduled_time - timedelta(minutes=minutes_back)
            event = {**json.loads(base.input_text), "scheduled_time": _iso(slot)}
            firing = replace(base, scheduled_time=slot, input_text=json.dumps(event))
            events = executor.run(firing)
            return store.get(events[0].run_id or "")

        rows: list[Row] = []
        concluded = total = 0
        for job in KILLS:
            for n in range(kills):
                record = run_slot(job, n)
                total += 1
                concluded += record is not None and record.status.value != "RUNNING"
        letters = _dead_letters(clients)
        rows.append(
            (
                "kills mid-run (SIGKILL, os._exit, GIL)",
                f"concluded {concluded}/{total}",
                f"concluded {total}/{total}",
                concluded == total,
            )
        )
        rows.append(
            ("dead letters for those DEAD runs", f"{letters}", f"{total}", letters == total)
        )
        right = 0
        wrong: list[str] = []
        for job, (_fn, expected) in HOSTILE.items():
            record = run_slot(job, kills + 1)  # a slot the kill rounds did not use
            got = record.attempts[-1].status.value if record and record.attempts else "RUNNING"
            if got == expected:
                right += 1
            else:
                wrong.append(f"{job}={got}")
        detail = f"recorded {right}/{len(HOSTILE)}" + (f" ({', '.join(wrong)})" if wrong else "")
        rows.append(
            (
                "hostile handlers",
                detail,
                f"recorded {len(HOSTILE)}/{len(HOSTILE)}",
                right == len(HOSTILE),
            )
        )
    return rows


def deploy_rows() -> list[Row]:
    """Interrupted deploys, from ``bench/reliability_deploy.py``'s ``rows()`` if it exists.

    Its rows are dicts ``{scenario, trials, converged}`` (engineer h1's bench); the table
    shows "not measured" when that module is absent.
    """
    import importlib

    module = None
    for name in ("reliability_deploy", "bench.reliability_deploy"):  # script dir, repo root
        try:
            module = importlib.import_module(name)
            break
        except ImportError:
            continue
    if module is None:
        return [
            (
                "interrupted deploys",
                "not measured (no bench/reliability_deploy.py)",
                "converged",
                None,
            )
        ]
    out: list[Row] = []
    for row in module.rows():
        trials, converged = int(row["trials"]), int(row["converged"])
        out.append(
            (
                str(row["scenario"]),
                f"converged {converged}/{trials}",
                f"converged {trials}/{trials}",
                converged == trials,
            )
        )
    return out


# --- helpers -------------------------------------------------------------------------------
class _Context:
    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class _Quiet:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _quiet() -> Any:
    return _Quiet()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_env() -> dict[str, str]:
    from scheduler.awsclients import local_credentials_env

    return local_credentials_env()


def _dead_letters(clients: Any) -> int:
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="cronbridge-dev-dead-letter")["QueueUrl"]
    count = 0
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=120
    ).get("Messages", []):
        count += len(batch)
    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def render(rows: list[Row]) -> str:
    headers = ("scenario", "measured", "must be", "ok")
    body = [(s, m, e, "-" if ok is None else "yes" if ok else "NO") for s, m, e, ok in rows]
    widths = [max(len(str(r[i])) for r in [headers, *body]) for i in range(4)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [headers, *body]
    ]
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4, help="concurrent deliverers")
    parser.add_argument("--kills", type=int, default=2, help="kills of each kind")
    args = parser.parse_args(argv)
    os.environ.update(_local_env())
    os.environ.pop("AWS_PROFILE", None)
    from scheduler.local.emulator import Emulator

    began = time.perf_counter()
    rows = [threads_row()]
    emulator = Emulator(port=_free_port())
    emulator.start()
    try:
        rows.append(processes_row(emulator.endpoint_url, args.processes))
        rows.extend(executor_rows(emulator.endpoint_url, args.kills))
    finally:
        emulator.stop()
    rows.extend(deploy_rows())
    print(render(rows))
    print(
        f"\n({time.perf_counter() - began:.0f} s; {sys.platform}, Python {sys.version.split()[0]})"
    )
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
