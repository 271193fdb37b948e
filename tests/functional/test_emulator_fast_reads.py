"""The emulator's read speed-ups (``scheduler.local.motofast``) answer exactly as moto does.

Two emulators side by side, as local mode starts them: one with the speed-ups, one with
``--stock`` (moto as shipped). The same table, items and requests go to both; every
answer (items, order, paging keys, counts, consumed capacity, errors) must be equal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scheduler.local.emulator import endpoint_ready
from tests.conftest import free_port

TABLE = "fast-runs"


@pytest.fixture(scope="module")
def two_emulators() -> Iterator[tuple[Any, Any]]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    started, clients = [], []
    try:
        for extra in ([], ["--stock"]):
            port = free_port()
            command = [sys.executable, "-m", "scheduler.local.motoserve", "127.0.0.1", str(port)]
            started.append(subprocess.Popen([*command, *extra], env=env))
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while not endpoint_ready(url) and time.monotonic() < deadline:
                time.sleep(0.1)
            clients.append(
                boto3.client(
                    "dynamodb",
                    endpoint_url=url,
                    region_name="us-east-1",
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
            )
        for client in clients:
            _populate(client)
        yield clients[0], clients[1]
    finally:
        for process in started:
            process.terminate()
            process.wait(10)


def _populate(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gp", "gs")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "sparse",
                "KeySchema": [
                    {"AttributeName": "gp", "KeyType": "HASH"},
                    {"AttributeName": "gs", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    for job in range(6):
        for run in range(12):
            item: dict[str, Any] = {
                "pk": {"S": f"JOB#j{job}"},
                "sk": {"S": f"RUN#2026-03-29T0{run % 10}:{run:02d}:00Z"},
                "status": {"S": "FAILED" if run % 4 == 0 else "SUCCEEDED"},
                "n": {"N": str(run * 1.5)},
                "blob": {"B": bytes([job, run, 255])},
                "ss": {"SS": ["a", f"s{run}"]},
                "ns": {"NS": ["1", str(run + 2)]},
                "bs": {"BS": [b"x", bytes([run])]},
                "map": {"M": {"deep": {"L": [{"S": "x"}, {"N": "2"}, {"NULL": True}]}}},
                "ok": {"BOOL": run % 2 == 0},
            }
            if run % 4 == 0:
                item["gp"] = {"S": "RUNS"}
                item["gs"] = {"S": f"2026-03-29T{run:02d}#{job}"}
            client.put_item(TableName=TABLE, Item=item)
        client.put_item(TableName=TABLE, Item={"pk": {"S": f"JOB#j{job}"}, "sk": {"S": "SUMMARY"}})


def _answer(client: Any, operation: str, **params: Any) -> Any:
    try:
        response = getattr(client, operation)(**params)
    except ClientError as exc:
        return ("error", exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    response.pop("ResponseMetadata", None)
    return _sets_sorted(response)


def _sets_sorted(value: Any) -> Any:
    """DynamoDB sets have no order (moto's follows each process's string hashing)."""
    if isinstance(value, dict):
        return {
            key: sorted(inner) if key in ("SS", "NS", "BS") else _sets_sorted(inner)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_sets_sorted(inner) for inner in value]
    return value


KEY = {"pk": {"S": "JOB#j2"}, "sk": {"S": "RUN#2026-03-29T03:03:00Z"}}
JOB = "#pk = :pk"
NAMES = {"#pk": "pk"}
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("get_item", {"TableName": TABLE, "Key": KEY}),
    ("get_item", {"TableName": TABLE, "Key": {**KEY, "sk": {"S": "RUN#none"}}}),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "ss, #m.deep[1]",
                  "ExpressionAttributeNames": {"#m": "map"}}),
    ("batch_get_item", {"RequestItems": {TABLE: {"Keys": [
        {"pk": {"S": f"JOB#j{j}"}, "sk": {"S": sk}}
        for j in range(8) for sk in ("SUMMARY", "RUN#2026-03-29T01:01:00Z")]}}}),
    ("batch_get_item", {"RequestItems": {TABLE: {
        "Keys": [KEY], "ProjectionExpression": "pk, blob"}},
        "ReturnConsumedCapacity": "TOTAL"}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB,
               "ExpressionAttributeNames": NAMES,
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j1"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB,
               "ExpressionAttributeNames": NAMES,
               "ExpressionAttributeValues": {":pk": {"S": "JOB#nothing"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB + " AND sk BETWEEN :a AND :b",
               "ExpressionAttributeNames": NAMES, "ScanIndexForward": False, "Limit": 4,
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j3"}, ":a": {"S": "RUN#"},
                                             ":b": {"S": "RUN#~"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB + " AND begins_with(sk, :p)",
               "ExpressionAttributeNames": {**NAMES, "#s": "status"}, "Limit": 5,
               "FilterExpression": "#s = :st", "ExclusiveStartKey": {
                   "pk": {"S": "JOB#j4"}, "sk": {"S": "RUN#2026-03-29T02:02:00Z"}},
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j4"}, ":p": {"S": "RUN#"},
                                             ":st": {"S": "SUCCEEDED"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB,
               "ExpressionAttributeNames": NAMES, "ProjectionExpression": "sk, n",
               "Select": "SPECIFIC_ATTRIBUTES", "ReturnConsumedCapacity": "TOTAL",
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j5"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": JOB, "Select": "COUNT",
               "ExpressionAttributeNames": NAMES,
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j0"}}}),
    ("query", {"TableName": TABLE, "IndexName": "sparse", "ScanIndexForward": False,
               "KeyConditionExpression": "gp = :p AND gs >= :since", "Limit": 7,
               "ExpressionAttributeValues": {":p": {"S": "RUNS"}, ":since": {"S": "2026"}}}),
    ("query", {"TableName": "no-such-table", "KeyConditionExpression": JOB,
               "ExpressionAttributeNames": NAMES,
               "ExpressionAttributeValues": {":pk": {"S": "JOB#j0"}}}),
    ("scan", {"TableName": TABLE, "Limit": 9}),
    ("scan", {"TableName": TABLE, "FilterExpression": "attribute_exists(gp)"}),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "params"), REQUESTS)
def test_each_read_answers_as_stock_moto(
    two_emulators: tuple[Any, Any], operation: str, params: dict[str, Any]
) -> None:
    fast, stock = two_emulators
    # WHEN the same read goes to the emulator and to stock moto THEN the answers are equal
    assert _answer(fast, operation, **params) == _answer(stock, operation, **params)


def test_paging_through_a_partition_matches(two_emulators: tuple[Any, Any]) -> None:
    # GIVEN a Query paged 5 items at a time, newest first
    pages: list[list[Any]] = []
    for client in two_emulators:
        params: dict[str, Any] = {
            "TableName": TABLE,
            "KeyConditionExpression": JOB,
            "ExpressionAttributeNames": NAMES,
            "ExpressionAttributeValues": {":pk": {"S": "JOB#j2"}},
            "ScanIndexForward": False,
            "Limit": 5,
        }
        got = []
        while True:
            response = client.query(**params)
            got.append(_sets_sorted(response["Items"]))
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        pages.append(got)
    # THEN both page the same items in the same order
    assert pages[0] == pages[1] and sum(len(p) for p in pages[0]) == 13


def test_both_speed_ups_apply_to_this_moto() -> None:
    # WHEN the emulator's process installs them (a fresh interpreter: never this one's moto)
    code = "from scheduler.local.motofast import install; print(','.join(install()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN both found what they expect in moto, so the comparisons above compared them
    assert done.stdout.strip() == "partition query,plain json"
