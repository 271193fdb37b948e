"""One round of the stage's monitor: health, alerts told once, and catch-up runs.

For each watched job: read its newest runs and compute its health with
``scheduler.health`` (the code ``cronbridge status`` runs, so both always agree); compare
with the state last told (``alerts.notified``) and, on a change, store the new state with
a conditional write and publish only if that write won; then start the missed slots that
``catchup`` asks for through the injected ``Invoker`` (``lambda.invoke`` on AWS, a
one-time schedule the local ticker fires locally). Every dependency is injected; no boto3.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from scheduler import contract
from scheduler.alerts.message import error_text, health_alert
from scheduler.alerts.notified import Notified, NotifiedStore
from scheduler.alerts.sns import AlertPublisher
from scheduler.alerts.transitions import decide
from scheduler.clock import isoformat_z, parse_iso
from scheduler.health import job_health, recent_runs
from scheduler.invoke import Invoker
from scheduler.ledger.store import RunStore
from scheduler.monitor.catchup import catchup_input, missed_slots
from scheduler.monitor.jobs import MonitoredJob

log = logging.getLogger("cronbridge.monitor")


def deployed_jobs(lambda_client: Any, prefix: str, stage: str) -> list[MonitoredJob]:
    """The stage's watched jobs, from each function's ``CRONBRIDGE_MONITOR`` (ListFunctions
    returns every function's environment, 50 a page:
    https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html)."""
    start = f"{prefix}-{stage}-"
    out = []
    for page in lambda_client.get_paginator("list_functions").paginate():
        for fn in page.get("Functions", []):
            env = (fn.get("Environment") or {}).get("Variables") or {}
            text = env.get(contract.ENV_MONITOR)
            if fn.get("FunctionName", "").startswith(start) and text:
                try:
                    out.append(MonitoredJob.from_env(text))
                except (ValueError, KeyError, TypeError) as exc:
                    log.error(
                        "unreadable %s on %s: %s", contract.ENV_MONITOR, fn["FunctionName"], exc
                    )
    return sorted(out, key=lambda j: j.name)


class Monitor:
    def __init__(
        self,
        *,
        store: RunStore,
        notified: NotifiedStore,
        publisher: AlertPublisher,
        invoker: Invoker | None,
        stage: str,
        default_topic: str | None,
        pause_store: Any = None,
    ) -> None:
        self.pause_store = pause_store  # scheduler.operate.pauses.PauseStore, or None
        self.store = store
        self.notified = notified
        self.publisher = publisher
        self.invoker = invoker
        self.stage = stage
        self.default_topic = default_topic

    def round(self, jobs: Iterable[MonitoredJob], now: datetime) -> list[dict[str, Any]]:
        """Check every job once; one summary dict per job. A job's failure is logged and
        does not stop the others."""
        out = []
        pauses = self.pauses()
        for job in jobs:
            try:
                out.append(self.check(job, now, pauses.get(job.name)))
            except Exception as exc:
                log.exception("monitor: job %s failed", job.name)
                out.append({"job": job.name, "error": f"{type(exc).__name__}: {exc}"})
        return out

    def pauses(self) -> dict[str, Any]:
        """Every pause of the stage (``cronbridge pause``), by job: one Query per round."""
        if self.pause_store is None:
            return {}
        return {p.job: p for p in self.pause_store.all()}

    def check(self, job: MonitoredJob, now: datetime, pause: Any = None) -> dict[str, Any]:
        runs = recent_runs(self.store, job.name)
        # A paused job is PAUSED, never LATE, exactly as `status` says (same code, same pause).
        row = job_health(job, runs, now, pause)
        told = self._tell(job, row, runs, now)
        last = next((r for r in runs if r.trigger == "schedule"), None)
        slots = missed_slots(job, parse_iso(last.scheduled_for) if last else None, now, pause)
        started = []
        for slot in slots:
            if self.invoker is None:
                break
            self.invoker.start(job.name, catchup_input(job, slot))
            started.append(isoformat_z(slot))
        return {"job": job.name, "health": row["health"], "told": told, "catchup": started}

    def _tell(
        self, job: MonitoredJob, row: dict[str, Any], runs: list[Any], now: datetime
    ) -> str | None:
        seen = self.notified.get(job.name)
        decision = decide(seen.state, row["health"], job.notify)
        if not decision.store:
            return None
        if not self.notified.put(job.name, decision.state, seen, now):
            return None  # an overlapping round stored (and told) this change
        topic = job.topic or self.default_topic
        if decision.event is None or not topic:
            return None
        last_error = next((error_text(r.error) for r in runs if r.error), None)
        alert = health_alert(
            decision.event, job=job.name, stage=self.stage, row=row, last_error=last_error,
            at=isoformat_z(now),
        )  # fmt: skip
        try:
            self.publisher.publish(topic, alert)
        except Exception:
            # Undo the stored state, so the next round tells it again rather than never.
            self.notified.put(
                job.name, seen.state or "OK", Notified(decision.state, seen.version + 1), now
            )
            raise
        return decision.event
