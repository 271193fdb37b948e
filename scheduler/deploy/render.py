"""Render a plan for people (a diff grouped by job) and for machines (versioned JSON).

Pure: no AWS calls. Shared resources come first under "(shared)"; each job lists its
operations with the fields that change, old -> new.
"""

from __future__ import annotations

from typing import Any

from scheduler.deploy import ops as o

JSON_VERSION = 1
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_MAX_VALUE = 80


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _groups(plan: o.Plan) -> dict[str, list[o.Op]]:
    groups: dict[str, list[o.Op]] = {}
    for op in plan.ops:
        groups.setdefault(op.job or "(shared)", []).append(op)
    return groups


def _created_detail(op: o.Op) -> str:
    """What a create makes, in a few words, since a create has no old -> new to show."""
    match op:
        case o.CreateFunction(function=fn):
            return f"({fn.runtime}, {fn.memory_size} MB, {fn.timeout} s)"
        case o.PutRule(rule=rule, action="create"):
            return f"({rule.schedule_expression}, {rule.state})"
        case o.PutSchedule(schedule=sched, action="create"):
            return f"({sched.schedule_expression} in {sched.timezone}, {sched.state})"
        case o.PutLogGroup(log_group=group, action="create"):
            return f"({group.retention_in_days} days)"
        case _:
            return ""


def _refusals(plan: o.Plan) -> list[str]:
    return [f"  ! refused: {r}" for r in plan.refusals]


def render_text(plan: o.Plan) -> str:
    if not plan.ops:
        head = f"stage {plan.stage}: no changes ({len(plan.unchanged_jobs)} jobs up to date)"
        return "\n".join([head, *_refusals(plan)])
    lines = []
    for group, ops in _groups(plan).items():
        lines.append(f"{group}:")
        new_function = any(isinstance(op, o.CreateFunction) for op in ops)
        for op in ops:
            if new_function and isinstance(op, o.TagFunction):
                # The tags of a function being created are part of that create; listing
                # them field by field as an "update" would only be noise.
                tags = ", ".join(f"{k}={v}" for k, v in sorted(op.tags.items()))
                lines.append(f"      tags: {_short(tags)}")
                continue
            detail = _created_detail(op)
            lines.append(f"  {_SYMBOL[op.action]} {op.kind} {op.resource} {detail}".rstrip())
            for ch in op.changes:
                if op.action == "create" and ch.old is None:
                    continue  # the detail above says what is created
                lines.append(f"      {ch.field}: {_short(ch.old)} -> {_short(ch.new)}")
    lines += _refusals(plan)
    counts = summary(plan)
    lines.append(
        f"stage {plan.stage}: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['delete']} to delete; {len(plan.unchanged_jobs)} jobs unchanged"
    )
    return "\n".join(lines)


def summary(plan: o.Plan) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "delete": 0}
    for op in plan.ops:
        counts[op.action] += 1
    return counts


def render_json(plan: o.Plan) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "stage": plan.stage,
        "changes": plan.has_changes,
        "summary": summary(plan),
        "code_sha256": plan.code_sha256,
        "unchanged_jobs": list(plan.unchanged_jobs),
        # What the plan will not do although asked (a destroy with any fails).
        "refusals": list(plan.refusals),
        "operations": [
            {
                "op": type(op).__name__,
                "job": op.job,
                "kind": op.kind,
                "action": op.action,
                "resource": op.resource,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in op.changes],
            }
            for op in plan.ops
        ],
    }
