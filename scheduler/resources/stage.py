"""The whole stage as compiled: ``DesiredState``, what compile returns and deploy consumes.

Shared resources, then jobs in catalogue order, plus the ownership tags every resource
carries and the extra packages the code zip must hold. Frozen dataclass, pure stdlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.resources.alerts import AlertTopic
from scheduler.resources.jobs import JobResources
from scheduler.resources.shared import SharedResources


@dataclass(frozen=True)
class DesiredState:
    """The whole stage as compiled: shared resources, then jobs in catalogue order."""

    prefix: str
    stage: str
    account_id: str
    region: str
    shared: SharedResources
    jobs: dict[str, JobResources]
    # Top-level packages the code zip must hold besides ``scheduler`` (from the handlers).
    packages: tuple[str, ...] = ()
    # Tags every resource carries; used to find what this stage owns.
    ownership_tags: dict[str, str] = field(default_factory=dict)
    # The stage's SNS topic for alerts; None when no job notifies without its own topic.
    alert_topic: AlertTopic | None = None
