"""The local executor against a real emulator process: the worker entry runs in a child
process with the function's configured env, and the run event comes from the ledger."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.clock import SystemClock
from scheduler.deploy.engine import apply_catalogue
from scheduler.ledger import DynamoRunStore
from scheduler.local.emulator import Emulator
from scheduler.local.events import RunEvent
from scheduler.local.executor import ProcessExecutor
from scheduler.local.functions import FunctionDirectory, FunctionInfo
from scheduler.local.ticker import Ticker


def test_child_process_run_sees_the_function_env_and_is_recorded(
    tmp_path: Path, emulator: Emulator
) -> None:
    # GIVEN a deployed job whose handler returns an env var set in jobs.yaml
    (tmp_path / "exjobs").mkdir()
    (tmp_path / "exjobs" / "__init__.py").write_text(
        "import os\ndef run(payload, ctx):\n    return {'colour': os.environ['COLOUR']}\n"
    )
    (tmp_path / "jobs.yaml").write_text(
        textwrap.dedent("""
        version: 1
        jobs:
          envy:
            schedule: rate(1 minute)
            handler: exjobs:run
            env: {COLOUR: teal}
        """)
    )
    clients = AwsClients(region="us-east-1", endpoint_url=emulator.endpoint_url)
    apply_catalogue(load_catalogue(tmp_path / "jobs.yaml"), "dev", clients, layers=())

    events: list[RunEvent] = []
    store = DynamoRunStore(clients.client("dynamodb"), "cronbridge-dev-runs")

    def read_record(_info: FunctionInfo, run_id: str) -> Any:
        return store.get(run_id)

    executor = ProcessExecutor(
        FunctionDirectory(clients.client("lambda")),
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        code_root=tmp_path,
        log_dir=tmp_path / "logs",
        clock=SystemClock(),
        emit=events.append,
        read_record=read_record,
        sqs=clients.client("sqs"),
    )
    # WHEN the ticker's firing for a slot is executed
    firings = []
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    ticker = Ticker(
        clients,
        prefix="cronbridge",
        stage="dev",
        clock=SystemClock(),
        fire=firings.append,
        start=start - timedelta(minutes=1),
    )
    ticker.refresh()
    ticker.fire_due(start)
    assert len(firings) == 1
    executor.run(firings[0])
    # THEN it started and succeeded, and the ledger holds the handler's result
    assert [e.kind for e in events] == ["started", "succeeded"]
    record = store.get(events[0].run_id or "")
    assert record is not None and record.result == {"colour": "teal"}
    assert record.request_id  # the fake Lambda context's request id reached the worker
    # AND the job's output went to its log file, not to our stdout
    assert (tmp_path / "logs" / "cronbridge-dev-envy.log").exists()
    assert json.loads(firings[0].input_text)["job"] == "envy"
