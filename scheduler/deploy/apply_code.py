"""Read and apply the stage's code bucket (S3) and its content-addressed code objects.

Bucket names are global across every account, so each call names the account that must
own the bucket (``ExpectedBucketOwner``): were the name ever taken by someone else, S3
answers 403 instead of our code landing in, or being read from, their bucket.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html

The bucket is created outside us-east-1 with a ``LocationConstraint`` (S3 rejects one for
us-east-1 itself), in the functions' own region because Lambda reads a function's code
only from a bucket in the function's region. Lambda fetches the object with the caller's
credentials, so the deploying principal needs ``s3:GetObject`` on it (deploy/ci-role.yaml).
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCode.html

Private by construction: ACLs off (``BucketOwnerEnforced``), every public access blocked,
SSE-S3 encryption as the default, all set explicitly although S3 defaults new buckets to
the same, so the settings do not depend on when or where the bucket was made. Not
versioned: a key is its content, never overwritten. A bucket must be empty to be deleted,
so destroy deletes every object version and delete marker first (in case someone turned
versioning on), 1,000 a request (DeleteObjects' limit).
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scheduler.deploy import ops_code
from scheduler.deploy.apply_data import tag_list
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.ownership import Owner
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.resources.artifacts import CODE_PREFIX, CodeBucket, LiveBucket, code_key

_GONE = frozenset({"404", "NoSuchBucket", "NotFound", "NoSuchKey"})
_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys a request
_PRIVATE = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_NOT_OURS = "its ownership tags changed since the plan was made"
_SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


class CodeStore:
    """Where each job's function code lives: ``location(job)`` is the ``S3Bucket`` /
    ``S3Key`` pair CreateFunction and UpdateFunctionCode take, ``data(key)`` the bytes a
    ``PutCodeObject`` uploads (built on first use by ``codes``, ``codeset.JobCodes``)."""

    def __init__(self, bucket: str, codes: Mapping[str, bytes], shas: Mapping[str, str]) -> None:
        self.bucket = bucket
        self._codes = codes
        self._key_of = {job: code_key(sha) for job, sha in shas.items()}
        self._job_of = {key: job for job, key in sorted(self._key_of.items(), reverse=True)}

    def location(self, job: str) -> dict[str, str]:
        return {"S3Bucket": self.bucket, "S3Key": self._key_of[job]}

    def data(self, key: str) -> bytes:
        return self._codes[self._job_of[key]]


class BucketConflictError(CronbridgeError):
    """The code bucket's name is taken by a bucket this stage does not own."""


def read_bucket(api: AwsApi, bucket: CodeBucket, *, objects: bool = False) -> LiveBucket | None:
    """The bucket's tags (and code objects) from S3 itself; None when it does not exist."""
    res = f"code bucket {bucket.name}"
    owner = {"ExpectedBucketOwner": bucket.account_id}
    try:
        api.call("s3", "head_bucket", res, Bucket=bucket.name, **owner)
    except AwsCallError as err:
        if err.code in _GONE:
            return None
        if err.code in ("403", "AccessDenied"):
            raise BucketConflictError(
                f"S3 bucket {bucket.name} exists but this account cannot use it (another "
                f"account owns the name, or the caller lacks s3:ListBucket on it)",
                hint="bucket names are global: check the account, or the deploy role's policy",
            ) from err
        raise
    tags = bucket_tags(api, bucket.name, bucket.account_id)
    listed = list_code_objects(api, bucket.name, bucket.account_id) if objects else None
    return LiveBucket(tags={} if tags is None else tags, objects=listed)


def bucket_tags(api: AwsApi, name: str, account_id: str) -> dict[str, str] | None:
    """The bucket's tags ({} when it has none); None when the bucket is gone."""
    try:
        out = api.call(
            "s3",
            "get_bucket_tagging",
            f"code bucket {name}",
            Bucket=name,
            ExpectedBucketOwner=account_id,
        )
    except AwsCallError as err:
        if err.code == "NoSuchTagSet":
            return {}
        if err.code in _GONE:
            return None
        raise
    return {t["Key"]: t["Value"] for t in out.get("TagSet", [])}


def list_code_objects(api: AwsApi, name: str, account_id: str) -> dict[str, datetime]:
    """Key -> LastModified of every object under ``code/`` (1,000 a page)."""
    return {
        item["Key"]: item["LastModified"]
        for item in api.pages(
            "s3",
            "list_objects_v2",
            f"code bucket {name}",
            "Contents",
            Bucket=name,
            Prefix=CODE_PREFIX,
            ExpectedBucketOwner=account_id,
        )
    }


def put_bucket(api: AwsApi, op: ops_code.PutCodeBucket) -> None:
    b = op.bucket
    res = f"code bucket {b.name}"
    owner = {"ExpectedBucketOwner": b.account_id}
    if op.action == "create":
        config = {} if b.region == "us-east-1" else {"LocationConstraint": b.region}
        kwargs: dict[str, Any] = {"Bucket": b.name, "ObjectOwnership": "BucketOwnerEnforced"}
        if config:
            kwargs["CreateBucketConfiguration"] = config
        try:
            api.call("s3", "create_bucket", res, **kwargs)
        except AwsCallError as err:
            if err.code == "BucketAlreadyExists":
                raise BucketConflictError(
                    f"S3 bucket name {b.name} is taken by another AWS account",
                    hint="bucket names are global; check the account deploy runs in",
                ) from err
            # Made by an interrupted deploy of ours (its tags are written below).
            if err.code != "BucketAlreadyOwnedByYou":
                raise
    api.call(
        "s3",
        "put_public_access_block",
        res,
        Bucket=b.name,
        PublicAccessBlockConfiguration=_PRIVATE,
        **owner,
    )
    api.call(
        "s3",
        "put_bucket_encryption",
        res,
        Bucket=b.name,
        ServerSideEncryptionConfiguration=_SSE_S3,
        **owner,
    )
    # The fingerprint last: an interrupted create still looks changed to the next plan.
    api.call(
        "s3",
        "put_bucket_tagging",
        res,
        Bucket=b.name,
        Tagging={"TagSet": tag_list(b.tags_with_spec)},
        **owner,
    )


def put_object(api: AwsApi, op: ops_code.PutCodeObject, data: bytes) -> None:
    api.call(
        "s3",
        "put_object",
        f"code object {op.key}",
        Bucket=op.bucket_name,
        Key=op.key,
        Body=data,
        ContentType="application/zip",
        ExpectedBucketOwner=op.account_id,
    )


def delete_objects(api: AwsApi, op: ops_code.DeleteCodeObjects, owner: Owner) -> str | None:
    """Delete the stale objects if the bucket is still ours; why not, otherwise."""
    tags = bucket_tags(api, op.bucket_name, op.account_id)
    if tags is None:
        return None  # gone already: nothing left to prune
    if not owner.owns(tags, op.bucket_name):
        return _NOT_OURS
    _delete_keys(api, op.bucket_name, op.account_id, [{"Key": k} for k in op.keys])
    return None


def delete_bucket(api: AwsApi, op: ops_code.DeleteCodeBucket, owner: Owner) -> str | None:
    """Empty the bucket (every version) and delete it if still ours; why not, otherwise."""
    tags = bucket_tags(api, op.name, op.account_id)
    if tags is None:
        return None  # gone already: the same outcome
    if not owner.owns(tags, op.name):
        return _NOT_OURS
    res = f"code bucket {op.name}"
    versions: list[dict[str, str]] = []
    for key in ("Versions", "DeleteMarkers"):
        versions += [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in api.pages(
                "s3",
                "list_object_versions",
                res,
                key,
                Bucket=op.name,
                ExpectedBucketOwner=op.account_id,
            )
        ]
    _delete_keys(api, op.name, op.account_id, versions)
    api.maybe("s3", "delete_bucket", res, Bucket=op.name, ExpectedBucketOwner=op.account_id)
    return None


def _delete_keys(api: AwsApi, name: str, account_id: str, objects: list[dict[str, str]]) -> None:
    for start in range(0, len(objects), _DELETE_BATCH):
        batch = objects[start : start + _DELETE_BATCH]
        out = api.call(
            "s3",
            "delete_objects",
            f"code bucket {name}",
            Bucket=name,
            Delete={"Objects": batch, "Quiet": True},
            ExpectedBucketOwner=account_id,
        )
        errors = out.get("Errors") or []
        if errors:
            first = errors[0]
            raise AwsCallError(
                "DeleteObjects",
                f"code bucket {name}",
                str(first.get("Code", "Failed")),
                f"{len(errors)} objects not deleted, first {first.get('Key')}: "
                f"{first.get('Message', '')}",
            )
