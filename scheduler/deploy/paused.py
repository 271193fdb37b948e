"""Plan and deploy leave a paused job paused, unless ``deploy --resume-paused``.

A pause (``cronbridge pause``, recorded in the runs table under ``pk=PAUSE``; see
``scheduler.operate.pauses``) turns a job's rules or schedules off without editing
``jobs.yaml``. Left alone, the next plan would see them DISABLED where the catalogue says
ENABLED and turn them back on. So the plan reads the stage's pauses (one Query) and holds
each paused rule or schedule DISABLED in the desired state (``hold``); the job's
fingerprint ignores the hold, so a paused job with no other change plans nothing, and one
with a change is updated but stays off. The plan carries a note per paused job.
``--resume-paused`` skips the hold, so the plan turns them back on like any other state
difference, and after the apply ``end_pauses`` marks those pauses resumed and deletes
their expiry schedules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from scheduler import contract, names
from scheduler.clock import isoformat_z
from scheduler.deploy.awsapi import AwsApi
from scheduler.ledger.codec import from_item
from scheduler.resources import DesiredState

# scheduler.operate.pauses.PAUSE_PARTITION; not imported: deploy does not import operate.
PAUSE_PARTITION = "PAUSE"


@dataclass(frozen=True)
class StagePause:
    """An active pause, as plan and deploy need it."""

    job: str
    pause_id: str
    reason: str
    until: str | None
    rules: tuple[str, ...]
    schedules: tuple[str, ...]
    resume_schedule: str | None

    def note(self, resuming: bool) -> str:
        until = f"until {self.until}" if self.until else "until resumed"
        if resuming:
            return f"job {self.job} is paused ({self.reason}): --resume-paused turns it back on"
        return (
            f"job {self.job} is paused {until} ({self.reason}): left paused; "
            "`cronbridge resume` or `deploy --resume-paused` turns it back on"
        )


def read_pauses(api: AwsApi, desired: DesiredState) -> dict[str, StagePause]:
    """Active pauses of the stage (one paged Query); none when the table is not there yet."""
    return read_table_pauses(api, desired.shared.table.name)


def read_table_pauses(api: AwsApi, table: str) -> dict[str, StagePause]:
    """``read_pauses`` by the runs table's name (the plan reads it before compiling)."""
    out: dict[str, StagePause] = {}
    for item in api.pages(
        "dynamodb",
        "query",
        table,
        "Items",
        TableName=table,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": contract.TABLE_PK},
        ExpressionAttributeValues={":pk": {"S": PAUSE_PARTITION}},
    ):
        data = from_item(item)
        if data.get("resumed_at"):
            continue
        pause = StagePause(
            job=str(data["job"]),
            pause_id=str(data.get("pause_id", "")),
            reason=str(data.get("reason", "")),
            until=data.get("until") or None,
            rules=tuple(str(x) for x in data.get("rules") or ()),
            schedules=tuple(str(x) for x in data.get("schedules") or ()),
            resume_schedule=data.get("resume_schedule") or None,
        )
        out[pause.job] = pause
    return out


def hold(desired: DesiredState, pauses: dict[str, StagePause]) -> DesiredState:
    """``desired`` with every paused, otherwise ENABLED rule or schedule held DISABLED."""
    jobs = dict(desired.jobs)
    for job, pause in pauses.items():
        res = jobs.get(job)
        if res is None:
            continue  # a paused job removed from the catalogue: prune deletes it as usual
        held = set(pause.rules) | set(pause.schedules)
        rules = tuple(
            dataclasses.replace(r, state="DISABLED")
            if r.name in held and r.state == "ENABLED"
            else r
            for r in res.rules
        )
        schedules = tuple(
            dataclasses.replace(s, state="DISABLED")
            if s.name in held and s.state == "ENABLED"
            else s
            for s in res.schedules
        )
        # Only what the catalogue has ENABLED is held (a job since set `enabled: false`
        # is simply DISABLED, and its fingerprint must say so).
        names_held = frozenset(
            [r.name for r in res.rules if r.name in held and r.state == "ENABLED"]
            + [s.name for s in res.schedules if s.name in held and s.state == "ENABLED"]
        )
        jobs[job] = dataclasses.replace(res, rules=rules, schedules=schedules, held=names_held)
    return dataclasses.replace(desired, jobs=jobs)


def end_pauses(
    api: AwsApi, desired: DesiredState, pauses: dict[str, StagePause], now: datetime
) -> None:
    """After ``deploy --resume-paused`` applied: each pause is over, its expiry disarmed."""
    table = desired.shared.table.name
    retry_group = names.retry_schedule_group(desired.prefix, desired.stage)
    for pause in pauses.values():
        if pause.resume_schedule:
            api.maybe(
                "scheduler",
                "delete_schedule",
                f"{retry_group}/{pause.resume_schedule}",
                GroupName=retry_group,
                Name=pause.resume_schedule,
            )
        api.call(
            "dynamodb",
            "update_item",
            table,
            TableName=table,
            Key={
                contract.TABLE_PK: {"S": PAUSE_PARTITION},
                contract.TABLE_SK: {"S": f"JOB#{pause.job}"},
            },
            UpdateExpression="SET resumed_at = :at, resumed_by = :by",
            ExpressionAttributeValues={
                ":at": {"S": isoformat_z(now)},
                ":by": {"S": "deploy --resume-paused"},
            },
        )
