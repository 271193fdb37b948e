"""``LocalInvoker``: start a run on the local platform (`run --local`, `dlq redrive --local`).

moto accepts ``lambda.invoke`` but never runs the code, so an on-demand run is handed to
the local ticker the way the worker hands it a retry: an immediate one-time ``at()``
schedule in the stage's retries group, targeting the job's function, with the worker input
as its Input and ActionAfterCompletion DELETE. The ticker re-reads that group every couple
of seconds, fires the schedule and deletes it. Implements ``scheduler.invoke.Invoker``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from scheduler import names
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.worker.retry import create_one_time_schedule


class LocalInvoker:
    def __init__(
        self, *, clients: Any, prefix: str, stage: str, now: datetime | None = None
    ) -> None:
        self._clients = clients
        self.prefix = prefix
        self.stage = stage
        self._now = now  # tests pin the instant; default: the wall clock at start()

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        function = names.function_name(self.prefix, self.stage, job)
        try:
            config = self._clients.client("lambda").get_function_configuration(
                FunctionName=function
            )
        except Exception as exc:
            raise CronbridgeError(
                f"job {job!r} is not deployed on the local platform (no function {function})",
                hint="is it in jobs.yaml? redeploy with `cronbridge deploy --local --yes`",
            ) from exc
        # The job's own role, as for its retries on AWS (the emulator does not check it).
        role_arn = str(config.get("Role", ""))
        key = str(worker_input.get("run_id") or json.dumps(worker_input, sort_keys=True))
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        name = f"{names.retry_schedule_prefix(job)}run.{digest}"
        group = names.retry_schedule_group(self.prefix, self.stage)
        moment = self._now or datetime.now(UTC)
        try:
            create_one_time_schedule(
                self._clients.client("scheduler"),
                name=name,
                group=group,
                at=moment,
                target={
                    "Arn": config["FunctionArn"],
                    "RoleArn": role_arn,
                    "Input": json.dumps(worker_input, separators=(",", ":")),
                },
                description=f"cronbridge on-demand run of {job}",
            )
        except Exception as exc:
            raise AwsCallError.from_exception(
                exc, "scheduler:CreateSchedule", f"{group}/{name}"
            ) from exc
