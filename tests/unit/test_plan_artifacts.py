"""The code bucket's part of a plan, from what S3 showed: pure, no moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler import contract, names
from scheduler.deploy import ops_code
from scheduler.deploy.ownership import Owner
from scheduler.deploy.plan_artifacts import GRACE, code_ops
from scheduler.deploy.zipbuild import code_sha256
from scheduler.errors import CronbridgeError
from scheduler.resources.artifacts import CodeBucket, LiveBucket, code_key

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
OWNER = Owner("cronbridge", "dev")
TAGS = {
    contract.TAG_MANAGED_BY: contract.MANAGED_BY_VALUE,
    contract.TAG_STAGE: "dev",
    contract.TAG_PREFIX: "cronbridge",
}
BUCKET = CodeBucket(
    name="cronbridge-dev-123456789012-eu-west-1-code",
    arn="arn:aws:s3:::cronbridge-dev-123456789012-eu-west-1-code",
    region="eu-west-1",
    account_id="123456789012",
    tags=TAGS,
)
A, B, OLD = (code_key(code_sha256(data)) for data in (b"a", b"b", b"old"))


def ours(objects: dict[str, datetime] | None = None) -> LiveBucket:
    return LiveBucket(tags=BUCKET.tags_with_spec, objects=objects or {})


def test_a_first_deploy_creates_the_bucket_then_uploads_each_zip_once() -> None:
    # GIVEN no bucket, and two distinct zips used by 3 functions and 1
    first, last = code_ops(BUCKET, None, needed={A: 3, B: 1}, wanted={A, B}, owner=OWNER, now=NOW)
    # THEN the bucket comes first, then one upload per zip, and nothing is pruned
    assert [type(op) for op in first] == [
        ops_code.PutCodeBucket,
        ops_code.PutCodeObject,
        ops_code.PutCodeObject,
    ]
    uploads = [op for op in first if isinstance(op, ops_code.PutCodeObject)]
    assert {(op.key, op.functions) for op in uploads} == {(A, 3), (B, 1)}
    assert last == []


def test_objects_already_held_are_not_uploaded_again() -> None:
    live = ours({A: NOW - timedelta(days=3)})
    first, last = code_ops(BUCKET, live, needed={A: 300}, wanted={A}, owner=OWNER, now=NOW)
    assert first == [] and last == []


def test_unused_objects_are_pruned_last_once_past_the_grace() -> None:
    # GIVEN a bucket with the wanted zip, an unused old one, and an unused fresh one
    fresh = code_key(code_sha256(b"fresh"))
    live = ours({A: NOW - timedelta(days=3), OLD: NOW - GRACE, fresh: NOW - timedelta(minutes=5)})
    # WHEN a plan needs only A
    first, last = code_ops(BUCKET, live, needed={}, wanted={A}, owner=OWNER, now=NOW)
    # THEN only the old unused object goes: the fresh one may be another deploy's
    assert first == []
    assert [op.keys for op in last if isinstance(op, ops_code.DeleteCodeObjects)] == [(OLD,)]


def test_a_stale_fingerprint_retags_the_bucket() -> None:
    live = LiveBucket(tags={**TAGS, contract.TAG_SPEC_HASH: "old"}, objects={})
    first, _ = code_ops(BUCKET, live, needed={}, wanted=set(), owner=OWNER, now=NOW)
    assert [(type(op), op.action) for op in first] == [(ops_code.PutCodeBucket, "update")]


def test_a_bucket_not_ours_stops_the_plan_but_not_a_destroy() -> None:
    foreign = LiveBucket(tags={"team": "x"}, objects={})
    with pytest.raises(CronbridgeError, match=BUCKET.name):
        code_ops(BUCKET, foreign, needed={A: 1}, wanted={A}, owner=OWNER, now=NOW)
    assert code_ops(
        BUCKET, foreign, needed={}, wanted=set(), owner=OWNER, now=NOW, destroy=True
    ) == ([], [])


def test_destroy_deletes_our_bucket_last() -> None:
    first, last = code_ops(
        BUCKET, ours(), needed={}, wanted=set(), owner=OWNER, now=NOW, destroy=True
    )
    assert first == [] and [type(op) for op in last] == [ops_code.DeleteCodeBucket]


def test_bucket_name_fits_s3_and_the_reserved_prefix_is_refused() -> None:
    # The longest prefix, stage and region name still fit S3's 63 characters
    name = names.code_bucket("a" * 12, "b" * 8, "123456789012", "ap-southeast-5")
    assert len(name) <= 63
    assert names.prefix_problem("sthree") is not None
    assert names.prefix_problem("cronbridge") is None
