"""``--target JOB``: narrow a plan to some jobs' operations, as Terraform's ``-target`` does.

A targeted job keeps all of its own operations, in the plan's order; the stage's shared
resources it depends on come along (every job needs the runs table, the dead-letter queue
and the retry group; a Scheduler job needs the scheduler role and the jobs group), so their
creates and updates stay. Other jobs' changes, and shared deletions (destroy only), are
left for a later full deploy. Pure: no AWS calls.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from scheduler.deploy import ops as o
from scheduler.deploy.render import bookkeeping
from scheduler.errors import UsageError


@dataclass(frozen=True)
class Targeted:
    plan: o.Plan  # the narrowed plan: what will be applied
    targets: tuple[str, ...]
    left_out: int  # changes of the full plan not applied (as the plan text counts them)
    left_out_jobs: tuple[str, ...]  # jobs whose changes wait for a full deploy


def check_targets(targets: Sequence[str], known: Collection[str], plan: o.Plan) -> None:
    """Every target must be a catalogue job or a job the plan touches (a removed job)."""
    names = set(known) | {op.job for op in plan.ops if op.job}
    for target in targets:
        if target not in names:
            near = difflib.get_close_matches(target, sorted(names), n=3, cutoff=0.6)
            hint = (
                f"did you mean {' or '.join(repr(n) for n in near)}?"
                if near
                else "--target takes a job name from jobs.yaml (repeat it for several)"
            )
            raise UsageError(f"--target {target!r}: no such job in the catalogue", hint=hint)


def narrow(plan: o.Plan, targets: Sequence[str]) -> Targeted:
    wanted = set(targets)
    keep = [op for op in plan.ops if op.job in wanted or (op.job is None and op.action != "delete")]
    kept = {id(op) for op in keep}
    hidden = bookkeeping(plan)  # counted as the plan text counts: tag stamps are not changes
    left = [op for op in plan.ops if id(op) not in kept and id(op) not in hidden]
    narrowed = dataclasses.replace(
        plan,
        ops=tuple(keep),
        # Jobs outside the target are not "unchanged", only not applied now.
        unchanged_jobs=tuple(j for j in plan.unchanged_jobs if j in wanted),
    )
    return Targeted(
        plan=narrowed,
        targets=tuple(dict.fromkeys(targets)),
        left_out=len(left),
        left_out_jobs=tuple(dict.fromkeys(op.job for op in left if op.job)),
    )


def describe_partial(targeted: Targeted) -> str:
    """One line saying the apply is partial, and what it leaves for later."""
    jobs = ", ".join(targeted.targets)
    one = len(targeted.targets) == 1
    needs = "it needs" if one else "they need"
    what = f"only job{'' if one else 's'} {jobs} and the shared resources {needs}"
    n = targeted.left_out
    if not n:
        return f"partial: {what}; nothing else differs"
    rest = f"{n} other change{'s' if n != 1 else ''} not applied"
    if targeted.left_out_jobs:
        rest += f" (jobs: {', '.join(targeted.left_out_jobs)})"
    return f"partial: {what}; {rest}"
