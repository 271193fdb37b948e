"""The desired resources of one stage: the one model compile produces and deploy consumes.

``scheduler.compile`` builds a ``DesiredState`` from the catalogue; the planner diffs it
against live state, the executor applies it, and the CloudFormation exporter renders the
very same objects, so there is one definition of every resource. Field names follow the
AWS API parameter they feed, so both writers map them without guessing. Each resource
carries its tags (ownership tags included) and a ``spec_hash``: a stable fingerprint of
everything desired about it, written to the ``cronbridge:spec`` tag so a plan can tell
"unchanged" from one cheap listing. The package sits below both compile and deploy: pure
and stdlib-only, it imports no boto3, no deploy engine and nothing of the local platform
(tests/unit/test_import_layers.py holds it to that).

Dict-valued fields make these objects unhashable; compare them with ``==``.
"""

from __future__ import annotations

from scheduler.resources.alerts import AlertTopic
from scheduler.resources.fingerprint import Specced, fingerprint, spec_of
from scheduler.resources.jobs import (
    TARGET_ID,
    AsyncConfig,
    Backend,
    Function,
    JobResources,
    LogGroup,
    Permission,
    RetryPolicy,
    Rule,
    Schedule,
    State,
    Target,
)
from scheduler.resources.roles import JOB_POLICY_NAME, SCHEDULER_POLICY_NAME, Role
from scheduler.resources.runtime import (
    LAMBDA_RUNTIME,
    POWERTOOLS_LAYER_ACCOUNT,
    POWERTOOLS_LAYER_NAME,
    POWERTOOLS_LAYER_VERSION,
    WORKER_HANDLER,
    powertools_layer_arn,
)
from scheduler.resources.shared import (
    DeadLetterQueue,
    RunsTable,
    ScheduleGroup,
    SharedResources,
    table_key_schema,
)
from scheduler.resources.stage import DesiredState

__all__ = [
    "JOB_POLICY_NAME",
    "LAMBDA_RUNTIME",
    "POWERTOOLS_LAYER_ACCOUNT",
    "POWERTOOLS_LAYER_NAME",
    "POWERTOOLS_LAYER_VERSION",
    "SCHEDULER_POLICY_NAME",
    "TARGET_ID",
    "WORKER_HANDLER",
    "AlertTopic",
    "AsyncConfig",
    "Backend",
    "DeadLetterQueue",
    "DesiredState",
    "Function",
    "JobResources",
    "LogGroup",
    "Permission",
    "RetryPolicy",
    "Role",
    "Rule",
    "RunsTable",
    "Schedule",
    "ScheduleGroup",
    "SharedResources",
    "Specced",
    "State",
    "Target",
    "fingerprint",
    "powertools_layer_arn",
    "spec_of",
    "table_key_schema",
]
