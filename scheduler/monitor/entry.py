"""Lambda entry of the stage's monitor function: ``scheduler.monitor.entry.handler``.

EventBridge fires it every five minutes (the rule deploy makes beside it). One round reads
the watched jobs from the stage's functions, then for each job its newest runs, tells
health changes on SNS and starts catch-up runs with ``lambda.invoke``. Its environment
(written by deploy): ``CRONBRIDGE_PREFIX``, ``CRONBRIDGE_STAGE``, ``CRONBRIDGE_TABLE`` and
``CRONBRIDGE_ALERT_TOPIC`` (the stage's topic, for jobs that name none).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from scheduler import contract
from scheduler.alerts.notified import NotifiedStore
from scheduler.alerts.sns import SnsPublisher
from scheduler.clock import Clock, SystemClock
from scheduler.invoke import Invoker, LambdaInvoker
from scheduler.ledger.dynamodb import DynamoRunStore
from scheduler.ledger.store import RunStore
from scheduler.monitor.run import Monitor, deployed_jobs
from scheduler.operate.pauses import PauseStore


def monitor_round(
    env: Mapping[str, str],
    clients: Any,
    clock: Clock,
    invoker: Invoker | None = None,
    store: RunStore | None = None,
) -> dict[str, Any]:
    """One round with clients from ``clients.client(service)``; a summary back. Catch-up
    runs start through ``invoker`` (default: ``lambda.invoke``; locally the ticker). Runs
    are read from ``store`` (default: the DynamoDB table; the simulator's in-process one)."""
    prefix, stage, table = (
        env[contract.ENV_PREFIX], env[contract.ENV_STAGE], env[contract.ENV_TABLE]
    )  # fmt: skip
    ddb = clients.client("dynamodb")
    monitor = Monitor(
        store=store if store is not None else DynamoRunStore(ddb, table),
        notified=NotifiedStore(ddb, table),
        publisher=SnsPublisher(lambda: clients.client("sns")),
        invoker=invoker or LambdaInvoker(clients.client("lambda"), prefix, stage),
        stage=stage,
        default_topic=env.get(contract.ENV_ALERT_TOPIC) or None,
        pause_store=PauseStore(ddb, table),
    )
    jobs = deployed_jobs(clients.client("lambda"), prefix, stage)
    return {"jobs": monitor.round(jobs, clock.now())}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from scheduler.worker.entry import WorkerClients

    logging.getLogger().setLevel(logging.INFO)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return monitor_round(os.environ, WorkerClients(region=region), SystemClock())
