"""Undelivered scheduled events: decoding them, and rebuilding the input they should have been.

When EventBridge cannot deliver a rule's event to its target, the target's dead-letter
queue gets the *original event* (the ``Scheduled Event`` with ``time`` and ``id``), not the
InputTransformer's output, so the message names no job and carries no payload. What it
does carry (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html,
"Using dead-letter queues to process undelivered events"): the message attributes
``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE`` (and, after retries,
``EXHAUSTED_RETRY_CONDITION`` and ``RETRY_ATTEMPTS``).

The job comes from the target function's name (``<prefix>-<stage>-<job>``), or else from
the rule's name (``<prefix>-<stage>-<job>`` or ``...-<job>-<n>`` when a job owns several
rules); the slot is the event's ``time`` truncated to the minute. Redrive rebuilds the
input exactly as the rule would have delivered it (the live target's InputTransformer
applied to the original event), so the worker runs it as that slot's scheduled run,
under the same exactly-once run key: a slot that already ran is not run again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from scheduler.clock import isoformat_z, parse_iso
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.target_input import render_input_transformer

SCHEDULED_EVENT = "Scheduled Event"
_RULE_SUFFIX = re.compile(r"^(?P<job>.+)-(?P<n>[1-9][0-9]?)$")


def is_scheduled_event(body: Any) -> bool:
    """Whether a DLQ body is a rule's raw scheduled event (not a worker input)."""
    return (
        isinstance(body, dict)
        and body.get("detail-type") == SCHEDULED_EVENT
        and body.get("source") == "aws.events"
        and isinstance(body.get("time"), str)
    )


def slot_of(event: Mapping[str, Any]) -> str:
    """The scheduled minute of a scheduled event, as the worker keys its run."""
    when = parse_iso(str(event["time"])).replace(second=0, microsecond=0)
    return isoformat_z(when)


def rule_name_of(rule_arn: str) -> str:
    """``arn:aws:events:r:acct:rule/NAME`` (or ``rule/BUS/NAME``) -> NAME."""
    return rule_arn.rsplit("/", 1)[-1]


def _after_base(name: str) -> str | None:
    # Prefix and stage are letters and digits only (scheduler.names), so the job part of
    # <prefix>-<stage>-<rest> is everything after the second hyphen.
    parts = name.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] else None


def job_from_function_arn(arn: str | None) -> str | None:
    """``arn:aws:lambda:r:acct:function:<prefix>-<stage>-<job>[:qualifier]`` -> job."""
    parts = (arn or "").split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return _after_base(parts[6])
    return None


def job_from_rule_name(name: str, known_jobs: Collection[str] | None = None) -> str | None:
    """The job a rule named ``<prefix>-<stage>-<job>[-<n>]`` belongs to.

    ``known_jobs`` (the catalogue's) settles ``x-1``: job ``x-1``, or job ``x``'s first
    rule (the compiler refuses catalogues where both exist). Without it, a name ending in
    ``-<n>`` is ambiguous and gives None; redrive then reads the live rule's target.
    """
    rest = _after_base(name)
    if rest is None:
        return None
    suffixed = _RULE_SUFFIX.match(rest)
    if known_jobs is not None:
        if rest in known_jobs:
            return rest
        if suffixed and suffixed.group("job") in known_jobs:
            return suffixed.group("job")
        return None
    return None if suffixed else rest


class RuleInputRebuilder:
    """Rebuilds the worker input a rule would have delivered for an undelivered event.

    Reads the rule's live target (``events:ListTargetsByRule``) and applies its
    InputTransformer to the original event. If the rule or its target is gone, the job's
    payload in the catalogue (when one is at hand) stands in for the template.
    """

    def __init__(
        self, events_client: Any, catalogue_payloads: Mapping[str, dict[str, Any]] | None = None
    ) -> None:
        self._events = events_client
        self._payloads = dict(catalogue_payloads or {})

    def __call__(
        self, event: Mapping[str, Any], rule_arn: str, target_arn: str | None, job: str | None
    ) -> dict[str, Any]:
        rule = rule_name_of(rule_arn)
        target = self._live_target(rule, target_arn)
        if target is not None:
            worker_input = _render(target, event, rule)
        elif job is not None and job in self._payloads:
            worker_input = {
                "job": job,
                "trigger": "schedule",
                "scheduled_time": event["time"],
                "event_id": event.get("id"),
                "payload": self._payloads[job],
            }
        else:
            raise CronbridgeError(
                f"rule {rule} no longer has a worker target and no jobs.yaml here names "
                f"job {job or '?'}, so the input of its undelivered event cannot be rebuilt",
                hint="run `dlq redrive` beside the jobs.yaml that defines the job (-f PATH), "
                "or drop the message with `dlq purge`",
            )
        if worker_input.get("trigger", "schedule") != "schedule" or not worker_input.get("job"):
            raise CronbridgeError(
                f"rule {rule}'s target does not send a cronbridge scheduled-run input",
                hint="redeploy the stage (`cronbridge deploy`), then redrive again",
            )
        # The slot is the event's minute whatever the template says: that is the run key.
        worker_input["scheduled_time"] = slot_of(event)
        return worker_input

    def _live_target(self, rule: str, target_arn: str | None) -> dict[str, Any] | None:
        try:
            targets = self._events.list_targets_by_rule(Rule=rule).get("Targets", [])
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                return None
            raise AwsCallError.from_exception(exc, "events:ListTargetsByRule", rule) from exc
        for target in targets:
            if target_arn is None or target.get("Arn") == target_arn:
                return dict(target)
        return None


def _render(target: Mapping[str, Any], event: Mapping[str, Any], rule: str) -> dict[str, Any]:
    transformer = target.get("InputTransformer")
    if transformer:
        text = render_input_transformer(
            str(transformer.get("InputTemplate", "")),
            dict(transformer.get("InputPathsMap") or {}),
            dict(event),
            rule_name=rule,
        )
    elif target.get("Input"):
        text = str(target["Input"])
    else:
        return dict(event)  # the whole event: not a worker input; refused by the caller
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CronbridgeError(
            f"rule {rule}'s target input is not JSON ({exc})",
            hint="redeploy the stage (`cronbridge deploy`), then redrive again",
        ) from exc
    return value if isinstance(value, dict) else {}
