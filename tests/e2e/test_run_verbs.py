"""The run-ledger verbs end to end: ``cronbridge run/history/show/status/dlq`` against moto.

moto cannot run Lambda code, so ``run`` and ``dlq redrive`` get an injected invoker that
hands the worker input to the real ``WorkerRuntime`` in-process, wired to moto exactly as
the Lambda entry would be (dependency injection, not a stub of our code).
"""

from __future__ import annotations

from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.conftest import RUN_JSON_KEYS
from tests.e2e.conftest import cli, cli_json, seed_slot


def test_run_wait_succeeds_with_catalogue_payload(platform, capsys) -> None:
    _stack, root = platform
    # WHEN a job is run on demand and followed to the end
    code, data = cli_json(capsys, root, "run", "tick", "--wait")
    # THEN it exits 0 and prints the final run with the pinned JSON keys
    assert code == 0
    assert data["status"] == "SUCCEEDED" and data["trigger"] == "manual"
    assert data["run_id"].startswith("tick.")
    assert data["result"]["echo"] == {"greeting": "hello"}
    assert set(data) >= RUN_JSON_KEYS


def test_run_without_wait_prints_the_run_id(platform, capsys) -> None:
    _stack, root = platform
    code, data = cli_json(capsys, root, "run", "tick", "--payload", '{"x": 1}')
    assert code == 0 and data["status"] == "STARTED"
    # AND show finds that run by its id alone, with the given payload
    code, shown = cli_json(capsys, root, "show", data["run_id"])
    assert code == 0 and shown["payload"] == {"x": 1} and shown["status"] == "SUCCEEDED"


def test_run_rejects_a_non_object_payload(platform, capsys) -> None:
    _stack, root = platform
    code = cli(root, "run", "tick", "--payload", "[1, 2]")
    err = capsys.readouterr().err
    assert code == 1 and "must be a JSON object" in err and "Traceback" not in err


def test_failed_run_dead_letters_and_redrives(platform, capsys) -> None:
    _stack, root = platform
    # GIVEN a failing job run to its end: DEAD, exit 1
    code, dead = cli_json(capsys, root, "run", "broken", "--wait")
    assert code == 1 and dead["status"] == "DEAD"
    assert dead["error"]["type"] == "RuntimeError"
    # WHEN the DLQ is listed THEN exactly one decoded dead-run message shows
    code, letters = cli_json(capsys, root, "dlq", "list")
    assert code == 0 and len(letters) == 1
    (letter,) = letters
    assert letter["kind"] == "dead-run" and letter["run_id"] == dead["run_id"]
    # AND listing did not consume it
    assert len(cli_json(capsys, root, "dlq", "list")[1]) == 1
    # WHEN it is redriven
    code, started = cli_json(capsys, root, "dlq", "redrive", letter["message_id"])
    assert code == 0 and started[0]["redrive_of"] == dead["run_id"]
    # THEN a new run linked to the dead one ran, and the message is gone
    _, new_run = cli_json(capsys, root, "show", started[0]["run_id"])
    assert new_run["trigger"] == "redrive" and new_run["redrive_of"] == dead["run_id"]
    assert new_run["run_id"] != dead["run_id"]
    # (the job still fails, so the redrive itself is DEAD with its own single message)
    _, letters = cli_json(capsys, root, "dlq", "list")
    assert [x["run_id"] for x in letters] == [new_run["run_id"]]
    # AND purge needs --yes, then empties the queue
    assert cli(root, "dlq", "purge") == 1
    code, purged = cli_json(capsys, root, "dlq", "purge", "--yes")
    assert code == 0 and purged == {"purged": 1}
    assert cli_json(capsys, root, "dlq", "list")[1] == []


def test_history_pages_newest_first(platform, capsys) -> None:
    stack, root = platform
    # GIVEN 130 scheduled runs of one job, one per minute
    # (overlap: allow = plain conditional writes; moto copies the table per transaction)
    env = stack.env("tick", "e2ejobs.handlers:ok", CRONBRIDGE_OVERLAP="allow")
    runtime = build_runtime(env, clients=stack.clients, metrics=NullMetrics(), threaded=False)
    for minute in range(130):
        hh, mm = divmod(minute, 60)
        slot = f"2026-03-29T{hh:02d}:{mm:02d}:00Z"
        runtime.handle({"job": "tick", "trigger": "schedule", "scheduled_time": slot})
    # WHEN 120 are asked for (more than one 100-item page)
    code, runs = cli_json(capsys, root, "history", "tick", "--limit", "120")
    # THEN they come newest first, without gaps
    assert code == 0 and len(runs) == 120
    slots = [r["scheduled_for"] for r in runs]
    assert slots == sorted(slots, reverse=True)
    assert slots[0] == "2026-03-29T02:09:00Z" and slots[-1] == "2026-03-29T00:10:00Z"
    assert len(set(r["run_id"] for r in runs)) == 120
    # AND --since is a key condition on the slot time
    _, recent = cli_json(capsys, root, "history", "tick", "--since", "2026-03-29T02:00:00Z")
    assert len(recent) == 10


def test_history_across_jobs_and_by_status(platform, capsys) -> None:
    stack, root = platform
    seed_slot(stack, "tick", "e2ejobs.handlers:ok", "2026-03-29T01:00:00Z")
    seed_slot(stack, "broken", "e2ejobs.handlers:boom", "2026-03-29T01:00:00Z")
    seed_slot(stack, "tick", "e2ejobs.handlers:ok", "2026-03-29T01:05:00Z")
    # WHEN every job's history is asked THEN runs of both jobs merge newest first
    _, runs = cli_json(capsys, root, "history")
    assert [r["job"] for r in runs] == ["tick", "broken", "tick"] or [
        r["scheduled_for"] for r in runs
    ] == sorted([r["scheduled_for"] for r in runs], reverse=True)
    assert len(runs) == 3
    # WHEN only dead runs are asked across jobs THEN the attention index answers
    _, dead = cli_json(capsys, root, "history", "--status", "dead", "--since", "3000d")
    assert [r["job"] for r in dead] == ["broken"]
    # AND the text view is a table
    capsys.readouterr()
    assert cli(root, "history", "tick") == 0
    assert "RUN ID" in capsys.readouterr().out


def test_status_detects_late_and_failing_with_an_injected_clock(platform, capsys) -> None:
    stack, root = platform
    # GIVEN tick (every 5 min, grace 300 s) last ran its 01:00 slot, and broken failed
    seed_slot(stack, "tick", "e2ejobs.handlers:ok", "2026-03-29T01:00:00Z")
    seed_slot(stack, "broken", "e2ejobs.handlers:boom", "2026-03-29T01:00:00Z")
    # WHEN status is taken at 01:06 THEN tick is OK (01:05 is within its grace)
    code, rows = cli_json(capsys, root, "status", "--now", "2026-03-29T01:06:00Z")
    health = {r["job"]: r["health"] for r in rows}
    assert health == {"tick": "OK", "broken": "FAILING", "paused": "DISABLED"}
    assert code == 1  # broken is FAILING
    by_job = {r["job"]: r for r in rows}
    assert by_job["tick"]["next_fire"] == "2026-03-29T01:10:00Z"
    assert by_job["broken"]["consecutive_failures"] == 1
    # WHEN status is taken at 01:20 THEN tick is LATE: 01:05 passed grace with no run
    code, rows = cli_json(capsys, root, "status", "--now", "2026-03-29T01:20:00Z")
    late = {r["job"]: r for r in rows}["tick"]
    assert late["health"] == "LATE" and late["missed_fire"] == "2026-03-29T01:05:00Z"
    assert code == 1


def test_show_unknown_run_is_a_clear_error(platform, capsys) -> None:
    _stack, root = platform
    assert cli(root, "show", "tick.20260101T000000Z") == 1
    assert "no run tick.20260101T000000Z" in capsys.readouterr().err
    assert cli(root, "show", "garbage") == 1
    assert "not a cronbridge run id" in capsys.readouterr().err
