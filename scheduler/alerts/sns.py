"""Publishing an alert to an SNS topic. The client comes from an injected factory and is
built on the first publish only, so the worker (which publishes ``dead`` on its rare dead
path) pays nothing for it at cold start. No boto3 import here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from scheduler.alerts.message import Alert


class AlertPublisher(Protocol):
    def publish(self, topic_arn: str, alert: Alert) -> None: ...


class SnsPublisher:
    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._factory = client_factory
        self._client: Any = None

    def publish(self, topic_arn: str, alert: Alert) -> None:
        if self._client is None:
            self._client = self._factory()
        self._client.publish(
            TopicArn=topic_arn,
            Subject=alert.subject,
            Message=alert.body,
            MessageAttributes=alert.attributes(),
        )
