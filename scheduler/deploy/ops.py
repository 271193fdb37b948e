"""The plan's vocabulary: one frozen dataclass per kind of change, each able to describe itself.

Ops carry the desired model object they apply (so the executor needs nothing else) and the
field changes that justify them (so render can show old -> new). ``job`` is None for the
stage's shared resources. Pure data, no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from scheduler.resources import (
    AsyncConfig,
    DeadLetterQueue,
    Function,
    LogGroup,
    Permission,
    Role,
    Rule,
    RunsTable,
    Schedule,
    ScheduleGroup,
)

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


Changes = tuple[Change, ...]


class Op:
    """Base of every operation: ``job``, ``kind``, ``resource``, ``action``, ``changes``."""

    # Declared, not defaulted: dataclasses would take a base-class value as a field default.
    job: str | None
    kind: str
    action: Action
    changes: Changes

    @property
    def resource(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        verb = {"create": "create", "update": "update", "delete": "delete"}[self.action]
        return f"{verb} {self.kind} {self.resource}"


# --- Shared resources -----------------------------------------------------------------


@dataclass(frozen=True)
class PutRole(Op):
    role: Role
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "role"

    @property
    def resource(self) -> str:
        return self.role.name


@dataclass(frozen=True)
class DeleteRole(Op):
    name: str
    policy_name: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "role"

    @property
    def resource(self) -> str:
        return self.name


@dataclass(frozen=True)
class PutTable(Op):
    table: RunsTable
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "table"

    @property
    def resource(self) -> str:
        return self.table.name


@dataclass(frozen=True)
class DeleteTable(Op):
    name: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "table"

    @property
    def resource(self) -> str:
        return self.name


@dataclass(frozen=True)
class PutQueue(Op):
    queue: DeadLetterQueue
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "queue"

    @property
    def resource(self) -> str:
        return self.queue.name


@dataclass(frozen=True)
class DeleteQueue(Op):
    name: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "queue"

    @property
    def resource(self) -> str:
        return self.name


@dataclass(frozen=True)
class PutScheduleGroup(Op):
    group: ScheduleGroup
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "schedule group"

    @property
    def resource(self) -> str:
        return self.group.name


@dataclass(frozen=True)
class DeleteScheduleGroup(Op):
    name: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "schedule group"

    @property
    def resource(self) -> str:
        return self.name


# --- Per job ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateFunction(Op):
    job: str
    function: Function
    action: Action = "create"
    changes: Changes = ()
    kind: str = "function"

    @property
    def resource(self) -> str:
        return self.function.name


@dataclass(frozen=True)
class UpdateFunctionCode(Op):
    job: str
    function_name: str
    changes: Changes = ()
    action: Action = "update"
    kind: str = "function code"

    @property
    def resource(self) -> str:
        return self.function_name


@dataclass(frozen=True)
class UpdateFunctionConfiguration(Op):
    job: str
    function: Function
    changes: Changes = ()
    action: Action = "update"
    kind: str = "function"

    @property
    def resource(self) -> str:
        return self.function.name


@dataclass(frozen=True)
class SetConcurrency(Op):
    job: str
    function_name: str
    reserved: int | None  # None removes the reservation
    changes: Changes = ()
    action: Action = "update"
    kind: str = "concurrency"

    @property
    def resource(self) -> str:
        return self.function_name


@dataclass(frozen=True)
class TagFunction(Op):
    """Sets ownership tags and, last in a job's ops, the job fingerprint."""

    job: str
    function_arn: str
    tags: dict[str, str]
    remove_keys: tuple[str, ...] = ()
    changes: Changes = ()
    action: Action = "update"
    kind: str = "function tags"

    @property
    def resource(self) -> str:
        return self.function_arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class PutAsyncConfig(Op):
    job: str
    config: AsyncConfig
    action: Action = "update"
    changes: Changes = ()
    kind: str = "async config"

    @property
    def resource(self) -> str:
        return self.config.function_name


@dataclass(frozen=True)
class DeleteFunction(Op):
    job: str
    function_name: str
    action: Action = "delete"
    changes: Changes = ()
    kind: str = "function"

    @property
    def resource(self) -> str:
        return self.function_name


@dataclass(frozen=True)
class PutRule(Op):
    """put_rule (create or update) and, on update, its tags."""

    job: str
    rule: Rule
    action: Action = "create"
    changes: Changes = ()
    kind: str = "rule"

    @property
    def resource(self) -> str:
        return self.rule.name


@dataclass(frozen=True)
class PutTarget(Op):
    job: str
    rule: Rule
    remove_target_ids: tuple[str, ...] = ()
    action: Action = "create"
    changes: Changes = ()
    kind: str = "rule target"

    @property
    def resource(self) -> str:
        return self.rule.name


@dataclass(frozen=True)
class AddPermission(Op):
    job: str
    permission: Permission
    replace: bool = False  # a stale statement with the same id is removed first
    action: Action = "create"
    changes: Changes = ()
    kind: str = "permission"

    @property
    def resource(self) -> str:
        return f"{self.permission.function_name}/{self.permission.statement_id}"


@dataclass(frozen=True)
class DeleteRule(Op):
    job: str
    name: str
    # Set when the job's function stays: its invoke permission for this rule goes too.
    function_name: str | None = None
    action: Action = "delete"
    changes: Changes = ()
    kind: str = "rule"

    @property
    def resource(self) -> str:
        return self.name


@dataclass(frozen=True)
class PutSchedule(Op):
    job: str
    schedule: Schedule
    action: Action = "create"
    changes: Changes = ()
    kind: str = "schedule"

    @property
    def resource(self) -> str:
        return f"{self.schedule.group_name}/{self.schedule.name}"


@dataclass(frozen=True)
class DeleteSchedule(Op):
    job: str
    name: str
    group_name: str
    action: Action = "delete"
    changes: Changes = ()
    kind: str = "schedule"

    @property
    def resource(self) -> str:
        return f"{self.group_name}/{self.name}"


@dataclass(frozen=True)
class PutLogGroup(Op):
    """Create the job's log group (before its function) or set its retention and tags."""

    job: str
    log_group: LogGroup
    action: Action = "create"
    changes: Changes = ()
    kind: str = "log group"

    @property
    def resource(self) -> str:
        return self.log_group.name


@dataclass(frozen=True)
class DeleteLogGroup(Op):
    job: str
    name: str
    action: Action = "delete"
    changes: Changes = ()
    kind: str = "log group"

    @property
    def resource(self) -> str:
        return self.name


@dataclass(frozen=True)
class Plan:
    """Ordered operations plus what the plan was made from."""

    stage: str
    ops: tuple[Op, ...]
    code_sha256: str  # code_digest of the jobs' code
    unchanged_jobs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    prefix: str = ""
    # What the plan will not do although asked (e.g. delete a group holding foreign
    # schedules); a destroy with refusals fails after applying the rest.
    refusals: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.ops)
