"""Helpers for job authors: unit-test a handler with a fake ``ctx``, no AWS needed.

    from scheduler.testing import make_context, invoke

    def test_nightly_report():
        result = invoke("jobs.reports:nightly", {"region": "eu"}, attempt=2)
        assert result["rows"] > 0

    def test_uses_remaining_time():
        ctx = make_context(job="nightly-report", timeout=5)
        ...

``ctx`` is the real ``JobContext`` the worker passes: job, run_id, scheduled_time, attempt,
trigger, logger, ``remaining_time()`` (seconds), ``now()`` and ``sleep()``. Pass
``clock=`` to run a handler in virtual time (``sleep`` then advances that clock).
Nothing here touches the ledger, retries or AWS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from scheduler.clock import Clock, SystemClock
from scheduler.ledger.model import new_run_id, scheduled_run_id
from scheduler.worker.context import JobContext
from scheduler.worker.loader import load_handler


def make_context(
    *,
    job: str = "test-job",
    run_id: str | None = None,
    attempt: int = 1,
    trigger: str = "manual",
    scheduled_time: datetime | None = None,
    timeout: float = 60.0,
    clock: Clock | None = None,
    logger: Any = None,
    request_id: str = "test-request",
    stage: str = "test",
) -> JobContext:
    """A ``JobContext`` like the worker's, with ``timeout`` seconds left from now."""
    clock = clock or SystemClock()
    now = clock.now()
    scheduled = scheduled_time or now
    if run_id is None:
        run_id = scheduled_run_id(job, scheduled) if trigger == "schedule" else new_run_id(job, now)
    return JobContext(
        job=job,
        run_id=run_id,
        scheduled_time=scheduled,
        attempt=attempt,
        trigger=trigger,
        deadline=now + timedelta(seconds=timeout),
        logger=logger or logging.getLogger(f"cronbridge.job.{job}"),
        request_id=request_id,
        stage=stage,
        clock=clock,
    )


def invoke(
    handler: str | Callable[[dict[str, Any], Any], Any],
    payload: dict[str, Any] | None = None,
    **context: Any,
) -> Any:
    """Call ``handler`` (a function or ``"pkg.module:function"``) as the worker would.

    Keyword arguments go to ``make_context``. Exceptions propagate, so a test can assert
    on them with ``pytest.raises``.
    """
    fn = load_handler(handler) if isinstance(handler, str) else handler
    if isinstance(handler, str) and "job" not in context:
        context["job"] = handler.partition(":")[2].replace("_", "-") or "test-job"
    return fn(dict(payload or {}), make_context(**context))
