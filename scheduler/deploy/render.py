"""Render a plan for people (a diff grouped by job) and for machines (versioned JSON).

Pure: no AWS calls. Shared resources come first under "(shared)"; each job lists its
operations with the fields that change, old -> new. The text shows what a person cares
about: cronbridge's own bookkeeping (the ``cronbridge:*`` ownership tags, the spec
fingerprint tag, the tag write that stamps a new function) is left out of the diff and of
the counts, and a changed policy is a JSON diff. The JSON keeps every operation and field.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.deploy import ops_code

JSON_VERSION = 1
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_MAX_VALUE = 80
_OWN_TAG = "cronbridge:"
_INDENT = "      "


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _groups(plan: o.Plan) -> dict[str, list[o.Op]]:
    groups: dict[str, list[o.Op]] = {}
    for op in plan.ops:
        groups.setdefault(op.job or "(shared)", []).append(op)
    return groups


_SPEC_FIELD = f"tags.{contract.TAG_SPEC_HASH}"


def _is_spec(change: o.Change) -> bool:
    return change.field == _SPEC_FIELD


def _shown_changes(op: o.Op) -> list[o.Change]:
    """The changes a person reads: never the fingerprint, never a create's initial values."""
    if not op.changes:
        return []  # most ops of a first plan: creates carry no changes
    out = []
    for ch in op.changes:
        if _is_spec(ch) or (op.action == "create" and ch.old is None):
            continue
        out.append(ch)
    return out


def bookkeeping(plan: o.Plan) -> set[int]:
    """Ids of the ops that only keep cronbridge's records: the tag write that stamps a new
    function (part of its create) and updates whose only change is the spec fingerprint
    (an earlier deploy interrupted before its last step, or a spec field no diff shows).

    The last plan's answer is kept (the plan is frozen, and held so its ops' ids stay
    theirs): a command renders one plan as text and as JSON, each asking for it."""
    last_plan, last = _LAST_BOOKKEEPING
    if last_plan is plan:
        return set(last)
    out = _bookkeeping(plan)
    _LAST_BOOKKEEPING[:] = [plan, frozenset(out)]
    return out


_LAST_BOOKKEEPING: list[Any] = [None, frozenset()]


def _bookkeeping(plan: o.Plan) -> set[int]:
    created = {op.job for op in plan.ops if isinstance(op, o.CreateFunction)}
    out = set()
    for op in plan.ops:
        quiet = not _shown_changes(op)
        stamp = isinstance(op, o.TagFunction) and (op.job in created or quiet)
        if stamp or (op.action == "update" and op.changes and quiet):
            out.add(id(op))
    return out


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
        case ops_code.PutCodeObject(functions=n):
            return f"(for {n} function{'' if n == 1 else 's'})"
        case _:
            return ""


def _json_lines(value: Any) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, default=str).splitlines()


def _change_lines(ch: o.Change) -> list[str]:
    structured = (dict, list, tuple)
    if isinstance(ch.old, structured) or isinstance(ch.new, structured):
        # A policy (or any document) as an indented JSON diff: a cut-off dict hides the
        # very statement that changed.
        old = [] if ch.old is None else _json_lines(ch.old)
        new = [] if ch.new is None else _json_lines(ch.new)
        lines = [f"{_INDENT}{ch.field}:"]
        for line in difflib.unified_diff(old, new, lineterm="", n=3):
            if line.startswith(("---", "+++")):
                continue
            if line.startswith("@@"):
                if len(lines) > 1:
                    lines.append(f"{_INDENT}  ...")
                continue
            lines.append(f"{_INDENT}  {line[0]} {line[1:]}".rstrip())
        return lines
    return [f"{_INDENT}{ch.field}: {_short(ch.old)} -> {_short(ch.new)}"]


def _user_tags(tags: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items()) if not k.startswith(_OWN_TAG))


def _refusals(plan: o.Plan) -> list[str]:
    return [f"  ! refused: {r}" for r in plan.refusals] + [f"  note: {n}" for n in plan.notes]


def render_text(plan: o.Plan) -> str:
    if not plan.ops:
        head = f"stage {plan.stage}: no changes ({len(plan.unchanged_jobs)} jobs up to date)"
        return "\n".join([head, *_refusals(plan)])
    hidden = bookkeeping(plan)
    restamps = 0
    lines = []
    for group, ops in _groups(plan).items():
        shown = [op for op in ops if id(op) not in hidden]
        lines.append(f"{group}:")
        if not shown:
            restamps += 1
            lines.append("  ~ fingerprint only (re-stamped; the resources already match)")
            continue
        new_tags = {op.job: op.tags for op in ops if isinstance(op, o.TagFunction)}
        for op in shown:
            detail = _created_detail(op)
            lines.append(f"  {_SYMBOL[op.action]} {op.kind} {op.resource} {detail}".rstrip())
            if isinstance(op, o.CreateFunction):
                user_tags = _user_tags(new_tags.get(op.job, {}))
                if user_tags:
                    lines.append(f"{_INDENT}tags: {_short(user_tags)}")
            for ch in _shown_changes(op):
                lines += _change_lines(ch)
    lines += _refusals(plan)
    counts = summary(plan, hidden)
    tail = f"; {restamps} re-stamped only" if restamps else ""
    lines.append(
        f"stage {plan.stage}: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['delete']} to delete; {len(plan.unchanged_jobs)} jobs unchanged{tail}"
    )
    return "\n".join(lines)


def summary(plan: o.Plan, hidden: set[int] | None = None) -> dict[str, int]:
    """Changes a person counts: cronbridge's bookkeeping writes are not among them.
    ``hidden``: ``bookkeeping(plan)`` when the caller has it already."""
    hidden = bookkeeping(plan) if hidden is None else hidden
    counts = {"create": 0, "update": 0, "delete": 0}
    for op in plan.ops:
        if id(op) not in hidden:
            counts[op.action] += 1
    return counts


def render_json(plan: o.Plan) -> dict[str, Any]:
    hidden = bookkeeping(plan)
    return {
        "version": JSON_VERSION,
        "stage": plan.stage,
        "changes": plan.has_changes,
        "summary": summary(plan, hidden),
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
                # Not in the summary nor the text: cronbridge's own records (see bookkeeping).
                "bookkeeping": id(op) in hidden,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in op.changes],
            }
            for op in plan.ops
        ],
    }
