"""One job's operations: function, async config, rules with targets and permissions, or
schedules, and last the fingerprint tag. Pure: no AWS calls.

``job_ops`` diffs a desired job against its deep read. Its role and log group come first
(``plan_extras``), the invoke permission before the rule that uses it, and the job's
fingerprint tag on its function last, so an interrupted job still looks changed to the
next plan. A name held by a resource this stage does not own stops the plan.
"""

from __future__ import annotations

from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy import plan_extras
from scheduler.deploy.live import DeepJob
from scheduler.deploy.ownership import Owner
from scheduler.deploy.plan_diff import conflict, diff
from scheduler.resources import JobResources, Schedule

_FUNCTION_CONFIG_FIELDS = (
    "role_arn", "timeout", "memory_size", "environment", "runtime", "handler", "description",
    "layers",
)  # fmt: skip


def job_ops(res: JobResources, live: DeepJob, code_sha256: str, owner: Owner) -> list[o.Op]:
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
            raise conflict("function", fn.name, stage)
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
            raise conflict("rule", rule.name, stage)
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
            raise conflict("schedule", f"{sched.group_name}/{sched.name}", stage)
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
