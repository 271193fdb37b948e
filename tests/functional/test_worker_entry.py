"""The Lambda entry itself (``scheduler.worker.entry.handler``) with env, context and SSM."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.worker import entry
from tests.functional.conftest import Stack, function_arn

EVENTS = Path(__file__).resolve().parents[1] / "events"


def test_entry_runs_from_env_and_resolves_ssm_secrets(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deployed function's env with an ssm: secret and a handler module on the path
    (tmp_path / "entryjob.py").write_text(
        "import os\n"
        "def run(payload, ctx):\n"
        "    return {'key': os.environ['API_KEY'], 'left_s': ctx.remaining_time() > 0}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    stack.clients.client("ssm").put_parameter(
        Name="/team/api-key", Value="s3cret", Type="SecureString"
    )
    for key, value in stack.env("nightly-report", "entryjob:run").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("API_KEY", "ssm:/team/api-key")
    monkeypatch.setattr(entry, "_runtime", None)  # a fresh container
    context = SimpleNamespace(
        aws_request_id="req-1",
        invoked_function_arn=function_arn("nightly-report"),
        get_remaining_time_in_millis=lambda: 30_000,
    )
    # WHEN Lambda calls the handler with the rule's event
    out: dict[str, Any] = entry.handler(
        json.loads((EVENTS / "schedule_rule.json").read_text()), context
    )
    # THEN the run succeeded with the secret resolved and the request id recorded
    assert out["status"] == "SUCCEEDED"
    run = DynamoRunStore(stack.ddb, stack.table).get(out["run_id"])
    assert run is not None and run.status is RunStatus.SUCCEEDED
    assert run.result == {"key": "s3cret", "left_s": True} and run.request_id == "req-1"
