"""Plan operations on the stage's code bucket and its objects, beside ``ops``.

Same vocabulary as ``scheduler.deploy.ops``: frozen dataclasses that describe themselves
and carry what they apply. All are the stage's (``job`` None), so the executor runs each
as a barrier: the bucket and the objects exist before any function is created from them,
and stale objects go only after every function has moved off them. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.deploy.ops import Action, Changes, Op
from scheduler.resources.artifacts import CodeBucket


@dataclass(frozen=True)
class PutCodeBucket(Op):
    """Create the bucket (private, encrypted, tagged) or re-tag it."""

    bucket: CodeBucket
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "code bucket"

    @property
    def resource(self) -> str:
        return self.bucket.name


@dataclass(frozen=True)
class PutCodeObject(Op):
    """Upload one distinct zip, which ``functions`` functions of this plan use."""

    bucket_name: str
    key: str
    functions: int
    account_id: str
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "code object"

    @property
    def resource(self) -> str:
        return self.key  # in the bucket PutCodeBucket names


@dataclass(frozen=True)
class DeleteCodeObjects(Op):
    """Delete code objects no function of the stage uses any more."""

    bucket_name: str
    keys: tuple[str, ...]
    account_id: str
    action: Action = "delete"
    changes: Changes = ()
    job: str | None = None
    kind: str = "code objects"

    @property
    def resource(self) -> str:
        return f"{len(self.keys)} unused in {self.bucket_name}"


@dataclass(frozen=True)
class DeleteCodeBucket(Op):
    """Empty the bucket (every object version) and delete it; destroy only."""

    name: str
    account_id: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "code bucket"

    @property
    def resource(self) -> str:
        return self.name
