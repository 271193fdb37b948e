"""Apply a plan: each typed operation matched on its type, independent jobs side by side.

Which operations may run at the same time is executor_pool.py's business (a job's own
operations stay in plan order, the stage's shared resources are barriers); how each kind
of resource is written lives in the apply_* modules. Every write is an upsert or tolerates
"already gone", so re-running after an interruption converges. Calls that IAM propagation
can fail (CreateFunction, PutFunctionEventInvokeConfig, Create/UpdateSchedule) are retried
briefly (propagation.py). Before any delete, a fresh read re-checks that the resource is
still ours (executor_guard.py). No decisions about *what* to change are made here; that is
the planner's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.deploy import (
    apply_code,
    apply_events,
    apply_iam,
    apply_lambda,
    apply_logs,
    apply_topic,
    ops_code,
    ops_topic,
    propagation,
)
from scheduler.deploy import ops as o
from scheduler.deploy.apply_data import create_table_params, put_queue, put_table
from scheduler.deploy.apply_lambda import function_config
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.executor_guard import DELETE_OPS, DeleteGuard
from scheduler.deploy.executor_pool import DEFAULT_PARALLELISM, run_ordered
from scheduler.deploy.ownership import Owner
from scheduler.errors import CronbridgeError

Progress = Callable[[str], None]


__all__ = [
    "DEFAULT_PARALLELISM",
    "ApplyFailedError",
    "ApplyResult",
    "Executor",
    "create_table_params",
    "function_config",
]


@dataclass
class ApplyResult:
    applied: list[o.Op] = field(default_factory=list)
    # Deletes skipped because a fresh read showed the resource is not ours: "what: why".
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[o.Op, BaseException]] = field(default_factory=list)
    # Not attempted because an operation they depend on failed.
    not_started: list[o.Op] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.applied)


class ApplyFailedError(CronbridgeError):
    """More than one operation failed; ``result`` says what was applied and what was not."""

    def __init__(self, result: ApplyResult) -> None:
        failures = "; ".join(f"{op.describe()}: {_line(err)}" for op, err in result.failed)
        message = (
            f"{len(result.failed)} operations failed ({failures}); {result.count} applied, "
            f"{len(result.not_started)} not attempted because they depend on a failed one"
        )
        super().__init__(
            message, hint="fix the cause and run deploy again: it picks up where this stopped"
        )
        self.result = result


class Executor:
    def __init__(
        self,
        api: AwsApi,
        code: apply_code.CodeStore,
        *,
        owner: Owner | None = None,
        parallelism: int = 1,
    ) -> None:
        self.api = api
        self._patient = propagation.PatientApi(api)  # retries while IAM propagates
        self._code = code
        self._owner = owner
        self.parallelism = parallelism

    def apply(self, plan: o.Plan, progress: Progress | None = None) -> ApplyResult:
        """Apply every operation; raise after the last one if any failed.

        One failure is re-raised as it is (its message names the call and the resource);
        several become one ``ApplyFailedError`` listing each. Progress gets one line per
        finished operation, from this thread only.
        """
        result = ApplyResult()
        total = len(plan.ops)
        owner = self._owner or Owner(plan.prefix, plan.stage)
        guard = DeleteGuard(self.api, owner)
        # boto3 sessions are not thread-safe (clients are): make every client the plan
        # needs here, before any thread asks for one.
        for service in sorted(_services(plan.ops)):
            self.api.client(service)

        refused: dict[int, str] = {}  # id(op) -> why its delete was skipped

        def work(op: o.Op) -> None:
            if isinstance(op, DELETE_OPS):
                # Re-checked on a fresh read from the resource's own service, right now.
                reason = guard.refusal(op)
                if reason:
                    # Not a failure: what comes after it in the job still runs.
                    refused[id(op)] = reason
                    return
            self.run(op)

        finished = 0

        def on_done(op: o.Op, error: BaseException | None) -> None:
            nonlocal finished
            finished += 1
            if id(op) in refused:
                result.skipped.append(f"{op.kind} {op.resource}: {refused[id(op)]}")
                line = f"SKIPPED, {refused[id(op)]}"
            elif error is not None:
                result.failed.append((op, error))
                line = f"FAILED, {_line(error)}"
            else:
                result.applied.append(op)
                line = "done"
            if progress:
                progress(f"[{finished}/{total}] {op.describe()}: {line}")

        outcome = run_ordered(
            plan.ops,
            key=lambda op: op.job,
            work=work,
            parallelism=self.parallelism,
            on_done=on_done,
        )
        result.not_started = list(outcome.not_started)
        if len(result.failed) == 1:
            raise result.failed[0][1]
        if result.failed:
            raise ApplyFailedError(result)
        return result

    def _owner_named(self, name: str) -> Owner:
        # Every stage name starts <prefix>-<stage>-; prefix and stage hold no hyphen.
        prefix, stage = name.split("-")[:2]
        return self._owner or Owner(prefix, stage)

    @staticmethod
    def _refused(op: o.Op, refusal: str | None) -> None:
        if refusal:
            raise CronbridgeError(f"{op.kind} {op.resource} not deleted: {refusal}")

    def run(self, op: o.Op) -> None:  # noqa: PLR0915 - one match arm per op type
        api, patient = self.api, self._patient
        match op:
            case o.PutRole():
                apply_iam.put_role(api, op)
            case o.DeleteRole():
                apply_iam.delete_role(api, op)
            case o.PutLogGroup():
                apply_logs.put_log_group(api, op)
            case o.DeleteLogGroup():
                apply_logs.delete_log_group(api, op)
            case o.PutTable():
                put_table(api, op)
            case o.DeleteTable(name=name):
                api.maybe("dynamodb", "delete_table", f"table {name}", TableName=name)
            case o.PutQueue():
                put_queue(api, op)
            case ops_topic.PutTopic():
                apply_topic.put_topic(api, op)
            case ops_topic.DeleteTopic():
                self._refused(op, apply_topic.delete_topic(api, op, self._owner_named(op.name)))
            case o.DeleteQueue(name=name):
                url = api.queue_url(name)
                if url:
                    api.maybe("sqs", "delete_queue", f"queue {name}", QueueUrl=url)
            case ops_code.PutCodeBucket():
                apply_code.put_bucket(api, op)
            case ops_code.PutCodeObject():
                apply_code.put_object(api, op, self._code.data(op.key))
            case ops_code.DeleteCodeObjects():
                owner = self._owner_named(op.bucket_name)
                self._refused(op, apply_code.delete_objects(api, op, owner))
            case ops_code.DeleteCodeBucket():
                self._refused(op, apply_code.delete_bucket(api, op, self._owner_named(op.name)))
            case o.PutScheduleGroup():
                apply_events.put_schedule_group(api, op)
            case o.DeleteScheduleGroup():
                apply_events.delete_schedule_group(api, op)
            case o.CreateFunction():
                apply_lambda.create_function(patient, op, self._code)
            case o.UpdateFunctionCode():
                apply_lambda.update_code(api, op, self._code)
            case o.UpdateFunctionConfiguration():
                apply_lambda.update_configuration(api, op)
            case o.SetConcurrency():
                apply_lambda.set_concurrency(api, op)
            case o.PutAsyncConfig():
                apply_lambda.put_async_config(patient, op)
            case o.TagFunction():
                apply_lambda.tag_function(api, op)
            case o.DeleteFunction():
                apply_lambda.delete_function(api, op)
            case o.PutRule():
                apply_events.put_rule(api, op)
            case o.PutTarget():
                apply_events.put_target(api, op)
            case o.AddPermission():
                apply_lambda.add_permission(api, op)
            case o.DeleteRule():
                apply_events.delete_rule(api, op)
            case o.PutSchedule():
                apply_events.put_schedule(patient, op)
            case o.DeleteSchedule():
                apply_events.delete_schedule(api, op)
            case _:
                raise CronbridgeError(f"no executor for {type(op).__name__}")


# The services each kind of operation calls (its delete guard's reads included).
_SERVICES: dict[type[o.Op], tuple[str, ...]] = {
    o.PutRole: ("iam",),
    o.DeleteRole: ("iam",),
    o.PutLogGroup: ("logs",),
    o.DeleteLogGroup: ("logs",),
    o.PutTable: ("dynamodb",),
    o.DeleteTable: ("dynamodb",),
    o.PutQueue: ("sqs",),
    o.DeleteQueue: ("sqs",),
    o.PutScheduleGroup: ("scheduler",),
    o.DeleteScheduleGroup: ("scheduler",),
    o.PutSchedule: ("scheduler",),
    o.DeleteSchedule: ("scheduler",),
    o.PutRule: ("events",),
    o.PutTarget: ("events",),
    o.DeleteRule: ("events", "lambda"),
    ops_code.PutCodeBucket: ("s3",),
    ops_code.PutCodeObject: ("s3",),
    ops_code.DeleteCodeObjects: ("s3",),
    ops_code.DeleteCodeBucket: ("s3",),
    ops_topic.PutTopic: ("sns",),
    ops_topic.DeleteTopic: ("sns",),
}


def _services(ops: tuple[o.Op, ...]) -> set[str]:
    return {s for op in ops for s in _SERVICES.get(type(op), ("lambda",))}


def _line(error: BaseException) -> str:
    return getattr(error, "message", None) or f"{type(error).__name__}: {error}"
