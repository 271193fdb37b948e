"""The local platform's alerts: what SNS delivered, copied to ``.cronbridge/alerts.log``.

Locally, alerts travel the same road as on AWS: the worker publishes ``dead`` and the
monitor the health changes to the stage's SNS topic in the emulator. ``AlertTap``
subscribes one SQS queue of its own (``<prefix>-<stage>-local-alerts``, not a deployed
resource) to every topic the stage's jobs use, and ``drain`` reads what arrived: each
alert is appended to the alert log and handed to the caller (the ``local up`` event log,
or the simulation's output). The "look closer" command is rewritten to ``--local``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler import contract, names
from scheduler.alerts.message import Alert

log = logging.getLogger(__name__)
ALERT_LOG = "alerts.log"


def local_alert(alert: Alert) -> Alert:
    """The alert with its command pointed at the local platform."""
    from dataclasses import replace

    return replace(alert, look=alert.look.replace(f" --stage {alert.stage}", " --local"))


def stage_topics(lambda_client: Any, prefix: str, stage: str) -> set[str]:
    """Every topic the stage's functions publish to (worker ``dead`` and the monitor's)."""
    from scheduler.monitor.jobs import MonitoredJob

    start = f"{prefix}-{stage}-"
    found: set[str] = set()
    for page in lambda_client.get_paginator("list_functions").paginate():
        for fn in page.get("Functions", []):
            if not str(fn.get("FunctionName", "")).startswith(start):
                continue
            env = (fn.get("Environment") or {}).get("Variables") or {}
            if env.get(contract.ENV_ALERT_TOPIC):
                found.add(env[contract.ENV_ALERT_TOPIC])
            if env.get(contract.ENV_MONITOR):
                topic = MonitoredJob.from_env(env[contract.ENV_MONITOR]).topic
                if topic:
                    found.add(topic)
    return found


class AlertTap:
    def __init__(
        self,
        clients: Any,
        *,
        prefix: str,
        stage: str,
        log_path: Path | None,
        emit: Callable[[Alert], None],
        published: Callable[[], int] | None = None,
    ) -> None:
        self._clients = clients
        self.prefix = prefix
        self.stage = stage
        self.log_path = log_path
        self._emit = emit
        self._url: str | None = None
        self._subscribed: set[str] = set()
        # How many SNS publishes were made so far, when the caller sees them all (the
        # simulator's watched clients): a drain after none reads nothing, and one stops
        # once it has that many messages. None (`local up`): read until the queue is empty.
        self._published = published
        self._drained = 0

    @property
    def queue_name(self) -> str:
        return f"{names.base(self.prefix, self.stage)}-local-alerts"

    def attach(self) -> list[str]:
        """Subscribe to the stage's topics (again after a redeploy); problems back as text."""
        sqs = self._clients.client("sqs")
        sns = self._clients.client("sns")
        if self._url is None:
            self._url = sqs.create_queue(QueueName=self.queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])
        queue_arn = arn["Attributes"]["QueueArn"]
        problems = []
        for topic in sorted(stage_topics(self._clients.client("lambda"), self.prefix, self.stage)):
            if topic in self._subscribed:
                continue
            try:
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
                self._subscribed.add(topic)
            except Exception as exc:  # an existing topic of a real account: not here
                problems.append(f"alerts to {topic} cannot be shown locally: {exc}")
                self._subscribed.add(topic)
        return problems

    def drain(self) -> list[Alert]:
        """Every alert delivered since the last drain, logged and emitted, oldest first."""
        if self._url is None:
            return []
        expected: int | None = None
        if self._published is not None:
            count = self._published()
            expected, self._drained = count - self._drained, count
            if expected <= 0:
                return []  # nothing published since the last drain: nothing is queued
        sqs = self._clients.client("sqs")
        out: list[Alert] = []
        while True:
            got = sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                break
            for message in got:
                try:
                    envelope = json.loads(message["Body"])
                    alert = Alert.from_attributes(
                        envelope.get("MessageAttributes") or {}, str(envelope.get("Message", ""))
                    )
                    out.append(local_alert(alert))
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("unreadable alert message: %s", exc)
            entries = [
                {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                for n, message in enumerate(got)
            ]
            sqs.delete_message_batch(QueueUrl=self._url, Entries=entries)
            if expected is not None:
                expected -= len(got)
                if expected <= 0:
                    break  # every publish is in: no empty receive to confirm it
        out.sort(key=lambda a: a.at)
        for alert in out:
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(alert.line() + "\n")
            self._emit(alert)
        return out


class LocalAlerts:
    """The local platform's monitor and alert tap together: ``route`` sends the monitor
    rule's firings to the in-process monitor (everything else to ``fire``), ``drain`` shows
    what SNS delivered."""

    def __init__(
        self,
        clients: Any,
        *,
        prefix: str,
        stage: str,
        clock: Any,
        log_path: Path | None,
        emit: Callable[[Alert], None],
        say: Callable[[str], None] | None = None,
        store_for: Callable[[str], Any] | None = None,
        published: Callable[[], int] | None = None,
    ) -> None:
        from scheduler.local.monitor import LocalMonitor

        self.monitor = LocalMonitor(
            clients, prefix=prefix, stage=stage, clock=clock, store_for=store_for
        )
        self.tap = AlertTap(
            clients, prefix=prefix, stage=stage, log_path=log_path, emit=emit,
            published=published,
        )  # fmt: skip
        self._say = say or (lambda text: None)
        self._warned: set[str] = set()

    def attach(self) -> None:
        for problem in self.tap.attach():
            if problem not in self._warned:
                self._warned.add(problem)
                self._say(f"warning: {problem}")

    def route(self, fire: Callable[[Any], None]) -> Callable[[Any], None]:
        def routed(firing: Any) -> None:
            if not self.monitor.handles(firing):
                fire(firing)
                return
            try:
                self.monitor.run()
            except Exception as exc:  # one failed round; the next comes in 5 minutes
                self._say(f"warning: monitor round failed: {type(exc).__name__}: {exc}")
            self.drain()

        return routed

    def drain(self) -> list[Alert]:
        try:
            return self.tap.drain()
        except Exception as exc:
            log.warning("reading alerts failed: %s", exc)
            return []
