"""What the monitor knows about one job: compiled by deploy, read back from the function.

Deploy writes ``MonitoredJob.to_env()`` into ``CRONBRIDGE_MONITOR`` on the function of
every job that has ``notify`` or ``catchup``; the monitor lists the stage's functions
(``ListFunctions`` returns each one's environment) and reads them back, so it watches what
is deployed, with no catalogue at run time. Its attributes are those ``scheduler.health``
reads from a catalogue job, so health is computed by the very same code as ``status``.
Pure and stdlib-only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class MonitoredJob:
    name: str
    schedule: str
    timezone: str
    grace: int
    timeout: int
    enabled: bool
    notify: tuple[str, ...] = ()
    topic: str | None = None  # None: the stage's topic
    catchup: str = "none"  # none | latest | all
    catchup_window: int = 21600  # seconds
    payload: dict[str, Any] = field(default_factory=dict)  # for catch-up runs only

    def to_env(self) -> str:
        data = asdict(self)
        data["notify"] = list(self.notify)
        if self.catchup == "none":
            data.pop("payload")  # Lambda allows 4 KB of environment in all
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_env(cls, text: str) -> MonitoredJob:
        data = json.loads(text)
        return cls(
            name=str(data["name"]),
            schedule=str(data["schedule"]),
            timezone=str(data.get("timezone") or "UTC"),
            grace=int(data.get("grace", 300)),
            timeout=int(data.get("timeout", 60)),
            enabled=bool(data.get("enabled", True)),
            notify=tuple(data.get("notify") or ()),
            topic=data.get("topic") or None,
            catchup=str(data.get("catchup") or "none"),
            catchup_window=int(data.get("catchup_window", 21600)),
            payload=dict(data.get("payload") or {}),
        )


def monitored_job(job: Any) -> MonitoredJob | None:
    """The monitor's view of a catalogue ``Job``, or None when it has nothing to watch."""
    events = tuple(job.alert_events)
    if not events and job.catchup == "none":
        return None
    return MonitoredJob(
        name=job.name,
        schedule=job.schedule,
        timezone=job.timezone,
        grace=job.grace,
        timeout=job.timeout,
        enabled=job.enabled,
        notify=events,
        topic=job.notify.topic if job.notify else None,
        catchup=job.catchup,
        catchup_window=job.catchup_window_seconds,
        payload=dict(job.payload),
    )
