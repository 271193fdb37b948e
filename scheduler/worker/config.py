"""The worker's settings, read from the function's environment (see ``scheduler.contract``).

Deploy writes these variables; the local executor sets the same ones. The retry policy is
re-implemented here as a tiny dataclass (same formula as the catalogue's ``RetryPolicy``)
because the worker must not import pydantic or the catalogue at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.errors import CronbridgeError


@dataclass(frozen=True)
class RetrySettings:
    retries: int = 0
    delay: int = 60
    backoff: float = 2.0
    max_delay: int = 900

    def delay_before(self, retry_number: int) -> int:
        """Seconds before retry ``retry_number`` (1 = the first retry)."""
        raw = self.delay * self.backoff ** max(0, retry_number - 1)
        return int(min(raw, self.max_delay))

    @classmethod
    def from_json(cls, text: str | None) -> RetrySettings:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            retries=int(data.get("retries", 0)),
            delay=int(data.get("delay", 60)),
            backoff=float(data.get("backoff", 2.0)),
            max_delay=int(data.get("max_delay", 900)),
        )


@dataclass(frozen=True)
class WorkerConfig:
    job: str
    handler: str
    table: str
    stage: str = "dev"
    dlq_url: str = ""
    retry: RetrySettings = field(default_factory=RetrySettings)
    overlap: str = "skip"
    timeout: int = 60
    retention_days: int = 30
    retry_group: str = ""
    retry_role_arn: str = ""
    function_arn: str | None = None
    # "minute" on AWS (EventBridge Scheduler's at() fires within its minute); local mode
    # sets "second" so a 10 s demo retry stays 10 s.
    retry_precision: str = "minute"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WorkerConfig:
        missing = [k for k in (C.ENV_JOB, C.ENV_HANDLER, C.ENV_TABLE) if not env.get(k)]
        if missing:
            raise CronbridgeError(
                f"worker environment lacks {', '.join(missing)}",
                hint="deploy sets these on every job function; redeploy the stage",
            )
        try:
            retry = RetrySettings.from_json(env.get(C.ENV_RETRY))
        except (ValueError, TypeError) as exc:
            raise CronbridgeError(f"{C.ENV_RETRY} is not valid JSON: {exc}") from exc
        return cls(
            job=env[C.ENV_JOB],
            handler=env[C.ENV_HANDLER],
            table=env[C.ENV_TABLE],
            stage=env.get(C.ENV_STAGE, "dev"),
            dlq_url=env.get(C.ENV_DLQ_URL, ""),
            retry=retry,
            overlap=env.get(C.ENV_OVERLAP, "skip") or "skip",
            timeout=int(env.get(C.ENV_TIMEOUT, "60") or 60),
            retention_days=int(env.get(C.ENV_RETENTION_DAYS, "30") or 30),
            retry_group=env.get(C.ENV_RETRY_GROUP, ""),
            retry_role_arn=env.get(C.ENV_RETRY_ROLE_ARN, ""),
            function_arn=env.get(C.ENV_FUNCTION_ARN) or None,
            retry_precision=env.get(C.ENV_RETRY_PRECISION) or "minute",
        )
