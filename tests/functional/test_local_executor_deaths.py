"""Workers that die mid-run under the local executor (`local up`'s): every run concludes.

A child killed by the executor after its deadline (a handler holding the GIL), one that
exits without a word (``os._exit``), and one whose handler merely hangs (its watchdog
concludes it) must each end with exactly one outcome for the attempt and, with no retries
left, exactly one dead-letter message.
"""

from __future__ import annotations

import json
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.clock import SystemClock
from scheduler.deploy.engine import apply_catalogue
from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.local.emulator import Emulator
from scheduler.local.events import RunEvent
from scheduler.local.executor import ProcessExecutor
from scheduler.local.functions import FunctionDirectory
from scheduler.local.ticker import Firing, Ticker

HANDLERS = """
import os, re, time

def exits(payload, ctx):
    os._exit(9)  # no finally, no outcome: like SIGKILL or the OOM killer

def holds_gil(payload, ctx):
    # sre holds the GIL while it backtracks, so the watchdog thread never runs
    re.match(r"(a+)+$", "a" * 64 + "b")

def hangs(payload, ctx):
    time.sleep(120)  # releases the GIL: the watchdog concludes the attempt
"""

JOBS = """
version: 1
defaults: {timeout: 5, retries: 0}
jobs:
  exits: {schedule: rate(1 minute), handler: deathjobs:exits}
  holds-gil: {schedule: rate(1 minute), handler: deathjobs:holds_gil}
  hangs: {schedule: rate(1 minute), handler: deathjobs:hangs}
"""


def deploy(tmp_path: Path, emulator: Emulator, jobs: str = JOBS) -> AwsClients:
    (tmp_path / "deathjobs.py").write_text(HANDLERS)
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent(jobs))
    clients = AwsClients(region="us-east-1", endpoint_url=emulator.endpoint_url)
    apply_catalogue(load_catalogue(tmp_path / "jobs.yaml"), "dev", clients, layers=())
    return clients


def ticker_at_this_minute(clients: AwsClients) -> tuple[Ticker, datetime]:
    """A ticker over the deployed stage whose next due slot is this minute's."""
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    ticker = Ticker(
        clients,
        prefix="cronbridge",
        stage="dev",
        clock=SystemClock(),
        fire=lambda _firing: None,
        start=start - timedelta(minutes=1),
    )
    ticker.refresh()
    return ticker, start


def firings_now(clients: AwsClients) -> dict[str, Firing]:
    ticker, start = ticker_at_this_minute(clients)
    fired = ticker.fire_due(start)
    return {f.function_name.removeprefix("cronbridge-dev-"): f for f in fired}


def executor_for(
    tmp_path: Path,
    emulator: Emulator,
    clients: AwsClients,
    store: DynamoRunStore,
    events: list[RunEvent],
) -> ProcessExecutor:
    """The executor `local up` builds, reading outcomes from the stage's runs table."""
    return ProcessExecutor(
        FunctionDirectory(clients.client("lambda")),
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        code_root=tmp_path,
        log_dir=tmp_path / "logs",
        clock=SystemClock(),
        emit=events.append,
        read_record=lambda _info, run_id: store.get(run_id),
        sqs=clients.client("sqs"),
        clients=clients,
    )


def dead_letters(clients: AwsClients) -> list[dict[str, Any]]:
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName="cronbridge-dev-dead-letter")["QueueUrl"]
    out: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60
    ).get("Messages", []):
        out.extend(json.loads(m["Body"]) for m in batch)
    return out


def test_every_dying_worker_concludes_its_run_with_one_dead_letter(
    tmp_path: Path,
    emulator: Emulator,
) -> None:
    # GIVEN three deployed 5 s jobs without retries: one exits, one holds the GIL, one hangs
    clients = deploy(tmp_path, emulator)
    store = DynamoRunStore(clients.client("dynamodb"), "cronbridge-dev-runs")
    events: list[RunEvent] = []
    executor = executor_for(tmp_path, emulator, clients, store, events)
    firings = firings_now(clients)
    # WHEN the local executor runs each slot
    runs = {}
    for job in ("exits", "holds-gil", "hangs"):
        emitted = executor.run(firings[job])
        runs[job] = emitted[0].run_id
    # THEN every run is DEAD (no retries left), none left RUNNING
    records = {job: store.get(run_id or "") for job, run_id in runs.items()}
    for job, record in records.items():
        assert record is not None, job
        assert record.status is RunStatus.DEAD, (job, record.status)
        assert len(record.attempts) == 1, job  # exactly one outcome for the one attempt
    exits, gil, hangs = records["exits"], records["holds-gil"], records["hangs"]
    assert exits is not None and gil is not None and hangs is not None
    assert exits.attempts[0].status is RunStatus.FAILED
    assert gil.attempts[0].status is RunStatus.TIMED_OUT
    assert hangs.attempts[0].status is RunStatus.TIMED_OUT
    assert (exits.error or {}).get("type") == "WorkerDied"
    assert (gil.error or {}).get("type") == "WorkerDied"
    assert (hangs.error or {}).get("type") == "TimeoutError"  # its own watchdog's
    # AND the queue holds exactly one dead letter per run, all the worker's own kind
    letters = dead_letters(clients)
    assert sorted(m.get("run_id", "?") for m in letters) == sorted(
        r.run_id for r in records.values() if r is not None
    )
    # AND the printed events say what happened: one outcome, then dead, per run
    kinds = {job: [e.kind for e in events if e.run_id == runs[job]] for job in runs}
    assert kinds["exits"] == ["started", "failed", "dead"]
    assert kinds["holds-gil"] == ["started", "timed out", "dead"]
    assert kinds["hangs"] == ["started", "timed out", "dead"]


RETRIED = """
version: 1
jobs:
  hangs:
    schedule: rate(1 minute)
    handler: deathjobs:hangs
    timeout: 5
    retries: {retries: 2, delay: 1, backoff: 1.0}
"""


def test_a_hung_job_with_retries_ends_dead_with_one_outcome_per_attempt_and_one_letter(
    tmp_path: Path,
    emulator: Emulator,
) -> None:
    # GIVEN a 5 s job that hangs on every attempt, with two retries 1 s apart
    clients = deploy(tmp_path, emulator, RETRIED)
    store = DynamoRunStore(clients.client("dynamodb"), "cronbridge-dev-runs")
    events: list[RunEvent] = []
    executor = executor_for(tmp_path, emulator, clients, store, events)
    ticker, start = ticker_at_this_minute(clients)
    # WHEN the slot runs, and then each retry the worker armed, as `local up` would
    firing: Firing | None = ticker.fire_due(start)[0]
    run_id = None
    for _ in range(3):
        assert firing is not None
        run_id = executor.run(firing)[0].run_id
        firing = None
        ticker.refresh()
        for _wait in range(40):
            retries = [
                f
                for f in ticker.fire_due(datetime.now(UTC))
                if json.loads(f.input_text).get("trigger") == "retry"
            ]
            if retries:
                firing = retries[0]
                break
            time.sleep(0.25)
    # THEN no fourth attempt was armed, the run is DEAD after three TIMED_OUT attempts
    assert firing is None
    record = store.get(run_id or "")
    assert record is not None and record.status is RunStatus.DEAD
    assert [a.status for a in record.attempts] == [RunStatus.TIMED_OUT] * 3
    # AND each attempt printed exactly one outcome, and the queue holds one dead letter
    outcomes = [e.kind for e in events if e.kind in ("timed out", "failed", "killed", "error")]
    assert outcomes == ["timed out"] * 3
    (letter,) = dead_letters(clients)
    assert letter["run_id"] == record.run_id
