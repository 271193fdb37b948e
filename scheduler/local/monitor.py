"""The stage's monitor on the local platform: run in-process when its rule fires.

moto never runs Lambda code, and the local executor runs only the worker, so when the
ticker fires the deployed monitor rule (every 5 minutes, virtual ones under `local
simulate`), ``LocalMonitor`` runs the very round the monitor function runs on AWS
(``scheduler.monitor.entry.monitor_round``) with the function's deployed environment,
against the emulator, at the platform's clock. Catch-up runs start as on-demand runs do
locally (``LocalInvoker``: a one-time schedule the ticker fires at once). Alerts go to the
emulator's SNS topic; ``AlertTap`` then copies them to the event log and alerts.log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler import contract, names
from scheduler.clock import Clock
from scheduler.ledger.store import RunStore
from scheduler.local.invoker import LocalInvoker
from scheduler.local.ticker import Firing
from scheduler.monitor.entry import monitor_round


class LocalMonitor:
    def __init__(
        self,
        clients: Any,
        *,
        prefix: str,
        stage: str,
        clock: Clock,
        store_for: Callable[[str], RunStore] | None = None,
    ) -> None:
        self._clients = clients
        # The run ledger of a table name (the simulator's in-process one); None: the table.
        self._store_for = store_for
        self.prefix = prefix
        self.stage = stage
        self._clock = clock
        self.function_name = names.function_name(prefix, stage, names.MONITOR)

    def handles(self, firing: Firing) -> bool:
        return firing.function_name == self.function_name

    def run(self) -> dict[str, Any]:
        """One monitor round now, with the deployed monitor function's environment."""
        config = self._clients.client("lambda").get_function_configuration(
            FunctionName=self.function_name
        )
        env = dict((config.get("Environment") or {}).get("Variables") or {})
        invoker = LocalInvoker(
            clients=self._clients, prefix=self.prefix, stage=self.stage, now=self._clock.now()
        )
        store = self._store_for(env[contract.ENV_TABLE]) if self._store_for else None
        return monitor_round(env, self._clients, self._clock, invoker, store)
