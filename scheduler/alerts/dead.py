"""The worker's own ``dead`` alert, sent right after the run's dead letter.

``AlertingDeadLetterSender`` wraps the worker's dead-letter sender: the worker sends a
dead-run message exactly once per DEAD run (after the ledger's conditional DEAD write), so
publishing beside that send tells each dead run exactly once, with no state of its own.
A failed publish is logged and swallowed: the run is already DEAD and dead-lettered, and
raising would only make Lambda record a spurious on-failure. Stdlib only (cold start); the
SNS client is built by the publisher on its first use.
"""

from __future__ import annotations

from typing import Any

from scheduler.alerts.message import dead_alert
from scheduler.alerts.sns import AlertPublisher
from scheduler.clock import Clock, isoformat_z
from scheduler.dlq.sender import DEAD_RUN_KIND, DeadLetterSender


class AlertingDeadLetterSender:
    def __init__(  # noqa: PLR0917 - the wrapped sender and what an alert needs
        self,
        inner: DeadLetterSender,
        publisher: AlertPublisher,
        topic_arn: str,
        stage: str,
        clock: Clock,
        logger: Any,
    ) -> None:
        self.inner = inner
        self.publisher = publisher
        self.topic_arn = topic_arn
        self.stage = stage
        self.clock = clock
        self.logger = logger

    def send(self, message: dict[str, Any]) -> None:
        self.inner.send(message)
        if message.get("kind") != DEAD_RUN_KIND:
            return
        alert = dead_alert(
            job=str(message.get("job", "")),
            stage=self.stage,
            run_id=str(message.get("run_id", "")),
            scheduled_time=str(message.get("scheduled_time", "")),
            attempts=len(message.get("attempts") or []) or 1,
            error=message.get("last_error"),
            at=isoformat_z(self.clock.now()),
        )
        try:
            self.publisher.publish(self.topic_arn, alert)
        except Exception:
            self.logger.exception("publishing the dead alert failed; the dead letter was sent")
