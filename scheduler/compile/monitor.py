"""The stage's alert topic and monitor function, compiled from the jobs that use them.

Only a stage with a job that has ``notify`` or ``catchup`` gets them: the SNS topic
``<prefix>-<stage>-alerts`` (when some job notifies without its own topic ARN) and the
monitor, which deploy, plan, prune and export as one more job entry under the key
``names.MONITOR`` (``_monitor``: no job name can hold ``_``, so no job can collide with it):
a function running ``scheduler.monitor.entry.handler``, its own role, its log group, and
an EventBridge rule firing it every five minutes. Pure: no AWS calls.
"""

from __future__ import annotations

from scheduler import contract, names
from scheduler.catalogue import Catalogue, Job
from scheduler.compile import policies
from scheduler.compile.arns import Arns
from scheduler.compile.rules import worker_rule
from scheduler.monitor.jobs import monitored_job
from scheduler.resources import (
    JOB_POLICY_NAME,
    AlertTopic,
    AsyncConfig,
    Function,
    JobResources,
    LogGroup,
    RetryPolicy,
    Role,
    SharedResources,
)

MONITOR_SCHEDULE = "rate(5 minutes)"
MONITOR_HANDLER = "scheduler.monitor.entry.handler"
MONITOR_TIMEOUT = 120
MONITOR_MEMORY = 256
MONITOR_LOG_RETENTION_DAYS = 14
# A monitor round that never got delivered is simply replaced by the next one.
MONITOR_DELIVERY = RetryPolicy(maximum_retry_attempts=2, maximum_event_age_seconds=300)


def alert_topic(
    catalogue: Catalogue, stage: str, arns: Arns, own: dict[str, str]
) -> AlertTopic | None:
    """The stage's topic, when any job notifies without naming a topic of its own."""
    if not any(j.notify and not j.notify.topic for j in catalogue.jobs.values()):
        return None
    name = names.alert_topic(catalogue.prefix, stage)
    return AlertTopic(name=name, arn=arns.topic(name), tags=dict(own))


def topic_of(job: Job, topic: AlertTopic | None) -> str | None:
    """Where ``job``'s alerts go: its own topic ARN, else the stage's; None without notify."""
    if not job.notify:
        return None
    return job.notify.topic or (topic.arn if topic else None)


def monitor_job(
    catalogue: Catalogue,
    *,
    stage: str,
    arns: Arns,
    shared: SharedResources,
    topic: AlertTopic | None,
    own: dict[str, str],
    layers: tuple[str, ...],
    boundary: str | None,
) -> JobResources | None:
    """The monitor's resources, or None when no job is watched."""
    watched = [j for j in catalogue.jobs.values() if monitored_job(j) is not None]
    if not watched:
        return None
    prefix, key = catalogue.prefix, names.MONITOR
    base = names.base(prefix, stage)
    function_name = names.function_name(prefix, stage, key)
    function_arn = arns.function(function_name)
    tags = {**own, contract.TAG_JOB: key}
    log_group_name = names.log_group(prefix, stage, key)
    role_name = names.job_role(prefix, stage, key)
    role_path = names.role_path(prefix, stage)
    topics = sorted({t for j in watched if (t := topic_of(j, topic))})
    catchup = [names.function_name(prefix, stage, j.name) for j in watched if j.catchup != "none"]
    role = Role(
        name=role_name,
        arn=arns.role(role_name, role_path),
        purpose="job",
        trust_policy=policies.monitor_trust_policy(),
        policy_name=JOB_POLICY_NAME,
        policy_document=policies.monitor_policy(
            arns,
            base=base,
            table_arn=shared.table.arn,
            log_group=log_group_name,
            topic_arns=topics,
            catchup_functions=catchup,
        ),
        path=role_path,
        permissions_boundary=boundary,
        tags=dict(tags),
    )
    environment = {
        contract.ENV_JOB: key,
        contract.ENV_PREFIX: prefix,
        contract.ENV_STAGE: stage,
        contract.ENV_TABLE: shared.table.name,
    }
    if topic is not None:
        environment[contract.ENV_ALERT_TOPIC] = topic.arn
    function = Function(
        job=key,
        name=function_name,
        arn=function_arn,
        role_arn=role.arn,
        timeout=MONITOR_TIMEOUT,
        memory_size=MONITOR_MEMORY,
        environment=environment,
        handler=MONITOR_HANDLER,
        description=f"cronbridge {stage} monitor: health, alerts and catch-up every 5 minutes",
        layers=layers,
        tags=dict(tags),
    )
    rule = worker_rule(
        job=key,
        rule_name=names.rule_name(prefix, stage, key, 0, 1),
        arns=arns,
        expression=MONITOR_SCHEDULE,
        state="ENABLED",
        description=f"cronbridge {stage} {key}: the stage's monitor",
        function_name=function_name,
        function_arn=function_arn,
        payload={},
        retry_policy=MONITOR_DELIVERY,
        dead_letter_arn=shared.queue.arn,
        tags=tags,
    )
    log_group = LogGroup(
        job=key,
        name=log_group_name,
        arn=arns.log_group(log_group_name),
        retention_in_days=MONITOR_LOG_RETENTION_DAYS,
        tags=dict(tags),
    )
    async_config = AsyncConfig(
        function_name=function_name,
        maximum_retry_attempts=contract.LAMBDA_ASYNC_RETRIES,
        on_failure_arn=shared.queue.arn,
    )
    return JobResources(key, "rules", function, async_config, role, log_group, rules=(rule,))
