"""Plan each job's own IAM role and log group, and prune those of removed jobs. Pure.

A job's role and log group come first among its operations: Lambda needs the role to
exist, and the log group must exist before the function so Lambda never creates it with
unlimited retention. Both are in the job's fingerprint (on its function), so a no-op plan
only checks that the role is listed in the stage's one ``ListRoles`` by IAM path. Log
groups are listed (``DescribeLogGroups`` by name prefix, 50 a page) only when refreshing
or destroying; otherwise a job's group is read by exact name when the job is deep-read,
so a plain plan stays a handful of calls. Leftovers of removed jobs are found through
their role (listed) or function (listed), and deleted only after a deep read proved them
this stage's (ownership tags and job tag), and after the job's function is gone: the role
goes last, so an interrupted prune is found again.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy.ownership import Owner
from scheduler.errors import CronbridgeError
from scheduler.resources import JOB_POLICY_NAME, DesiredState, JobResources, LogGroup, Role

LAMBDA_LOGS = "/aws/lambda/"

_ROLE_FIELDS = ("trust_policy", "policy_document", "path", "permissions_boundary", "tags")


class RoleConflictError(CronbridgeError):
    """A role with one of this stage's names exists but cannot be ours as it is."""


def log_group_prefix(desired: DesiredState) -> str:
    return f"/aws/lambda/{desired.prefix}-{desired.stage}-"


def extras_look_unchanged(
    res: JobResources, roles: dict[str, Any], log_groups: dict[str, Any] | None
) -> bool:
    """Role listed under the stage's path; when log groups were listed, the job's group
    listed with the desired retention."""
    listed_role = roles.get(res.role.name)
    if not listed_role or listed_role.get("Path") != res.role.path:
        return False
    if log_groups is None:
        return True
    listed_group = log_groups.get(res.log_group.name)
    if not listed_group:
        return False
    return int(listed_group.get("retentionInDays") or 0) == res.log_group.retention_in_days


def owns_log_group(owner: Owner, tags: dict[str, str] | None, name: str) -> bool:
    """A log group is ours when it is named after one of our functions and carries our
    tags (``Owner.owns`` on the function's name)."""
    return name.startswith(LAMBDA_LOGS) and owner.owns(tags, name[len(LAMBDA_LOGS) :])


def _without_spec(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k != contract.TAG_SPEC_HASH}


def role_ops(job: str, want: Role, have: Role | None, owner: Owner) -> list[o.Op]:
    if have is None:
        return [o.PutRole(role=want, job=job)]
    if not owner.owns(have.tags, want.name):
        raise RoleConflictError(
            f"role {want.name} exists but is not tagged as owned by cronbridge "
            f"{owner.prefix} stage {owner.stage}; refusing to touch it",
            hint="rename the job or the prefix, or delete/tag that role yourself",
        )
    if have.path != want.path:
        raise RoleConflictError(
            f"role {want.name} exists under IAM path {have.path}, not {want.path}; "
            "IAM cannot move a role",
            hint=f"delete role {want.name} (its inline policy first), then deploy again",
        )
    # Reads keep the spec tag; the job's fingerprint already covers the role's spec.
    changes = _diff(dataclasses.replace(have, tags=_without_spec(have.tags)), want, _ROLE_FIELDS)
    return [o.PutRole(role=want, job=job, action="update", changes=changes)] if changes else []


def log_group_ops(job: str, want: LogGroup, have: LogGroup | None) -> list[o.Op]:
    """A group named after our function is the function's, even one Lambda made untagged:
    it is adopted (retention set, tags added), never refused."""
    if have is None:
        return [o.PutLogGroup(job=job, log_group=want)]
    have = dataclasses.replace(have, tags=_without_spec(have.tags))
    changes = _diff(have, want, ("retention_in_days", "tags"))
    if not changes:
        return []
    return [o.PutLogGroup(job=job, log_group=want, action="update", changes=changes)]


def stray_roles(desired: DesiredState, roles: dict[str, Any]) -> list[str]:
    """Roles under the stage's path that no desired job (nor the scheduler) uses."""
    wanted = {res.role.name for res in desired.jobs.values()}
    wanted.add(desired.shared.scheduler_role.name)
    return sorted(name for name in roles if name not in wanted)


def stray_log_groups(
    desired: DesiredState,
    log_groups: dict[str, Any] | None,
    stray_roles: list[str],
    stray_functions: list[str],
) -> list[str]:
    """Log groups to check for pruning: from the listing when there is one, else those
    named after a leftover role's or function's job."""
    wanted = {res.log_group.name for res in desired.jobs.values()}
    if log_groups is not None:
        candidates = set(log_groups)
    else:
        base = f"{desired.prefix}-{desired.stage}-"
        jobs = {r[len(base) : -len("-job")] for r in stray_roles if r.endswith("-job")}
        jobs |= {f[len(base) :] for f in stray_functions if f.startswith(base)}
        candidates = {f"{LAMBDA_LOGS}{base}{job}" for job in jobs}
    return sorted(name for name in candidates if name not in wanted)


def prune_ops(
    owner: Owner,
    roles: dict[str, dict[str, Any] | None],
    log_groups: dict[str, dict[str, str] | None],
) -> list[o.Op]:
    """Deletes for leftovers whose deep read (GetRole / ListTagsForResource) proved them
    this stage's per-job resources; anything else under our names is left alone."""
    out: list[o.Op] = []
    for name, tags in sorted(log_groups.items()):
        if owns_log_group(owner, tags, name) and tags and tags.get(contract.TAG_JOB):
            out.append(o.DeleteLogGroup(job=tags[contract.TAG_JOB], name=name))
    for name, full in sorted(roles.items()):
        tags = None if full is None else {t["Key"]: t["Value"] for t in full.get("Tags") or []}
        if owner.owns(tags, name) and tags and tags.get(contract.TAG_JOB):
            job = tags[contract.TAG_JOB]
            out.append(o.DeleteRole(job=job, name=name, policy_name=JOB_POLICY_NAME))
    return out


def _diff(old: Any, new: Any, fields: tuple[str, ...]) -> o.Changes:
    changes = []
    for name in fields:
        a, b = getattr(old, name), getattr(new, name)
        if a == b:
            continue
        if name == "tags":
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changes.append(o.Change(f"tags.{key}", a.get(key), b.get(key)))
        else:
            changes.append(o.Change(name, a, b))
    return tuple(changes)
