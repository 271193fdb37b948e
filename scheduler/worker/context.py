"""``JobContext``: the ``ctx`` a job handler receives as ``handler(payload, ctx)``.

It carries the run's identity (job, run id, scheduled time, attempt, trigger), a logger
bound to those keys, and time through the injected ``Clock``: ``ctx.now()``,
``ctx.sleep(s)`` and ``ctx.remaining_time()`` (SECONDS, float) see simulated time under the
local simulator, so a handler that sleeps through ``ctx`` is testable in virtual time.
Stdlib only; never calls AWS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduler.clock import Clock, SystemClock


@dataclass
class JobContext:
    job: str
    run_id: str
    scheduled_time: datetime
    attempt: int
    trigger: str
    deadline: datetime
    logger: Any = field(default_factory=lambda: logging.getLogger("cronbridge.job"))
    request_id: str | None = None
    stage: str = "dev"
    clock: Clock = field(default_factory=SystemClock)

    def remaining_time(self) -> float:
        """Seconds left before the worker's deadline (the Lambda timeout), never negative."""
        return max(0.0, (self.deadline - self.clock.now()).total_seconds())

    def remaining_time_ms(self) -> int:
        """Milliseconds left, like Lambda's ``get_remaining_time_in_millis``."""
        return int(self.remaining_time() * 1000)

    def now(self) -> datetime:
        return self.clock.now()

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)
