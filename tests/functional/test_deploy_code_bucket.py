"""The stage's code bucket against in-process moto: each distinct zip uploaded once, functions
created from S3, nothing re-uploaded on a redeploy, stale objects pruned, the bucket
private, tagged, refused when not ours, and emptied and deleted by destroy."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from scheduler import contract
from scheduler.deploy import ops_code
from scheduler.deploy.engine import apply_plan
from scheduler.errors import CronbridgeError
from tests.functional.deploying import READS, Recorder, plan_context

ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKET = f"cronbridge-dev-{ACCOUNT}-{REGION}-code"


def deploy(folder: Path, clients: Recorder, **kw: Any) -> Any:
    """Plan (building each job's zip, as the CLI does) and apply; the plan applied."""
    ctx = plan_context(folder, clients, code=None, **kw)
    apply_plan(ctx, clients)
    return ctx.plan


def take(clients: Recorder) -> list[str]:
    """The operations called since the last take."""
    calls, clients.calls = clients.calls, []
    return [name for name, _ in calls]


def s3_calls(clients: Recorder) -> list[str]:
    calls, clients.calls = clients.calls, []
    return [name for name, params in calls if "Bucket" in params]


def objects() -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def code_sha(name: str) -> str:
    fn = boto3.client("lambda", region_name=REGION).get_function(FunctionName=name)
    return str(fn["Configuration"]["CodeSha256"])


def test_each_distinct_zip_is_uploaded_once_and_functions_run_it(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN the sample: 6 jobs whose handlers live in 5 modules (two share jobs.reports),
    # plus the stage's monitor function (its own module)
    # WHEN it is deployed for the first time
    deploy(folder, clients)
    calls = take(clients)
    # THEN 7 functions were created from 6 objects, each uploaded once and keyed by its
    # own SHA-256
    stored = objects()
    assert calls.count("CreateFunction") == 7
    assert calls.count("PutObject") == 6 == len(stored)
    for key, data in stored.items():
        assert key == f"code/{hashlib.sha256(data).hexdigest()}.zip"
    # AND every function was created from the bucket, not from an inline zip, and runs
    # exactly one of those objects
    shas = {base64.b64encode(hashlib.sha256(d).digest()).decode() for d in stored.values()}
    for name in ("nightly-report", "month-end-close", "heartbeat"):
        assert code_sha(f"cronbridge-dev-{name}") in shas
    assert code_sha("cronbridge-dev-nightly-report") == code_sha("cronbridge-dev-month-end-close")


def test_the_bucket_is_private_encrypted_and_tagged_as_the_stages(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN a deployed stage
    deploy(folder, clients)
    s3 = boto3.client("s3", region_name=REGION)
    # THEN its bucket blocks all public access, encrypts by default and carries our tags
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags[contract.TAG_STAGE] == "dev"
    assert tags[contract.TAG_MANAGED_BY] == contract.MANAGED_BY_VALUE
    assert contract.TAG_SPEC_HASH in tags


def test_a_redeploy_touches_no_s3_and_a_new_module_uploads_only_its_zip(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN a deployed stage
    deploy(folder, clients)
    take(clients)
    # WHEN it is deployed again unchanged
    plan = deploy(folder, clients)
    # THEN the plan is empty and not one S3 call was made
    assert not plan.has_changes
    assert s3_calls(clients) == []
    # WHEN one job's handler moves to a new module
    (folder / "jobs" / "beat2.py").write_text("def beat(payload, ctx):\n    return {'ok': 2}\n")
    catalogue = folder / "jobs.yaml"
    catalogue.write_text(catalogue.read_text().replace("jobs.heartbeat:beat", "jobs.beat2:beat"))
    plan = deploy(folder, clients)
    calls = take(clients)
    # THEN exactly one object is uploaded and only that job's function gets new code
    assert calls.count("PutObject") == 1
    assert [op.job for op in plan.ops if op.kind == "function code"] == ["heartbeat"]
    assert len(objects()) == 7  # the old heartbeat zip stays until it is old enough


def test_objects_no_job_uses_are_pruned_once_past_the_grace(
    folder: Path, clients: Recorder
) -> None:
    # GIVEN a deployed stage whose heartbeat job then moved to a new module
    deploy(folder, clients)
    (folder / "jobs" / "beat2.py").write_text("def beat(payload, ctx):\n    return {'ok': 2}\n")
    catalogue = folder / "jobs.yaml"
    catalogue.write_text(catalogue.read_text().replace("jobs.heartbeat:beat", "jobs.beat2:beat"))
    deploy(folder, clients)
    before = set(objects())
    # WHEN a later deploy with new code runs two hours on
    (folder / "jobs" / "beat2.py").write_text("def beat(payload, ctx):\n    return {'ok': 3}\n")
    later = datetime.now(UTC) + timedelta(hours=2)
    plan = deploy(folder, clients, now=later)
    # THEN the objects no job uses any more are deleted, last, and the rest stay
    prunes = [op for op in plan.ops if isinstance(op, ops_code.DeleteCodeObjects)]
    assert len(prunes) == 1 and plan.ops[-1] is prunes[0]
    after = set(objects())
    assert len(prunes[0].keys) == 2  # heartbeat's first zip and beat2's first one
    assert set(prunes[0].keys) <= before and not set(prunes[0].keys) & after
    assert len(after) == 6


def test_a_bucket_of_that_name_not_ours_stops_the_plan(folder: Path, clients: Recorder) -> None:
    # GIVEN a bucket with the stage's code bucket name that carries no cronbridge tags
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    # WHEN a first deploy is planned
    # THEN it stops before any write, naming the bucket
    with pytest.raises(CronbridgeError, match=BUCKET):
        plan_context(folder, clients, code=None)
    assert [c for c in take(clients) if not c.startswith(READS)] == []


def test_destroy_empties_and_deletes_the_bucket(folder: Path, clients: Recorder) -> None:
    # GIVEN a deployed stage
    deploy(folder, clients)
    assert objects()
    # WHEN it is destroyed
    plan = deploy(folder, clients, destroy=True)
    # THEN the bucket is deleted last, with its objects
    assert isinstance(plan.ops[-1], ops_code.DeleteCodeBucket)
    names = [b["Name"] for b in boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]]
    assert BUCKET not in names
