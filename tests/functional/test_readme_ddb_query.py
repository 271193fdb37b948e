"""The README's AWS CLI query of the runs table, parsed from the README and run via boto3.

The same expressions, names and values as the README text, against moto's table filled by
the real worker; only the table name is this test stage's.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from scheduler.ledger.codec import from_item
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import Stack

README = Path(__file__).resolve().parents[2] / "README.md"
RESERVED_USED = ("status", "trigger", "result", "error")

# aws CLI option -> (boto3 parameter, how to read the value)
OPTIONS: dict[str, tuple[str, Any]] = {
    "--table-name": ("TableName", str),
    "--key-condition-expression": ("KeyConditionExpression", str),
    "--filter-expression": ("FilterExpression", str),
    "--projection-expression": ("ProjectionExpression", str),
    "--expression-attribute-names": ("ExpressionAttributeNames", json.loads),
    "--expression-attribute-values": ("ExpressionAttributeValues", json.loads),
}


def readme_query() -> dict[str, Any]:
    """The boto3 ``query`` parameters of the README's ``aws dynamodb query`` example."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (command,) = [b for b in blocks if "aws dynamodb query" in b]
    argv = shlex.split(command.replace("\\\n", " "))
    assert argv[:3] == ["aws", "dynamodb", "query"]
    params: dict[str, Any] = {}
    rest = argv[3:]
    while rest:
        option = rest.pop(0)
        if option == "--no-scan-index-forward":
            params["ScanIndexForward"] = False
            continue
        name, parse = OPTIONS[option]  # an option this test does not know fails here
        params[name] = parse(rest.pop(0))
    return params


def test_the_readme_history_query_returns_the_failed_runs(stack: Stack) -> None:
    # GIVEN nightly-report runs recorded by the worker: a failure and a success on 1 Dec,
    # and a failure on 2 Dec (outside the README's range)
    outcomes = {"2026-12-01T02:00:00Z": False, "2026-12-01T03:00:00Z": True}
    outcomes["2026-12-02T02:00:00Z"] = False

    def handler(payload: dict[str, Any], ctx: Any) -> str:
        if not outcomes[ctx.scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ")]:
            raise RuntimeError("warehouse offline")
        return "ok"

    runtime = build_runtime(
        stack.env("nightly-report", "tests.fake:handler"),
        clients=stack.clients,
        handler_loader=lambda spec: handler,
        metrics=NullMetrics(),
    )
    for slot in outcomes:
        runtime.handle({"job": "nightly-report", "trigger": "schedule", "scheduled_time": slot})
    # WHEN the README's query runs (against this stage's table)
    params = readme_query()
    assert params["TableName"] == "cronbridge-prod-runs"
    params["TableName"] = stack.table
    items = [from_item(i) for i in stack.ddb.query(**params)["Items"]]
    # THEN it returns exactly the failed run of 1 Dec, with the projected attributes
    assert [i["run_id"] for i in items] == ["nightly-report.20261201T020000Z"]
    (item,) = items
    assert item["status"] == "DEAD" and item["trigger"] == "schedule"
    assert item["scheduled_for"] == "2026-12-01T02:00:00Z"
    assert item["error"]["type"] == "RuntimeError"
    # AND every reserved word it reads goes through an attribute name, as AWS requires
    expressions = " ".join(
        params[k] for k in ("KeyConditionExpression", "FilterExpression", "ProjectionExpression")
    )
    for word in RESERVED_USED:
        assert not re.search(rf"(?<![#\w]){word}\b", expressions), word
