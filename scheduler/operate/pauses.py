"""Pause records: who paused a job, why, until when, and what the pause switched off.

One item per paused job in the stage's runs table, all in one partition:
``pk=PAUSE  sk=JOB#<job>``. Why there, and not in tags on the rule or function:

* the runs table is the stage's ledger already, and every reader of a pause reads it too
  (``status``, the worker that ends a pause, ``plan``); one Query of the ``PAUSE``
  partition lists every pause of the stage, however many jobs it has, where tags would
  cost a ListTagsForResource per rule, and Scheduler schedules take no tags at all;
* the record keeps exactly which rules or schedules the pause turned off (a rule that was
  already DISABLED, say by ``enabled: false``, is not in it), so a resume turns on only
  those; and its ``pause_id`` lets the one-time resume schedule act only on the pause
  that armed it, never on a newer one;
* it has no ``expires_at``: TTL must never drop a pause.

Stdlib only, clients injected: the worker imports this (lazily) to end a pause.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, as in the ledger
from scheduler.clock import parse_iso
from scheduler.ledger.codec import from_item, to_item

PAUSE_PARTITION = "PAUSE"


def pause_key(job: str) -> dict[str, dict[str, str]]:
    return {C.TABLE_PK: {"S": PAUSE_PARTITION}, C.TABLE_SK: {"S": f"JOB#{job}"}}


@dataclass(frozen=True)
class Pause:
    job: str
    pause_id: str
    reason: str
    by: str  # the caller's identity (STS GetCallerIdentity ARN)
    paused_at: str  # ISO
    until: str | None = None  # ISO; None: until `cronbridge resume`
    rules: list[str] = field(default_factory=list)  # rule names this pause disabled
    schedules: list[str] = field(default_factory=list)  # schedule names (in ``group``)
    group: str = ""  # the stage's schedule group
    resume_schedule: str | None = None  # one-time schedule in the retries group
    # Set when the pause ended (kept, not deleted: health must not call the slots the pause
    # skipped LATE once the job runs again).
    resumed_at: str | None = None
    resumed_by: str | None = None

    @property
    def until_dt(self) -> datetime | None:
        return parse_iso(self.until) if self.until else None

    def expired(self, now: datetime) -> bool:
        until = self.until_dt
        return until is not None and until <= now

    @property
    def active(self) -> bool:
        """The job is paused (its rules or schedules are off) until a resume ends it."""
        return self.resumed_at is None

    @property
    def resumed_dt(self) -> datetime | None:
        return parse_iso(self.resumed_at) if self.resumed_at else None

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "pause_id": self.pause_id,
            "reason": self.reason,
            "by": self.by,
            "paused_at": self.paused_at,
            "until": self.until,
            "rules": list(self.rules),
            "schedules": list(self.schedules),
            "group": self.group,
            "resume_schedule": self.resume_schedule,
            "resumed_at": self.resumed_at,
            "resumed_by": self.resumed_by,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pause:
        return cls(
            job=str(data["job"]),
            pause_id=str(data.get("pause_id", "")),
            reason=str(data.get("reason", "")),
            by=str(data.get("by", "")),
            paused_at=str(data.get("paused_at", "")),
            until=data.get("until") or None,
            rules=[str(x) for x in data.get("rules") or []],
            schedules=[str(x) for x in data.get("schedules") or []],
            group=str(data.get("group", "")),
            resume_schedule=data.get("resume_schedule") or None,
            resumed_at=data.get("resumed_at") or None,
            resumed_by=data.get("resumed_by") or None,
        )


class PauseStore:
    """Pause items in the runs table (low-level DynamoDB client)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def get(self, job: str) -> Pause | None:
        item = self._client.get_item(
            TableName=self.table, Key=pause_key(job), ConsistentRead=True
        ).get("Item")
        return Pause.from_json(from_item(item)) if item else None

    def put(self, pause: Pause) -> None:
        item = {**pause_key(pause.job), **to_item(pause.to_json())}
        self._client.put_item(TableName=self.table, Item=item)

    def mark_resumed(self, job: str, pause_id: str, at: str, by: str) -> bool:
        """End pause ``pause_id`` iff it is still that pause and active; False if not."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key=pause_key(job),
                UpdateExpression="SET resumed_at = :at, resumed_by = :by",
                ConditionExpression="pause_id = :id AND (attribute_not_exists(resumed_at) "
                "OR resumed_at = :null)",
                ExpressionAttributeValues={
                    ":id": {"S": pause_id},
                    ":at": {"S": at},
                    ":by": {"S": by},
                    ":null": {"NULL": True},
                },
            )
            return True
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return False
            raise

    def all(self) -> Iterator[Pause]:
        """Every pause of the stage: one Query of the PAUSE partition (paged)."""
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": C.TABLE_PK},
            "ExpressionAttributeValues": {":pk": {"S": PAUSE_PARTITION}},
        }
        while True:
            response = self._client.query(**params)
            for item in response.get("Items", []):
                yield Pause.from_json(from_item(item))
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            params = {**params, "ExclusiveStartKey": last}
