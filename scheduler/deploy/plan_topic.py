"""The stage's alert topic in a plan: create, retag, or delete it. Pure: no AWS calls.

The topic has nothing desired but its name and tags (ownership and fingerprint), so the
diff is: absent -> ``PutTopic(create)``; present and ours with another fingerprint ->
``PutTopic(update)`` (tags only); present and not ours -> a conflict that stops the plan;
present, ours and no longer desired (no job notifies without its own topic, or destroy)
-> ``DeleteTopic``. A topic put goes first in the plan (functions name it in their
environment), a delete last. What is live comes from ``apply_topic.read_topic`` (SNS's
own read); the tagging API only points at a stray topic to read.
"""

from __future__ import annotations

import dataclasses

from scheduler import contract, names
from scheduler.deploy import ops as o
from scheduler.deploy import ops_topic
from scheduler.deploy.ownership import Owner
from scheduler.errors import CronbridgeError
from scheduler.resources import DesiredState


def stray_topic_arn(desired: DesiredState, hints: dict[str, dict[str, str]]) -> str | None:
    """The stage topic's ARN when the tagging API lists it but nothing desires it."""
    name = names.alert_topic(desired.prefix, desired.stage)
    if desired.alert_topic is not None:
        return None
    for arn in hints:
        if arn.startswith("arn:") and arn.split(":")[2] == "sns" and arn.rsplit(":", 1)[-1] == name:
            return arn
    return None


def topic_ops(
    desired: DesiredState,
    live_tags: dict[str, str] | None,
    *,
    stray: tuple[str, dict[str, str] | None] | None,
    refresh: bool = False,
) -> tuple[list[o.Op], list[o.Op]]:
    """(ops to run first, ops to run last) for the stage's topic.

    ``live_tags``: the desired topic's tags as read from SNS (None: absent). ``stray``:
    (ARN, tags read from SNS or None when gone) of an owned-looking topic nobody desires.
    """
    owner = Owner(desired.prefix, desired.stage)
    first: list[o.Op] = []
    last: list[o.Op] = []
    want = desired.alert_topic
    if want is not None:
        if live_tags is None:
            first.append(ops_topic.PutTopic(topic=want))
        elif not owner.owns(live_tags, want.name):
            raise CronbridgeError(
                f"an SNS topic named {want.name} exists but does not belong to stage "
                f"{desired.stage} (its ownership tags differ)",
                hint="rename or delete that topic, or give the jobs `notify: {topic: ARN}`",
            )
        elif live_tags.get(contract.TAG_SPEC_HASH) != want.spec_hash or (
            refresh
            and ({k: v for k, v in live_tags.items() if k != contract.TAG_SPEC_HASH} != want.tags)
        ):
            change = o.Change("tags", live_tags.get(contract.TAG_SPEC_HASH), want.spec_hash)
            first.append(ops_topic.PutTopic(topic=want, action="update", changes=(change,)))
    if stray is not None:
        arn, tags = stray
        name = arn.rsplit(":", 1)[-1]
        if tags is not None and owner.owns(tags, name):
            last.append(ops_topic.DeleteTopic(name=name, arn=arn))
    return first, last


def with_topic(plan: o.Plan, first: list[o.Op], last: list[o.Op]) -> o.Plan:
    if not first and not last:
        return plan
    return dataclasses.replace(plan, ops=(*first, *plan.ops, *last))
