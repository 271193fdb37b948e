"""Plan operations on the stage's alert topic (``scheduler.alerts``), beside ``ops``.

Same vocabulary as ``scheduler.deploy.ops``: frozen dataclasses that describe themselves
and carry the desired object they apply. Pure data, no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.deploy.ops import Action, Changes, Op
from scheduler.resources import AlertTopic


@dataclass(frozen=True)
class PutTopic(Op):
    topic: AlertTopic
    action: Action = "create"
    changes: Changes = ()
    job: str | None = None
    kind: str = "alert topic"

    @property
    def resource(self) -> str:
        return self.topic.name


@dataclass(frozen=True)
class DeleteTopic(Op):
    name: str
    arn: str
    action: Action = "delete"
    job: str | None = None
    changes: Changes = ()
    kind: str = "alert topic"

    @property
    def resource(self) -> str:
        return self.name
