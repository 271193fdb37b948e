"""Desired state + deep reads -> the ordered ``Plan`` of typed operations. Pure: no AWS calls.

The planner's second step (the first, ``plan_reads.what_to_read``, picks what to deep-read
from the cheap ``Snapshot``): ``build_plan`` puts the operations in the one order that is
safe to apply. Shared resources first (roles before functions, the queue before targets),
then every job's role and log group, then each job's own operations (``plan_jobs``: the
function, async config, rules/targets/permissions or schedules, the fingerprint tag last),
then deletions of pruned jobs (``planner_prune``, ``plan_extras``), then on destroy the
shared deletions. What exists comes from each service's own listing; the tagging API's
fingerprints are hints that only let a resource skip its deep read. Resources this stage
does not own (ownership.py) are never touched: a name clash with one stops the plan.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy import plan_code, plan_extras, plan_jobs
from scheduler.deploy import planner_prune as prune_ops
from scheduler.deploy.live import DeepJob, Snapshot, without_spec
from scheduler.deploy.ownership import Owner
from scheduler.deploy.plan_diff import conflict, diff, spec_tag
from scheduler.deploy.plan_reads import DeepState, ReadRequest
from scheduler.resources import DesiredState


def owner_of(desired: DesiredState) -> Owner:
    return Owner(desired.prefix, desired.stage)


def build_plan(
    desired: DesiredState,
    snapshot: Snapshot,
    request: ReadRequest,
    deep: DeepState,
    code_sha256: plan_code.CodeShas,
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
            sha = plan_code.code_of(code_sha256, name)
            job_ops += plan_jobs.job_ops(res, deep.jobs.get(name, DeepJob()), sha, owner)
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
    planned = {op.job for op in plan}  # once, not per job: 1,000 jobs x 8,000 ops
    unchanged = tuple(n for n in desired.jobs if n not in planned)
    return o.Plan(
        stage=desired.stage,
        prefix=desired.prefix,
        ops=tuple(plan),
        code_sha256=plan_code.code_digest(code_sha256),
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
            raise conflict(key.replace("_", " "), want.name, desired.stage)
        # The fingerprint read from the resource itself (not the tagging API's hint, which
        # may be empty or stale): a matching one means no phantom re-tag.
        spec = spec_tag(have.tags)
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
