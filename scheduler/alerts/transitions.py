"""Which change of a job's health is worth a message: the monitor's decision, pure.

The monitor computes each job's health every five minutes exactly as ``cronbridge status``
does (``scheduler.health``) and compares it with the last state it stored for the job. A
message goes out only on a change, so a job that stays FAILING is told once, not every
five minutes:

* into LATE -> ``late``; into FAILING or STUCK (a run RUNNING past its timeout: its worker
  died) -> ``failing``;
* from LATE, FAILING or STUCK back to OK -> ``recovered``;
* into OK from nothing, or into or out of DISABLED or PAUSED (``cronbridge pause``: a
  person chose it) -> nothing told, the state is stored.

``dead`` is not decided here: the worker sends it the moment a run is parked in the
dead-letter queue. A change is stored whatever the job subscribed to, so subscribing later
does not replay old news. Stdlib only; no AWS.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

EVENT_OF_TROUBLE = {"LATE": "late", "FAILING": "failing", "STUCK": "failing"}


@dataclass(frozen=True)
class Decision:
    """What the monitor does for one job this round."""

    state: str  # the health to remember
    store: bool  # the remembered state changes (one conditional write)
    event: str | None  # the alert to publish, or None (no change, or not subscribed)


def decide(previous: str | None, health: str, subscribed: Collection[str]) -> Decision:
    """The decision for a job last told ``previous`` (None: never) now at ``health``."""
    if previous == health:
        return Decision(health, store=False, event=None)
    if previous is None and health == "OK":
        return Decision(health, store=False, event=None)  # nothing happened worth a write
    event = EVENT_OF_TROUBLE.get(health)
    if health == "OK" and previous in EVENT_OF_TROUBLE:
        event = "recovered"
    if event is not None and EVENT_OF_TROUBLE.get(previous or "") == event and health != "OK":
        event = None  # FAILING <-> STUCK: the same news, already told
    return Decision(health, store=True, event=event if event in subscribed else None)
