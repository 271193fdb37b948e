"""The stage's code bucket and code objects in a plan. Pure: no AWS calls.

Each distinct zip is uploaded once, as ``code/<sha256>.zip`` in the stage's bucket, and
every function using it is created or updated from that object (``S3Bucket``/``S3Key``)
instead of carrying the zip in its own request. So the plan, before any function:
creates the bucket when it is absent (``PutCodeBucket``), re-tags it when its
fingerprint differs, and uploads each zip a new or changed function needs that the
bucket does not hold yet (``PutCodeObject``, one per distinct zip however many functions
use it). After every function: deletes the code objects no desired job uses any more
(``DeleteCodeObjects``), except those uploaded within ``GRACE`` (another deploy of the
stage running at the same moment may be about to create functions from them). Lambda
keeps its own copy of a function's code, so a deleted object never affects a running
function; a later deploy that needs it again uploads it again.

The bucket is read (by the engine, from S3 itself) only when the plan has code to place,
or when refreshing or destroying: a no-op plan makes no S3 call. Destroy empties and
deletes the bucket when it is ours (``DeleteCodeBucket``, after everything else).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy import ops_code
from scheduler.deploy.ownership import Owner
from scheduler.errors import CronbridgeError
from scheduler.resources.artifacts import CodeBucket, LiveBucket

GRACE = timedelta(hours=1)

_CODE_OPS = (o.CreateFunction, o.UpdateFunctionCode)


def jobs_needing_code(plan: o.Plan) -> set[str]:
    """Jobs whose function this plan creates or gives new code."""
    return {op.job for op in plan.ops if isinstance(op, _CODE_OPS) and op.job}


def code_ops(
    bucket: CodeBucket,
    live: LiveBucket | None,
    *,
    needed: Mapping[str, int],
    wanted: set[str],
    owner: Owner,
    now: datetime,
    refresh: bool = False,
    destroy: bool = False,
) -> tuple[list[o.Op], list[o.Op]]:
    """(ops to run first, ops to run last) for the bucket and its objects.

    ``live``: the bucket as read from S3 (None: absent). ``needed``: key -> how many of
    this plan's functions are created or updated from that zip.
    ``wanted``: the keys of every desired job's code, new or not (never pruned).
    """
    first: list[o.Op] = []
    last: list[o.Op] = []
    if live is not None and not owner.owns(live.tags, bucket.name):
        if destroy:
            return [], []  # not ours: a destroy leaves it alone
        raise CronbridgeError(
            f"an S3 bucket named {bucket.name} exists but does not belong to stage "
            f"{owner.stage} (its ownership tags differ)",
            hint="delete or rename that bucket; cronbridge keeps the stage's code in it",
        )
    if destroy:
        if live is not None:
            last.append(ops_code.DeleteCodeBucket(name=bucket.name, account_id=bucket.account_id))
        return first, last
    if live is None:
        if needed or refresh:
            first.append(ops_code.PutCodeBucket(bucket=bucket))
    else:
        have = live.tags.get(contract.TAG_SPEC_HASH)
        drift = refresh and _without_spec(live.tags) != bucket.tags
        if have != bucket.spec_hash or drift:
            change = o.Change(f"tags.{contract.TAG_SPEC_HASH}", have, bucket.spec_hash)
            first.append(ops_code.PutCodeBucket(bucket=bucket, action="update", changes=(change,)))
    held = set() if live is None or live.objects is None else set(live.objects)
    for key, functions in sorted(needed.items()):
        if key not in held:
            first.append(
                ops_code.PutCodeObject(
                    bucket_name=bucket.name,
                    key=key,
                    functions=functions,
                    account_id=bucket.account_id,
                )
            )
    stale = tuple(
        sorted(
            key
            for key, modified in (live.objects or {}).items()
            if key not in wanted and now - modified >= GRACE
        )
        if live is not None
        else ()
    )
    if stale:
        last.append(
            ops_code.DeleteCodeObjects(
                bucket_name=bucket.name, keys=stale, account_id=bucket.account_id
            )
        )
    return first, last


def with_code(plan: o.Plan, first: list[o.Op], last: list[o.Op]) -> o.Plan:
    if not first and not last:
        return plan
    return dataclasses.replace(plan, ops=(*first, *plan.ops, *last))


def _without_spec(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k != contract.TAG_SPEC_HASH}
