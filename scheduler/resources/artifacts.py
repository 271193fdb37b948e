"""The stage's code bucket: one S3 bucket holding each distinct function zip once.

Every job function's code is an object in it, keyed by the SHA-256 of the zip, so jobs
whose handlers share a module share one object, and a job whose code did not change
never uploads again. Derived from the compiled ``DesiredState`` (names, account, region,
ownership tags), never configured: deploy and the CloudFormation export name it alike.
Frozen dataclass and pure functions, stdlib only.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from scheduler import names
from scheduler.resources.fingerprint import Specced
from scheduler.resources.stage import DesiredState

# Where code objects live in the bucket: the prune of stale objects never looks elsewhere.
CODE_PREFIX = "code/"


@dataclass(frozen=True)
class CodeBucket(Specced):
    """Private (public access blocked, ACLs off), SSE-S3 encrypted, not versioned: a code
    object is never overwritten (its key is its content), so versions would only keep
    deleted zips."""

    name: str
    arn: str
    region: str
    account_id: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveBucket:
    """The bucket as read from S3: its tags and, when listed, its code objects."""

    tags: dict[str, str]
    objects: dict[str, datetime] | None = None  # key under code/ -> LastModified


def code_bucket(desired: DesiredState) -> CodeBucket:
    name = names.code_bucket(desired.prefix, desired.stage, desired.account_id, desired.region)
    partition = desired.shared.table.arn.split(":")[1]
    return CodeBucket(
        name=name,
        arn=f"arn:{partition}:s3:::{name}",
        region=desired.region,
        account_id=desired.account_id,
        tags=dict(desired.ownership_tags),
    )


def code_key(code_sha256: str) -> str:
    """The object key of the zip whose Lambda ``CodeSha256`` (base64 of its SHA-256) is
    given: the same digest in hex, so the same bytes always land on the same key, and a
    function's listed CodeSha256 names its object."""
    return f"{CODE_PREFIX}{base64.b64decode(code_sha256).hex()}.zip"
