"""Catalogue + stage -> ``DesiredState``: every resource the stage should own, in order.

Pure: no boto3, no AWS calls, no I/O. Names come from ``scheduler.names``, env var names and
tags from ``scheduler.contract``, so deploy, worker and CLI agree on them. Secret env values
(``ssm:/path``) are passed through as references; the worker resolves them at cold start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from scheduler import contract, names, target_input
from scheduler.catalogue import Catalogue, Job
from scheduler.catalogue import RetryPolicy as JobRetries
from scheduler.compile import monitor, policies
from scheduler.compile.arns import Arns
from scheduler.compile.rules import worker_rule
from scheduler.errors import CronbridgeError
from scheduler.monitor.jobs import monitored_job
from scheduler.names import ownership_tags
from scheduler.resources import (
    JOB_POLICY_NAME,
    SCHEDULER_POLICY_NAME,
    AsyncConfig,
    DeadLetterQueue,
    DesiredState,
    Function,
    JobResources,
    LogGroup,
    RetryPolicy,
    Role,
    RunsTable,
    Schedule,
    ScheduleGroup,
    SharedResources,
    State,
    powertools_layer_arn,
)
from scheduler.schedule import parse_schedule, to_aws_expressions

# Delivery retries of EventBridge/Scheduler (getting the event to Lambda), not job retries:
# after an hour a scheduled slot is stale; what still fails lands in the DLQ.
DELIVERY_RETRY = RetryPolicy(maximum_retry_attempts=8, maximum_event_age_seconds=3600)
SSM_PREFIX = "ssm:"
# AWS description limits: Lambda 256 characters, rules and schedules 512.
_FUNCTION_DESCRIPTION_MAX = 256
_RULE_DESCRIPTION_MAX = 512


class CompileError(CronbridgeError):
    """The catalogue is valid on its own but cannot be turned into legal AWS resources."""


def compile_catalogue(
    catalogue: Catalogue,
    stage: str,
    *,
    account_id: str,
    region: str,
    layers: Sequence[str] | None = None,
    partition: str = "aws",
) -> DesiredState:
    """The desired resources of ``stage``. ``layers`` defaults to the public Powertools layer;
    pass ``()`` for an emulator that has no public layers."""
    problem = names.stage_problem(stage)
    if problem:
        raise CompileError(f"stage {stage!r}: {problem}")
    prefix = catalogue.prefix
    arns = Arns(account_id=account_id, region=region, partition=partition)
    layer_arns = tuple(layers) if layers is not None else (powertools_layer_arn(region, partition),)
    ownership = ownership_tags(prefix, stage)
    shared = _shared(catalogue, stage, arns, ownership)
    topic = monitor.alert_topic(catalogue, stage, arns, ownership)
    jobs = {
        name: _job(
            job,
            prefix=prefix,
            stage=stage,
            arns=arns,
            shared=shared,
            own=ownership,
            layers=layer_arns,
            boundary=_boundary(catalogue, arns),
            topic=monitor.topic_of(job, topic),
        )
        for name, job in catalogue.jobs.items()
    }
    watcher = monitor.monitor_job(
        catalogue, stage=stage, arns=arns, shared=shared, topic=topic, own=ownership,
        layers=layer_arns, boundary=_boundary(catalogue, arns),
    )  # fmt: skip
    if watcher is not None:
        jobs[names.MONITOR] = watcher
    _check_unique_names(jobs)
    packages = tuple(p for p in catalogue.top_level_packages() if p != "scheduler")
    return DesiredState(
        prefix=prefix,
        stage=stage,
        account_id=account_id,
        region=region,
        shared=shared,
        jobs=jobs,
        packages=packages,
        ownership_tags=dict(ownership),
        alert_topic=topic,
    )


def _shared(catalogue: Catalogue, stage: str, arns: Arns, own: dict[str, str]) -> SharedResources:
    prefix = catalogue.prefix
    base = names.base(prefix, stage)
    table_name = names.runs_table(prefix, stage)
    queue_name = names.dead_letter_queue(prefix, stage)
    queue_arn = arns.queue(queue_name)
    path = names.role_path(prefix, stage)
    scheduler_role_name = names.scheduler_role(prefix, stage)
    retry_group = names.retry_schedule_group(prefix, stage)
    jobs_group = names.schedule_group(prefix, stage)
    function_names = [names.function_name(prefix, stage, j) for j in catalogue.jobs]
    return SharedResources(
        table=RunsTable(name=table_name, arn=arns.table(table_name), tags=dict(own)),
        queue=DeadLetterQueue(
            name=queue_name,
            arn=queue_arn,
            url=arns.queue_url(queue_name),
            policy=policies.queue_policy(arns, base=base, queue_arn=queue_arn),
            tags=dict(own),
        ),
        scheduler_role=Role(
            name=scheduler_role_name,
            arn=arns.role(scheduler_role_name, path),
            purpose="scheduler",
            trust_policy=policies.scheduler_trust_policy(
                arns.account_id, [arns.schedule_group(jobs_group)]
            ),
            policy_name=SCHEDULER_POLICY_NAME,
            policy_document=policies.scheduler_policy(
                arns, base=base, function_names=function_names, queue_arn=queue_arn
            ),
            path=path,
            permissions_boundary=_boundary(catalogue, arns),
            tags=dict(own),
        ),
        jobs_group=ScheduleGroup(
            name=jobs_group, arn=arns.schedule_group(jobs_group), purpose="jobs", tags=dict(own)
        ),
        retry_group=ScheduleGroup(
            name=retry_group,
            arn=arns.schedule_group(retry_group),
            purpose="retries",
            tags=dict(own),
        ),
    )


def _boundary(catalogue: Catalogue, arns: Arns) -> str | None:
    name = catalogue.permissions_boundary
    return None if name is None else arns.policy(name)


def _job_role(
    job: Job, *, prefix: str, stage: str, arns: Arns, shared: SharedResources, tags: dict[str, str],
    function_arn: str, log_group: str, boundary: str | None, alert_topic: str | None,
) -> Role:  # fmt: skip
    name = names.job_role(prefix, stage, job.name)
    path = names.role_path(prefix, stage)
    arn = arns.role(name, path)
    secrets = sorted(v[len(SSM_PREFIX) :] for v in job.env.values() if v.startswith(SSM_PREFIX))
    return Role(
        name=name,
        arn=arn,
        purpose="job",
        trust_policy=policies.job_trust_policy(
            arns.account_id, shared.retry_group.arn, shared.jobs_group.arn
        ),
        policy_name=JOB_POLICY_NAME,
        policy_document=policies.job_policy(
            arns,
            job=job.name,
            function_arn=function_arn,
            role_arn=arn,
            log_group=log_group,
            table_arn=shared.table.arn,
            queue_arn=shared.queue.arn,
            retry_group=shared.retry_group.name,
            ssm_parameters=secrets,
            alert_topic=alert_topic,
            **_own_triggers(job, prefix=prefix, stage=stage, arns=arns, shared=shared),
        ),
        path=path,
        permissions_boundary=boundary,
        tags=dict(tags),
    )


def _own_triggers(
    job: Job, *, prefix: str, stage: str, arns: Arns, shared: SharedResources
) -> dict[str, list[str]]:
    """The ARNs of the job's own rules or schedules: ending a pause re-enables exactly these
    (listed, not a wildcard: ``<fn>-*`` would also match job ``<job>-x``'s rules)."""
    count = len(to_aws_expressions(parse_schedule(job.schedule)))
    rule_names = [names.rule_name(prefix, stage, job.name, i, count) for i in range(count)]
    if job.backend == "scheduler":
        group = shared.jobs_group.name
        return {"schedule_arns": [arns.schedule(group, n) for n in rule_names]}
    return {"rule_arns": [arns.rule(n) for n in rule_names]}


def _job(
    job: Job,
    *,
    prefix: str,
    stage: str,
    arns: Arns,
    shared: SharedResources,
    own: dict[str, str],
    layers: tuple[str, ...],
    boundary: str | None,
    topic: str | None = None,
) -> JobResources:
    function_name = names.function_name(prefix, stage, job.name)
    # The worker publishes ``dead`` itself, so only then does it need the topic.
    dead_topic = topic if "dead" in job.alert_events else None
    function_arn = arns.function(function_name)
    # Ownership keys come last so a user tag can never disown a resource.
    tags = {**job.tags, **own, contract.TAG_JOB: job.name}
    log_group_name = names.log_group(prefix, stage, job.name)
    log_group = LogGroup(
        job=job.name,
        name=log_group_name,
        arn=arns.log_group(log_group_name),
        retention_in_days=job.log_retention_days,
        tags=dict(tags),
    )
    role = _job_role(
        job, prefix=prefix, stage=stage, arns=arns, shared=shared, tags=tags,
        function_arn=function_arn, log_group=log_group_name, boundary=boundary,
        alert_topic=dead_topic,
    )  # fmt: skip
    function = Function(
        job=job.name,
        name=function_name,
        arn=function_arn,
        role_arn=role.arn,
        timeout=job.timeout,
        memory_size=job.memory,
        environment=_environment(job, stage, function_arn, shared, role.arn, dead_topic),
        description=_clip(job.description or f"cronbridge job {job.name}", 256),
        layers=layers,
        reserved_concurrency=job.reserved_concurrency,
        tags=tags,
    )
    async_config = AsyncConfig(
        function_name=function_name,
        maximum_retry_attempts=contract.LAMBDA_ASYNC_RETRIES,
        on_failure_arn=shared.queue.arn,
    )
    expressions = to_aws_expressions(parse_schedule(job.schedule))
    state: State = "ENABLED" if job.enabled else "DISABLED"
    description = _clip(f"cronbridge {stage} {job.name}: {job.description}".strip(), 512)
    if job.backend == "scheduler":
        schedules = tuple(
            Schedule(
                job=job.name,
                name=names.rule_name(prefix, stage, job.name, i, len(expressions)),
                group_name=shared.jobs_group.name,
                schedule_expression=expr,
                timezone=job.timezone,
                state=state,
                description=description,
                target_arn=function_arn,
                # The job's own role, which may invoke only this job's function: the worker
                # may then re-enable its own schedule (ending a pause) without being able
                # to point it at another job (UpdateSchedule can change the target).
                role_arn=role.arn,
                input=target_input.scheduler_input(job.name, job.payload),
                retry_policy=DELIVERY_RETRY,
                dead_letter_arn=shared.queue.arn,
                flexible_time_window="FLEXIBLE" if job.window_minutes else "OFF",
                maximum_window_minutes=job.window_minutes,
            )
            for i, expr in enumerate(expressions)
        )
        return JobResources(
            job.name, "scheduler", function, async_config, role, log_group, schedules=schedules
        )
    rules = [
        worker_rule(
            job=job.name,
            rule_name=names.rule_name(prefix, stage, job.name, i, len(expressions)),
            arns=arns,
            expression=expr,
            state=state,
            description=description,
            function_name=function_name,
            function_arn=function_arn,
            payload=job.payload,
            retry_policy=DELIVERY_RETRY,
            dead_letter_arn=shared.queue.arn,
            tags=tags,
        )
        for i, expr in enumerate(expressions)
    ]
    return JobResources(
        job.name, "rules", function, async_config, role, log_group, rules=tuple(rules)
    )


def _environment(  # noqa: PLR0917 - the contract's inputs
    job: Job,
    stage: str,
    function_arn: str,
    shared: SharedResources,
    role_arn: str,
    dead_topic: str | None,
) -> dict[str, str]:
    platform = {
        contract.ENV_JOB: job.name,
        contract.ENV_STAGE: stage,
        contract.ENV_HANDLER: job.handler,
        contract.ENV_TABLE: shared.table.name,
        contract.ENV_DLQ_URL: shared.queue.url,
        contract.ENV_RETRY: _retry_env(job.retries),
        contract.ENV_OVERLAP: job.overlap,
        contract.ENV_TIMEOUT: str(job.timeout),
        contract.ENV_RETENTION_DAYS: str(job.retention_days),
        contract.ENV_RETRY_GROUP: shared.retry_group.name,
        # Retries run under the job's own role: it can invoke this function and no other.
        contract.ENV_RETRY_ROLE_ARN: role_arn,
        contract.ENV_FUNCTION_ARN: function_arn,
    }
    if dead_topic:
        platform[contract.ENV_ALERT_TOPIC] = dead_topic
    watched = monitored_job(job)
    if watched is not None:  # read back by the stage's monitor (scheduler.monitor.jobs)
        platform[contract.ENV_MONITOR] = watched.to_env()
    # Platform variables win: the worker must see the contract, whatever the user wrote.
    return {**job.env, **platform}


@lru_cache(maxsize=256)
def _retry_env(policy: JobRetries) -> str:
    """``policy.to_env()``, once per distinct policy (the model is frozen and hashable by
    its values): a 1,000-job catalogue has a few, each dumped to JSON once."""
    return policy.to_env()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_unique_names(jobs: dict[str, JobResources]) -> None:
    """Job ``a`` with two rules (``a-1``, ``a-2``) would collide with a job named ``a-1``."""
    counts = Counter(
        name
        for res in jobs.values()
        for name in [*(r.name for r in res.rules), *(s.name for s in res.schedules)]
    )
    clashes = sorted(n for n, c in counts.items() if c > 1)
    if clashes:
        raise CompileError(
            f"two jobs compile to the same AWS name: {', '.join(clashes)}",
            hint="rename one job: a job needing several rules takes the suffixes -1, -2, ...",
        )
