"""Starting a job run on demand: the ``Invoker`` used by ``run`` and ``dlq redrive``.

On AWS a run is started with an asynchronous ``lambda.invoke`` (``InvocationType=Event``)
of ``<prefix>-<stage>-<job>`` with a worker input; the worker records it under the run id
the caller chose, so ``run --wait`` can poll the ledger. Locally (moto never runs Lambda
code) ``scheduler.local.invoker.LocalInvoker`` hands the input to the local ticker instead.
``make_invoker`` is the one place that choice is made; ``set_invoker_factory`` lets a
composition root (tests, the local simulator) inject another invoker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from scheduler import names
from scheduler.errors import AwsCallError, CronbridgeError


class Invoker(Protocol):
    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        """Start one run of ``job`` with ``worker_input`` (see ``contract``), not waiting."""
        ...


class LambdaInvoker:
    def __init__(self, lambda_client: Any, prefix: str, stage: str) -> None:
        self._client = lambda_client
        self.prefix = prefix
        self.stage = stage

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        function = names.function_name(self.prefix, self.stage, job)
        try:
            self._client.invoke(
                FunctionName=function,
                InvocationType="Event",
                Payload=json.dumps(worker_input).encode(),
            )
        except Exception as exc:
            raise AwsCallError.from_exception(exc, "lambda:Invoke", function) from exc


InvokerFactory = Callable[[Any, str, str, bool], Invoker]
_factory: InvokerFactory | None = None


def set_invoker_factory(factory: InvokerFactory | None) -> None:
    """Override how invokers are built: ``factory(clients, prefix, stage, local)``."""
    global _factory  # noqa: PLW0603 - one documented injection seam
    _factory = factory


def make_invoker(clients: Any, prefix: str, stage: str, local: bool) -> Invoker:
    """The invoker for this command: injected > local ticker (``--local``) > Lambda."""
    if _factory is not None:
        return _factory(clients, prefix, stage, local)
    if local:
        try:
            from scheduler.local.invoker import LocalInvoker
        except ImportError as exc:
            raise CronbridgeError(
                "this build has no local invoker",
                hint="start the platform with `cronbridge local up` (or run against AWS)",
            ) from exc
        invoker: Invoker = LocalInvoker(clients=clients, prefix=prefix, stage=stage)
        return invoker
    return LambdaInvoker(clients.client("lambda"), prefix, stage)
