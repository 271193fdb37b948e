"""Deletions: what prune and destroy remove, and what they refuse to. Pure: no AWS calls.

Only a resource this stage owns (``ownership.Owner``: our ``<prefix>-<stage>`` name AND our
tags, or for schedules our markers) is ever planned for deletion, and each one was
deep-read from its own service first: listings and the tagging API only say where to look.
A schedule group is deleted with everything in it, so a group that still holds a schedule
cronbridge did not create is refused (reported, never deleted). The executor re-checks
ownership on a fresh read right before each delete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy.live import Snapshot
from scheduler.deploy.ownership import Owner
from scheduler.deploy.plan_reads import DeepState
from scheduler.resources import DesiredState


@dataclass
class Deletions:
    ops: list[o.Op] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def _owner(desired: DesiredState) -> Owner:
    return Owner(desired.prefix, desired.stage)


def _job_of(owner: Owner, function_name: str) -> str:
    return function_name[len(owner.base) + 1 :]


def stale_ops(desired: DesiredState, deep: DeepState, *, prune: bool) -> Deletions:
    """Rules/schedules no longer desired, and (pruning) functions of removed jobs."""
    owner = _owner(desired)
    out = Deletions()
    for name, lr in deep.stray_rules.items():
        if lr is None or not owner.owns(lr.tags, name):
            continue  # not ours: never touched
        job = lr.tags.get(contract.TAG_JOB, "")
        if job in desired.jobs:
            kept = desired.jobs[job].function.name
            out.ops.append(o.DeleteRule(job=job, name=name, function_name=kept))
        elif prune:
            out.ops.append(o.DeleteRule(job=job, name=name))
    for (group, name), read in deep.stray_schedules.items():
        if read is None or not owner.owns_schedule(read, group):
            continue  # made by hand, or gone meanwhile: never touched
        function = owner.function_of(str((read.get("Target") or {}).get("Arn", ""))) or ""
        job = _job_of(owner, function)
        if job in desired.jobs or prune:
            out.ops.append(o.DeleteSchedule(job=job, name=name, group_name=group))
    if prune:
        for name, lf in sorted(deep.stray_functions.items()):
            if lf is None or not owner.owns(lf.raw_tags, name):
                continue
            job = lf.raw_tags.get(contract.TAG_JOB) or _job_of(owner, name)
            out.ops.append(o.DeleteFunction(job=job, function_name=name))
    return out


def foreign_schedules(desired: DesiredState, deep: DeepState, group: str) -> list[str]:
    """Schedules in ``group`` that this stage did not create (deep-read at destroy)."""
    owner = _owner(desired)
    return sorted(
        name
        for (g, name), read in deep.stray_schedules.items()
        if g == group and read is not None and not owner.owns_schedule(read, g)
    )


def destroy_shared(
    desired: DesiredState, snapshot: Snapshot, deep: DeepState, *, include_data: bool
) -> Deletions:
    owner = _owner(desired)
    out = Deletions()
    s = desired.shared
    for key, group in (("jobs_group", s.jobs_group), ("retry_group", s.retry_group)):
        have = deep.shared.get(key)
        if have is None or not owner.owns(have.tags, group.name):
            continue
        foreign = foreign_schedules(desired, deep, group.name)
        if foreign:
            # Deleting a group deletes every schedule in it, ours or not.
            out.refusals.append(
                f"schedule group {group.name} still holds {len(foreign)} schedule(s) "
                f"cronbridge did not create, so it is kept: {', '.join(foreign)}"
            )
            continue
        out.ops.append(o.DeleteScheduleGroup(name=group.name))
    role = s.scheduler_role  # each job's own role goes with its job (plan_extras)
    listed = snapshot.roles.get(role.name)
    tags = None if listed is None else {t["Key"]: t["Value"] for t in listed.get("Tags", [])}
    if owner.owns(tags, role.name):
        out.ops.append(o.DeleteRole(name=role.name, policy_name=role.policy_name))
    if include_data:
        table, queue = deep.shared.get("table"), deep.shared.get("queue")
        deleting = (snapshot.table or {}).get("TableStatus") == "DELETING"
        if table is not None and not deleting and owner.owns(table.tags, s.table.name):
            out.ops.append(o.DeleteTable(name=s.table.name))
        if queue is not None and owner.owns(queue.tags, s.queue.name):
            out.ops.append(o.DeleteQueue(name=s.queue.name))
    return out
