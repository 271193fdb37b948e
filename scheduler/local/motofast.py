"""Two speed-ups for local mode's emulator (moto's server): the same answers, less work.

moto 5 spends its time on DynamoDB reads in two places that have nothing to do with how
DynamoDB behaves, and both grow with the data:

* a Query on the table's key sorts every item of the table, then keeps the one
  partition asked for (``Table.all_items``): about 0.1 s a Query at 5,000 items, for a
  partition of 3. Here the Query starts from that partition's items instead; moto's own
  code still orders, pages, filters and projects them, so the answer is the same.
* every item read (GetItem, BatchGetItem, Query, Scan) is serialised through botocore's
  output model, value by value: 0.1 to 0.4 s for 100 small items. Those results are
  already DynamoDB's wire format (``dynamo_to_dict`` of the items, binary values as
  bytes, base64 on the wire), so they are written as JSON directly; moto's CRC32 header
  is still computed from the body.

``install`` applies both, in the emulator's process only (``scheduler.local.motoserve``),
never to the in-process ``mock_aws`` the tests use. If moto's internals differ from what
this expects (another version), it changes nothing. A functional test compares every
answer with stock moto's, attribute types, paging, filters and errors included.
"""

from __future__ import annotations

import base64
import json
from typing import Any

ITEM_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
_installed: list[str] = []


def install() -> list[str]:
    """Apply the speed-ups this moto supports; the names of those applied."""
    if not _installed:
        for name, apply in (("partition query", _partition_query), ("plain json", _plain_json)):
            if apply():
                _installed.append(name)
    return list(_installed)


def _partition_query() -> bool:
    try:
        from moto.dynamodb.models.table import Table
    except ImportError:
        return False
    original = Table.query
    if not callable(getattr(Table, "all_items", None)):
        return False

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        items = getattr(self, "items", None)
        if index_name or hash_key is None or not self.range_key_attr or not isinstance(items, dict):
            return original(self, hash_key, *args, **kwargs)
        # moto keeps a range-key table as {hash key: {range key: item}}; its Query keeps
        # the items of ``all_items()`` whose hash key matches, then sorts them by range
        # key, so starting from the partition gives the same items in the same order.
        partition = list(items.get(hash_key, {}).values())
        self.all_items = lambda: partition  # this call only; the emulator is serialised
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    return True


def _plain_json() -> bool:
    try:
        from moto.dynamodb.responses import DynamoResult
    except ImportError:
        return False
    original = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        operation = getattr(getattr(context, "operation_model", None), "name", None)
        result = self.result
        if operation not in ITEM_READS or not isinstance(result, dict):
            return original(self, context)
        # The model-driven serialiser leaves out members that are None; so does this.
        body = {key: value for key, value in result.items() if value is not None}
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return 200, headers, json.dumps(body, default=_blob)

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
    return True


def _blob(value: Any) -> str:
    """Binary values (B, BS) travel base64-encoded in DynamoDB's JSON protocol."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
