"""Local state: the running-platform file behind `--local`, and snapshot/restore of what
moto forgets (runs, dead letters, pending retries) across a restart of `local up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import apply_catalogue
from scheduler.errors import CronbridgeError
from scheduler.local import persist, state
from scheduler.local.emulator import Emulator, EmulatorError, port_in_use
from tests.conftest import free_port

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _platform(pid: int) -> state.RunningPlatform:
    return state.RunningPlatform(
        pid=pid,
        endpoint_url="http://127.0.0.1:4566",
        stage="dev",
        port=4566,
        prefix="cronbridge",
        catalogue="jobs.yaml",
        started_at="2026-05-04T12:00:00Z",
    )


def test_running_endpoint_is_read_only_while_its_process_lives(tmp_path: Path) -> None:
    # GIVEN no platform: a clear error that says how to start one
    with pytest.raises(CronbridgeError) as err:
        state.read_running_endpoint(tmp_path)
    assert "local up" in (err.value.hint or "")
    # GIVEN a platform published by a live process (this one)
    state.write_running(tmp_path, _platform(os.getpid()))
    assert state.read_running_endpoint(tmp_path) == ("http://127.0.0.1:4566", "dev")
    # GIVEN a stale file left by a dead process
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    state.write_running(tmp_path, _platform(int(dead.stdout)))
    with pytest.raises(CronbridgeError) as err:
        state.read_running_endpoint(tmp_path)
    assert "without cleaning up" in err.value.message
    # AND only the owner removes the file
    state.clear_running(tmp_path, os.getpid())
    assert (tmp_path / ".cronbridge" / "local.json").exists()
    state.clear_running(tmp_path, int(dead.stdout))
    assert not (tmp_path / ".cronbridge" / "local.json").exists()


def test_prune_drops_expired_and_keeps_the_newest() -> None:
    def item(n: int, expires: int) -> dict:
        return {
            "pk": {"S": "JOB#a"},
            "sk": {"S": f"RUN#{n}"},
            "started_at": {"S": f"2026-05-04T10:{n:02d}:00Z"},
            "expires_at": {"N": str(expires)},
        }

    now = int(NOW.timestamp())
    items = [item(1, now - 1), item(2, now + 100), item(3, now + 100), item(4, now + 100)]
    kept = state.prune_items(items, now_epoch=now, ttl_attribute="expires_at", max_items=2)
    assert [i["sk"]["S"] for i in kept] == ["RUN#4", "RUN#3"]


def _catalogue(tmp_path: Path) -> Path:
    (tmp_path / "pjobs").mkdir()
    (tmp_path / "pjobs" / "__init__.py").write_text("def run(payload, ctx):\n    return 1\n")
    path = tmp_path / "jobs.yaml"
    path.write_text(
        textwrap.dedent("""
        version: 1
        jobs:
          nightly:
            schedule: "0 2 * * *"
            handler: pjobs:run
    """)
    )
    return path


def test_snapshot_survives_a_fresh_emulator(tmp_path: Path) -> None:
    catalogue = load_catalogue(_catalogue(tmp_path))
    fresh = {
        "pk": {"S": "JOB#nightly"},
        "sk": {"S": "RUN#20260504T020000Z"},
        "status": {"S": "SUCCEEDED"},
        "started_at": {"S": "2026-05-04T02:00:00Z"},
        "expires_at": {"N": str(int((NOW + timedelta(days=30)).timestamp()))},
    }
    expired = dict(
        fresh,
        sk={"S": "RUN#20260301T020000Z"},
        expires_at={"N": str(int((NOW - timedelta(days=1)).timestamp()))},
    )
    # GIVEN a deployed stage with runs, a dead letter and a pending retry
    with mock_aws():
        clients = AwsClients(region="us-east-1")
        apply_catalogue(catalogue, "dev", clients, layers=())
        ddb = clients.client("dynamodb")
        for item in (fresh, expired):
            ddb.put_item(TableName="cronbridge-dev-runs", Item=item)
        sqs = clients.client("sqs")
        url = sqs.get_queue_url(QueueName="cronbridge-dev-dead-letter")["QueueUrl"]
        sqs.send_message(
            QueueUrl=url,
            MessageBody='{"kind": "dead-run", "job": "nightly"}',
            MessageAttributes={"ERROR_CODE": {"DataType": "String", "StringValue": "X"}},
        )
        arn = clients.client("lambda").get_function(FunctionName="cronbridge-dev-nightly")[
            "Configuration"
        ]["FunctionArn"]
        clients.client("scheduler").create_schedule(
            Name="nightly-2-abcdef12",
            GroupName="cronbridge-dev-retries",
            ScheduleExpression="at(2026-05-04T12:05:00)",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/x", "Input": "{}"},
        )
        # WHEN a snapshot is saved
        path = persist.save_snapshot(clients, tmp_path, prefix="cronbridge", stage="dev", now=NOW)
        # THEN the dead letter is still in the queue (peeked, not consumed)
        assert persist.peek_queue(sqs, "cronbridge", "dev")
    saved = json.loads(path.read_text())
    assert [i["sk"]["S"] for i in saved["runs"]] == ["RUN#20260504T020000Z"]  # expired pruned

    # WHEN a new emulator is deployed and the snapshot restored
    with mock_aws():
        clients = AwsClients(region="us-east-1")
        apply_catalogue(catalogue, "dev", clients, layers=())
        data = state.read_snapshot(path)
        assert data is not None
        counts = persist.restore_snapshot(
            clients, persist.Snapshot.from_json(data), prefix="cronbridge", stage="dev", now=NOW
        )
        # THEN runs, dead letters and the pending retry are back
        assert (counts.runs, counts.dead_letters, counts.retry_schedules) == (1, 1, 1)
        items = clients.client("dynamodb").scan(TableName="cronbridge-dev-runs")["Items"]
        assert items == [fresh]
        letters = persist.peek_queue(clients.client("sqs"), "cronbridge", "dev")
        assert json.loads(letters[0]["Body"])["kind"] == "dead-run"
        assert letters[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "X"
        got = clients.client("scheduler").get_schedule(
            Name="nightly-2-abcdef12", GroupName="cronbridge-dev-retries"
        )
        assert got["ScheduleExpression"] == "at(2026-05-04T12:05:00)"


def test_emulator_binds_localhost_refuses_a_taken_port_and_stops_cleanly() -> None:
    # GIVEN a running emulator on a free port
    emulator = Emulator(port=free_port())
    emulator.start()
    try:
        assert emulator.endpoint_url.startswith("http://127.0.0.1:")
        # WHEN another one tries the same port THEN a clear error with a hint
        with pytest.raises(EmulatorError) as err:
            Emulator(port=emulator.port).start()
        assert "--port" in (err.value.hint or "")
    finally:
        emulator.stop()
    # THEN it is gone and the port is free again
    assert not emulator.alive() and not port_in_use(emulator.port)


def test_live_table_pruning_keeps_in_flight_runs_and_locks() -> None:
    # GIVEN a table over its cap: finished runs, one in-flight run, one lock item
    def run(n: int, status: str) -> dict:
        return {
            "pk": {"S": "JOB#a"},
            "sk": {"S": f"RUN#202605041{n:03d}"},
            "status": {"S": status},
            "started_at": {"S": f"2026-05-04T1{n:03d}"},
            "expires_at": {"N": str(int((NOW + timedelta(days=1)).timestamp()))},
        }

    items = [run(n, "SUCCEEDED") for n in range(5)] + [run(0, "FAILED")]
    items[-1]["sk"] = {"S": "RUN#20260504000000Z"}  # the oldest of all, awaiting a retry
    lock = {"pk": {"S": "JOB#a"}, "sk": {"S": "LOCK"}}
    with mock_aws():
        clients = AwsClients(region="us-east-1")
        ddb = clients.client("dynamodb")
        ddb.create_table(
            TableName="cronbridge-dev-runs",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )
        for item in [*items, lock]:
            ddb.put_item(TableName="cronbridge-dev-runs", Item=item)
        # WHEN pruned to 4 items
        deleted = persist.prune_live_table(
            clients, prefix="cronbridge", stage="dev", now=NOW, max_items=4
        )
        # THEN the three oldest finished runs went; the FAILED run and the lock stayed
        left = {i["sk"]["S"] for i in ddb.scan(TableName="cronbridge-dev-runs")["Items"]}
    assert deleted == 3
    assert left == {"LOCK", "RUN#20260504000000Z", "RUN#202605041003", "RUN#202605041004"}
