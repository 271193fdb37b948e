"""The stage's alert topic: an SNS topic alerts are published to (``scheduler.alerts``).

Deploy creates it when some job has ``notify`` without a topic ARN of its own; the
monitor function and the workers of jobs notified of ``dead`` publish to it. Frozen
dataclass, pure stdlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.resources.fingerprint import Specced


@dataclass(frozen=True)
class AlertTopic(Specced):
    """``<prefix>-<stage>-alerts``: a standard topic, no attributes beyond its tags."""

    name: str
    arn: str
    tags: dict[str, str] = field(default_factory=dict)
