"""Lambda entry of every job function: ``scheduler.worker.entry.handler``.

Cold start is kept lean on purpose: this module imports only the standard library, our
stdlib-only worker/ledger modules and the powertools Logger. No pydantic, yaml, croniter,
catalogue or schedule; boto3 and the powertools metrics module load on first use; AWS
clients (low-level, never resources) are built on first use and cached per container.

Three ways to drive the worker:

* Lambda / local child process: ``handler(event, context)`` builds one runtime per
  process from ``os.environ`` (``AWS_ENDPOINT_URL`` is honoured by boto3 itself).
* In-process (the local simulator, tests): ``build_runtime(env, clients=..., clock=...)``
  returns a ``WorkerRuntime`` wired from an env mapping and injected clients/clock; call
  ``runtime.handle(event, context_or_None)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from aws_lambda_powertools.logging import Logger

from scheduler.clock import Clock, SystemClock
from scheduler.dlq.sender import SqsDeadLetterSender
from scheduler.ledger.dynamodb import DynamoRunStore
from scheduler.ledger.model import RunStatus
from scheduler.worker.config import WorkerConfig
from scheduler.worker.loader import HandlerFn, load_handler
from scheduler.worker.retry import SchedulerRetryScheduler, queue_arn_from_url
from scheduler.worker.runtime import HandlerLoader, MetricsSink, WorkerRuntime
from scheduler.worker.secrets import resolve_secrets

METRICS_NAMESPACE = "cronbridge"

logger = Logger(service="cronbridge", use_rfc3339=True)


class ClientSource:
    """Anything with ``client(service)`` returning a boto3 client (e.g. ``AwsClients``)."""

    def client(self, service: str) -> Any:  # pragma: no cover - protocol-like base
        raise NotImplementedError


class LazyClient:
    """Defers building a boto3 client until the first API call through it."""

    def __init__(self, source: Any, service: str) -> None:
        self._source = source
        self._service = service
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._source.client(self._service)
        return getattr(self._client, name)


class PowertoolsMetrics:
    """EMF metrics per job: RunsSucceeded / RunsFailed (Count) and Duration (ms).

    ``EphemeralMetrics`` (not the shared ``Metrics`` singleton) so concurrent in-process
    runs never flush each other's dimensions; one EMF blob per attempt on stdout.
    """

    def __init__(self, stage: str, namespace: str = METRICS_NAMESPACE) -> None:
        self.stage = stage
        self.namespace = namespace

    def record(self, job: str, outcome: RunStatus, duration_ms: int) -> None:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace=self.namespace, service="cronbridge")
        metrics.add_dimension(name="stage", value=self.stage)
        metrics.add_dimension(name="job", value=job)
        name = "RunsSucceeded" if outcome is RunStatus.SUCCEEDED else "RunsFailed"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Duration", unit=MetricUnit.Milliseconds, value=duration_ms)
        metrics.flush_metrics()


def secrets_then_load(env: MutableMapping[str, str], clients: Any) -> HandlerLoader:
    """A handler loader that first resolves ``ssm:`` env references (once)."""
    resolved = False

    def load(spec: str) -> HandlerFn:
        nonlocal resolved
        if not resolved:
            resolve_secrets(env, lambda: clients.client("ssm"))
            resolved = True
        return load_handler(spec)

    return load


def build_runtime(
    env: Mapping[str, str],
    clients: Any = None,
    clock: Clock | None = None,
    *,
    handler_loader: HandlerLoader | None = None,
    metrics: MetricsSink | None = None,
    log: Any = None,
    threaded: bool = True,
    watchdog_margin: float | None = None,
) -> WorkerRuntime:
    """A ``WorkerRuntime`` from the function's env and a client source (lazy clients).

    ``clients`` is anything with ``client(service)``; default: ``AwsClients()`` (boto3's
    usual region/credentials/``AWS_ENDPOINT_URL`` resolution). ``handler_loader`` defaults
    to importing ``CRONBRIDGE_HANDLER`` after resolving ``ssm:`` refs in ``os.environ``.
    """
    config = WorkerConfig.from_env(env)
    if clients is None:
        from scheduler.awsclients import AwsClients

        clients = AwsClients(region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"))
    dead_letter_arn = (
        queue_arn_from_url(config.dlq_url, config.function_arn)
        if config.dlq_url and config.function_arn
        else None
    )
    return WorkerRuntime(
        clock=clock or SystemClock(),
        ledger=DynamoRunStore(LazyClient(clients, "dynamodb"), config.table),
        dlq_sender=SqsDeadLetterSender(LazyClient(clients, "sqs"), config.dlq_url),
        retry_scheduler=SchedulerRetryScheduler(
            LazyClient(clients, "scheduler"),
            config.retry_group,
            config.retry_role_arn,
            dead_letter_arn,
        ),
        handler_loader=handler_loader or secrets_then_load(os.environ, clients),
        config=config,
        logger=log if log is not None else logger,
        metrics=metrics if metrics is not None else PowertoolsMetrics(config.stage),
        threaded=threaded,
        watchdog_margin=watchdog_margin,
    )


_runtime: WorkerRuntime | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda handler: one runtime per container, built on the first invocation."""
    global _runtime  # noqa: PLW0603 - one runtime per Lambda container
    if _runtime is None:
        _runtime = build_runtime(os.environ)
    return _runtime.handle(event, context)
