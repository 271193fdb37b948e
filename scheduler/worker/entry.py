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

from scheduler import contract
from scheduler.alerts.dead import AlertingDeadLetterSender
from scheduler.alerts.sns import SnsPublisher
from scheduler.clock import Clock, SystemClock
from scheduler.dlq.sender import DeadLetterSender, SqsDeadLetterSender
from scheduler.ledger.dynamodb import DynamoRunStore
from scheduler.ledger.model import RunStatus
from scheduler.ledger.store import RunStore
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


# The watchdog has ``WATCHDOG_MIN_MARGIN_SECONDS`` for its calls, so they must fail fast
# rather than sit in botocore's defaults (60 s read timeout, 5 attempts in standard mode).
WORKER_CONNECT_TIMEOUT = 1.0
WORKER_READ_TIMEOUT = 2.0
WORKER_MAX_ATTEMPTS = 2  # total, the first try included


def worker_client_config() -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=WORKER_CONNECT_TIMEOUT,
        read_timeout=WORKER_READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": WORKER_MAX_ATTEMPTS},
    )


class WorkerClients:
    """boto3 clients for the worker: short timeouts, few attempts, one session, cached."""

    def __init__(self, region: str | None = None) -> None:
        self.region = region
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                import boto3

                self._session = boto3.session.Session()
            self._clients[service] = self._session.client(
                service, region_name=self.region, config=worker_client_config()
            )
        return self._clients[service]


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
    ledger: RunStore | None = None,
) -> WorkerRuntime:
    """A ``WorkerRuntime`` from the function's env and a client source (lazy clients).

    ``clients`` is anything with ``client(service)``; default: ``AwsClients()`` (boto3's
    usual region/credentials/``AWS_ENDPOINT_URL`` resolution). ``handler_loader`` defaults
    to importing ``CRONBRIDGE_HANDLER`` after resolving ``ssm:`` refs in ``os.environ``.
    ``ledger`` defaults to the DynamoDB store on ``CRONBRIDGE_TABLE`` (the simulator hands
    its in-process store).
    """
    config = WorkerConfig.from_env(env)
    if clients is None:
        clients = WorkerClients(region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"))
    # Built now (the first invocation of a container, not at import): the watchdog's calls
    # must not spend its margin building a client while the deadline approaches.
    ddb, sqs, scheduler = (clients.client(s) for s in ("dynamodb", "sqs", "scheduler"))
    dead_letter_arn = (
        queue_arn_from_url(config.dlq_url, config.function_arn)
        if config.dlq_url and config.function_arn
        else None
    )
    clock = clock or SystemClock()
    dlq_sender: DeadLetterSender = SqsDeadLetterSender(sqs, config.dlq_url)
    topic = env.get(contract.ENV_ALERT_TOPIC)
    if topic:  # the job's notify has ``dead``: tell it beside the dead letter
        dlq_sender = AlertingDeadLetterSender(
            dlq_sender,
            SnsPublisher(lambda: clients.client("sns")),
            topic,
            config.stage,
            clock,
            log if log is not None else logger,
        )
    return WorkerRuntime(
        clock=clock,
        ledger=ledger if ledger is not None else DynamoRunStore(ddb, config.table),
        dlq_sender=dlq_sender,
        retry_scheduler=SchedulerRetryScheduler(
            scheduler,
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
        pause_ender=_pause_ender(clients, config),
    )


def _pause_ender(clients: Any, config: WorkerConfig) -> Any:
    def end(pause_id: str, now: Any) -> dict[str, Any]:
        # Imported here: only the rare resume delivery pays for it, never a cold start.
        from scheduler.operate.toggle import end_expired_pause

        return end_expired_pause(clients, config.table, config.job, pause_id, now)

    return end


_runtime: WorkerRuntime | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda handler: one runtime per container, built on the first invocation."""
    global _runtime  # noqa: PLW0603 - one runtime per Lambda container
    if _runtime is None:
        _runtime = build_runtime(os.environ)
    return _runtime.handle(event, context)
