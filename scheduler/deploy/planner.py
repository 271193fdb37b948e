"""Desired state + live state -> an ordered ``Plan`` of typed operations. Pure: no AWS calls.

Two steps keep a no-op plan cheap. ``what_to_read`` looks at the cheap ``Snapshot`` and
picks the resources whose fingerprint or listed fields do not match (or all, on refresh);
only those are deep-read. ``build_plan`` diffs the deep reads field by field. Order:
shared resources first (roles before functions, the queue before targets), then each job
(function, async config, rules/targets/permissions or schedules, and last the fingerprint
tag, so an interrupted job still looks changed), then deletions of pruned jobs, then (on
destroy) shared deletions (planner_prune.py). What exists comes from each service's own
listing; the tagging API's fingerprints are hints that only let a resource skip its deep
read. Resources this stage does not own (ownership.py) are never touched: a name clash
with one stops the plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy import plan_extras
from scheduler.deploy import planner_prune as prune_ops
from scheduler.deploy.live import DeepJob, LiveFunction, LiveRule, Snapshot, without_spec
from scheduler.deploy.ownership import Owner
from scheduler.errors import CronbridgeError
from scheduler.resources import DesiredState, JobResources, Role, Schedule

SHARED_KEYS = ("table", "queue", "scheduler_role", "jobs_group", "retry_group")
_FUNCTION_CONFIG_FIELDS = (
    "role_arn", "timeout", "memory_size", "environment", "runtime", "handler", "description",
    "layers",
)  # fmt: skip


class OwnershipConflictError(CronbridgeError):
    """A resource with one of our names exists but is not owned by this stage."""


@dataclass
class ReadRequest:
    shared: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    # Listed rules that are not desired: deep-read (tags) to learn whether we own them.
    stray_rules: list[str] = field(default_factory=list)
    # Listed functions named <base>-* that are not desired: deep-read (tags) for ownership.
    stray_functions: list[str] = field(default_factory=list)
    # Listed schedules that are not desired: (group, name), deep-read for their markers.
    stray_schedules: list[tuple[str, str]] = field(default_factory=list)
    # Roles / log groups under the stage's names that no desired job uses (plan_extras).
    stray_roles: list[str] = field(default_factory=list)
    stray_log_groups: list[str] = field(default_factory=list)


@dataclass
class DeepState:
    shared: dict[str, Any] = field(default_factory=dict)  # key -> model object or None
    jobs: dict[str, DeepJob] = field(default_factory=dict)
    stray_rules: dict[str, LiveRule | None] = field(default_factory=dict)
    stray_functions: dict[str, LiveFunction | None] = field(default_factory=dict)
    # (group, name) -> GetSchedule answer (None: gone meanwhile)
    stray_schedules: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    stray_roles: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # GetRole
    stray_log_groups: dict[str, dict[str, str] | None] = field(default_factory=dict)  # tags


def base_of(desired: DesiredState) -> str:
    return f"{desired.prefix}-{desired.stage}"


def owner_of(desired: DesiredState) -> Owner:
    return Owner(desired.prefix, desired.stage)


def _spec_tag(tags: dict[str, str] | None) -> str | None:
    return None if tags is None else tags.get(contract.TAG_SPEC_HASH)


def _shared_spec(desired: DesiredState, snapshot: Snapshot, key: str) -> tuple[bool, str | None]:
    """(exists cheaply, spec tag) of one shared resource from the snapshot."""
    s = desired.shared
    if key == "table":
        # Existence from DynamoDB itself; the fingerprint from the tagging API is a hint.
        exists = snapshot.table is not None and snapshot.table.get("TableStatus") != "DELETING"
        return exists, _spec_tag(snapshot.hint_tags(s.table.arn)) if exists else None
    if key == "queue":
        exists = snapshot.queue_url is not None
        return exists, _spec_tag(snapshot.hint_tags(s.queue.arn)) if exists else None
    if key == "scheduler_role":
        role: Role = s.scheduler_role
        listed = snapshot.roles.get(role.name)
        if listed is None:
            return False, None
        tags = {t["Key"]: t["Value"] for t in listed.get("Tags", [])}
        return True, _spec_tag(tags)
    group = s.jobs_group if key == "jobs_group" else s.retry_group
    # Groups have nothing but tags; being listed under our name is enough unless refreshing.
    return group.name in snapshot.groups, group.spec_hash if group.name in snapshot.groups else None


def job_looks_unchanged(res: JobResources, snapshot: Snapshot, code_sha256: str) -> bool:
    # Lambda's own listing says the function exists with this code; the tagging API's
    # fingerprint (a hint, possibly stale or missing) says nothing else changed.
    listed_fn = snapshot.functions.get(res.function.name)
    if listed_fn is None or listed_fn.get("CodeSha256") != code_sha256:
        return False
    if _spec_tag(snapshot.hint_tags(res.function.arn)) != res.spec_hash(code_sha256):
        return False
    if not plan_extras.extras_look_unchanged(res, snapshot.roles, snapshot.log_groups):
        return False
    for rule in res.rules:
        listed = snapshot.rules.get(rule.name)
        if listed is None or listed.get("State") != rule.state:
            return False
        if listed.get("ScheduleExpression") != rule.schedule_expression:
            return False
    for sched in res.schedules:
        listed = snapshot.schedules.get(sched.name)
        if listed is None or listed.get("State") != sched.state:
            return False
    return True


def what_to_read(
    desired: DesiredState,
    snapshot: Snapshot,
    code_sha256: str,
    *,
    refresh: bool = False,
    prune: bool = True,
) -> ReadRequest:
    req = ReadRequest()
    for key in SHARED_KEYS:
        exists, spec = _shared_spec(desired, snapshot, key)
        model = getattr(desired.shared, key)
        if refresh or not exists or spec != model.spec_hash:
            req.shared.add(key)
    for name, res in desired.jobs.items():
        if refresh or not job_looks_unchanged(res, snapshot, code_sha256):
            req.jobs.add(name)
    desired_rules = {r.name for res in desired.jobs.values() for r in res.rules}
    marker = f"cronbridge {desired.stage} "
    for rule_name, listed in snapshot.rules.items():
        # Our rules carry a description marker; it only narrows which to check, the tags
        # read afterwards decide ownership.
        if rule_name not in desired_rules and str(listed.get("Description", "")).startswith(marker):
            req.stray_rules.append(rule_name)
    if prune:
        wanted = {res.function.name for res in desired.jobs.values()}
        req.stray_functions = sorted(n for n in snapshot.functions if n not in wanted)
        req.stray_roles = plan_extras.stray_roles(desired, snapshot.roles)
        req.stray_log_groups = plan_extras.stray_log_groups(
            desired, snapshot.log_groups, req.stray_roles, req.stray_functions
        )
    wanted_schedules = {s.name for res in desired.jobs.values() for s in res.schedules}
    jobs_group = desired.shared.jobs_group.name
    req.stray_schedules = [
        (jobs_group, n) for n in sorted(snapshot.schedules) if n not in wanted_schedules
    ]
    retry_group = desired.shared.retry_group.name
    req.stray_schedules += [(retry_group, n) for n in sorted(snapshot.retry_schedules)]
    return req


# --- Diffing ---------------------------------------------------------------------------


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(
                _flat(f"{prefix}.{k}", v) if isinstance(v, dict) and v else {f"{prefix}.{k}": v}
            )
        return out or {prefix: {}}
    return {prefix: value}


def _as_dict(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return dict(value or {})


def diff(old: Any, new: Any, fields: Iterable[str] | None = None) -> o.Changes:
    """Field changes old -> new; dict fields (env, tags, policies) compared key by key."""
    old_d = _as_dict(old)
    new_d = _as_dict(new)
    changes = []
    for name in fields if fields is not None else new_d:
        a, b = old_d.get(name), new_d.get(name)
        if isinstance(a, tuple | list) and isinstance(b, tuple | list):
            a, b = list(a), list(b)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and name in ("environment", "tags"):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changes.append(o.Change(f"{name}.{key}", a.get(key), b.get(key)))
        else:
            changes.append(o.Change(name, a, b))
    return tuple(changes)


def _conflict(kind: str, name: str, stage: str) -> OwnershipConflictError:
    return OwnershipConflictError(
        f"{kind} {name} exists but is not tagged as owned by cronbridge stage {stage}; "
        "refusing to touch it",
        hint="rename the job or the prefix, or delete/tag that resource yourself",
    )


# --- Building the plan -------------------------------------------------------------------


def build_plan(
    desired: DesiredState,
    snapshot: Snapshot,
    request: ReadRequest,
    deep: DeepState,
    code_sha256: str,
    *,
    prune: bool = True,
    destroy: bool = False,
    include_data: bool = False,
) -> o.Plan:
    owner = owner_of(desired)
    plan: list[o.Op] = []
    if not destroy:
        plan += _shared_ops(desired, snapshot, request, deep)
    job_ops: list[o.Op] = []
    for name, res in desired.jobs.items():
        if name in request.jobs:
            job_ops += _job_ops(res, deep.jobs.get(name, DeepJob()), code_sha256, owner)
    # IAM is eventually consistent: every job's role (and log group) goes before any
    # function, so each role has propagated by the time its function needs it.
    early = [op for op in job_ops if isinstance(op, o.PutRole | o.PutLogGroup)]
    hoisted = {id(op) for op in early}
    plan += early + [op for op in job_ops if id(op) not in hoisted]
    stale = prune_ops.stale_ops(desired, deep, prune=prune or destroy)
    plan += stale.ops
    # After the functions: a pruned job's log group and role (proven ours by deep read).
    plan += plan_extras.prune_ops(owner, deep.stray_roles, deep.stray_log_groups)
    refusals = list(stale.refusals)
    if destroy:
        shared = prune_ops.destroy_shared(desired, snapshot, deep, include_data=include_data)
        plan += shared.ops
        refusals += shared.refusals
    unchanged = tuple(n for n in desired.jobs if n not in {op.job for op in plan})
    return o.Plan(
        stage=desired.stage,
        prefix=desired.prefix,
        ops=tuple(plan),
        code_sha256=code_sha256,
        unchanged_jobs=unchanged,
        refusals=tuple(refusals),
    )


def _shared_ops(
    desired: DesiredState, snapshot: Snapshot, request: ReadRequest, deep: DeepState
) -> list[o.Op]:
    out: list[o.Op] = []
    s = desired.shared
    # Roles first: IAM is global and slow to propagate (job roles: see build_plan).
    for key in ("scheduler_role", "table", "queue", "jobs_group", "retry_group"):
        if key not in request.shared:
            continue
        want = getattr(s, key)
        have = deep.shared.get(key)
        if have is None:
            out.append(_put_shared(key, want, "create", ()))
            continue
        if not owner_of(desired).owns(have.tags, want.name):
            raise _conflict(key.replace("_", " "), want.name, desired.stage)
        # The fingerprint read from the resource itself (not the tagging API's hint, which
        # may be empty or stale): a matching one means no phantom re-tag.
        spec = _spec_tag(have.tags)
        have = dataclasses.replace(have, tags=without_spec(have.tags))
        skip = {"arn", "url"}
        changes = diff(have, want, [f.name for f in dataclasses.fields(want) if f.name not in skip])
        if not changes and spec != want.spec_hash and key not in ("jobs_group", "retry_group"):
            changes = (o.Change(f"tags.{contract.TAG_SPEC_HASH}", spec, want.spec_hash),)
        if changes:
            out.append(_put_shared(key, want, "update", changes))
    return out


def _put_shared(key: str, want: Any, action: o.Action, changes: o.Changes) -> o.Op:
    if key == "scheduler_role":
        return o.PutRole(role=want, action=action, changes=changes)
    if key == "table":
        return o.PutTable(table=want, action=action, changes=changes)
    if key == "queue":
        return o.PutQueue(queue=want, action=action, changes=changes)
    return o.PutScheduleGroup(group=want, action=action, changes=changes)


def _job_ops(res: JobResources, live: DeepJob, code_sha256: str, owner: Owner) -> list[o.Op]:
    stage = owner.stage
    job, fn = res.job, res.function
    # The job's own role and log group first: the function needs both to exist.
    out: list[o.Op] = plan_extras.role_ops(job, res.role, live.role, owner)
    out += plan_extras.log_group_ops(job, res.log_group, live.log_group)
    have = live.function
    if have is None:
        out.append(o.CreateFunction(job=job, function=fn))
    else:
        if not owner.owns(have.raw_tags, fn.name):
            raise _conflict("function", fn.name, stage)
        if have.code_sha256 != code_sha256:
            out.append(
                o.UpdateFunctionCode(
                    job=job,
                    function_name=fn.name,
                    changes=(o.Change("code_sha256", have.code_sha256, code_sha256),),
                )
            )
        changes = diff(have.function, fn, _FUNCTION_CONFIG_FIELDS)
        if changes:
            out.append(o.UpdateFunctionConfiguration(job=job, function=fn, changes=changes))
    old_reserved = None if have is None else have.function.reserved_concurrency
    if old_reserved != fn.reserved_concurrency:
        out.append(
            o.SetConcurrency(
                job=job,
                function_name=fn.name,
                reserved=fn.reserved_concurrency,
                changes=(o.Change("reserved_concurrency", old_reserved, fn.reserved_concurrency),),
            )
        )
    if live.async_config != res.async_config:
        out.append(
            o.PutAsyncConfig(
                job=job,
                config=res.async_config,
                action="create" if live.async_config is None else "update",
                changes=diff(live.async_config, res.async_config),
            )
        )
    for rule in res.rules:
        lr = live.rules.get(rule.name)
        # The invoke permission comes first (its source ARN is the rule's, known before the
        # rule exists): an enabled rule whose target is in place never fires into a
        # function that would refuse it.
        if lr is None:
            out += [
                o.AddPermission(job=job, permission=rule.permission),
                o.PutRule(job=job, rule=rule),
                o.PutTarget(job=job, rule=rule),
            ]
            continue
        if not owner.owns(lr.tags, rule.name):
            raise _conflict("rule", rule.name, stage)
        perm = live.permissions.get(rule.permission.statement_id)
        if perm != rule.permission:
            out.append(
                o.AddPermission(
                    job=job,
                    permission=rule.permission,
                    replace=perm is not None,
                    action="create" if perm is None else "update",
                    changes=diff(perm, rule.permission),
                )
            )
        rchanges = diff(lr, rule, ("schedule_expression", "state", "description", "tags"))
        if rchanges:
            out.append(o.PutRule(job=job, rule=rule, action="update", changes=rchanges))
        if lr.target != rule.target or lr.extra_target_ids:
            tchanges = diff(lr.target, rule.target) + tuple(
                o.Change(f"extra target {t}", t, None) for t in lr.extra_target_ids
            )
            out.append(
                o.PutTarget(
                    job=job,
                    rule=rule,
                    remove_target_ids=lr.extra_target_ids,
                    action="create" if lr.target is None else "update",
                    changes=tchanges,
                )
            )
    for sched in res.schedules:
        ls = live.schedules.get(sched.name)
        if ls is None:
            out.append(o.PutSchedule(job=job, schedule=sched))
        elif not owner.owns_schedule(schedule_as_read(ls), sched.group_name):
            raise _conflict("schedule", f"{sched.group_name}/{sched.name}", stage)
        elif ls != sched:
            out.append(
                o.PutSchedule(job=job, schedule=sched, action="update", changes=diff(ls, sched))
            )
    want_tags = {**fn.tags, contract.TAG_SPEC_HASH: res.spec_hash(code_sha256)}
    have_tags = {} if have is None else have.raw_tags
    if out or have_tags != want_tags:
        stale = tuple(k for k in have_tags if k not in want_tags and not k.startswith("aws:"))
        out.append(
            o.TagFunction(
                job=job,
                function_arn=fn.arn,
                tags=want_tags,
                remove_keys=stale,
                changes=diff({"tags": have_tags}, {"tags": want_tags}, ["tags"]),
            )
        )
    return out


def schedule_as_read(s: Schedule) -> dict[str, Any]:
    """A deep-read schedule in GetSchedule's shape, for ``Owner.owns_schedule``."""
    return {
        "Name": s.name,
        "Description": s.description,
        "Target": {"Arn": s.target_arn, "RoleArn": s.role_arn, "Input": s.input},
    }
