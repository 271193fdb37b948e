"""Which resources a plan must deep-read, from the cheap listings alone. Pure: no AWS calls.

The first of the planner's two steps, and what keeps a no-op plan cheap: ``what_to_read``
compares the ``Snapshot`` (each service's own listing, plus the tagging API's fingerprint
hints) with the desired state and asks for a deep read of only the shared resources and
jobs whose fingerprint or listed fields do not match (or all, on refresh), plus the
listed leftovers whose ownership a deep read must prove before any prune. ``DeepState``
holds what those reads return, for ``planner.build_plan``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.deploy import plan_code, plan_extras
from scheduler.deploy.live import DeepJob, LiveFunction, LiveRule, Snapshot
from scheduler.deploy.plan_diff import spec_tag
from scheduler.resources import DesiredState, JobResources, Role

SHARED_KEYS = ("table", "queue", "scheduler_role", "jobs_group", "retry_group")


@dataclass
class ReadRequest:
    """What to deep-read: shared keys, job names, and leftovers whose owner must be proven."""

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
    """What the deep reads of a ``ReadRequest`` returned (None: gone meanwhile)."""

    shared: dict[str, Any] = field(default_factory=dict)  # key -> model object or None
    jobs: dict[str, DeepJob] = field(default_factory=dict)
    stray_rules: dict[str, LiveRule | None] = field(default_factory=dict)
    stray_functions: dict[str, LiveFunction | None] = field(default_factory=dict)
    # (group, name) -> GetSchedule answer (None: gone meanwhile)
    stray_schedules: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    stray_roles: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # GetRole
    stray_log_groups: dict[str, dict[str, str] | None] = field(default_factory=dict)  # tags


def _shared_spec(desired: DesiredState, snapshot: Snapshot, key: str) -> tuple[bool, str | None]:
    """(exists cheaply, spec tag) of one shared resource from the snapshot."""
    s = desired.shared
    if key == "table":
        # Existence from DynamoDB itself; the fingerprint from the tagging API is a hint.
        exists = snapshot.table is not None and snapshot.table.get("TableStatus") != "DELETING"
        return exists, spec_tag(snapshot.hint_tags(s.table.arn)) if exists else None
    if key == "queue":
        exists = snapshot.queue_url is not None
        return exists, spec_tag(snapshot.hint_tags(s.queue.arn)) if exists else None
    if key == "scheduler_role":
        role: Role = s.scheduler_role
        listed = snapshot.roles.get(role.name)
        if listed is None:
            return False, None
        tags = {t["Key"]: t["Value"] for t in listed.get("Tags", [])}
        return True, spec_tag(tags)
    group = s.jobs_group if key == "jobs_group" else s.retry_group
    # Groups have nothing but tags; being listed under our name is enough unless refreshing.
    return group.name in snapshot.groups, group.spec_hash if group.name in snapshot.groups else None


def job_looks_unchanged(res: JobResources, snapshot: Snapshot, code_sha256: str) -> bool:
    # Lambda's own listing says the function exists with this code; the tagging API's
    # fingerprint (a hint, possibly stale or missing) says nothing else changed.
    listed_fn = snapshot.functions.get(res.function.name)
    if listed_fn is None or listed_fn.get("CodeSha256") != code_sha256:
        return False
    if spec_tag(snapshot.hint_tags(res.function.arn)) != res.spec_hash(code_sha256):
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
    code_sha256: plan_code.CodeShas,
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
        if refresh or not job_looks_unchanged(res, snapshot, plan_code.code_of(code_sha256, name)):
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
