"""Readable AWS names derived from (prefix, stage, job), and the limits that keep them legal.

Every resource name is ``<prefix>-<stage>-<job>`` (plus a short suffix where one job owns
several rules), so nobody needs a lookup table to find a job in the AWS console. The
length limits below are chosen so that every derived name fits AWS's 64-character cap
on rule, function, role and schedule names. Pure and stdlib-only (plus the contract's tag keys).
"""

from __future__ import annotations

import re

from scheduler import contract

DEFAULT_PREFIX = "cronbridge"
DEFAULT_STAGE = "dev"

# prefix (12) + stage (8) + job (38) + three dashes + a two-digit rule suffix = 63 <= 64.
MAX_PREFIX_LEN = 12
MAX_STAGE_LEN = 8
MAX_JOB_NAME_LEN = 38

JOB_NAME_RE = re.compile(r"^[a-z](?:[a-z0-9-]*[a-z0-9])?$")
STAGE_RE = re.compile(r"^[a-z][a-z0-9]*$")
PREFIX_RE = re.compile(r"^[a-z][a-z0-9]*$")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_S3_RESERVED = "sthree"


def job_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a job name, or None when it can."""
    if not JOB_NAME_RE.match(name) or "--" in name:
        return (
            "job names use lowercase letters, digits and single hyphens, "
            "start with a letter and do not end with a hyphen"
        )
    if len(name) > MAX_JOB_NAME_LEN:
        return f"job name is {len(name)} characters; at most {MAX_JOB_NAME_LEN} fit AWS names"
    return None


def stage_problem(stage: str) -> str | None:
    """Why ``stage`` cannot be a stage name, or None when it can."""
    if not STAGE_RE.match(stage) or len(stage) > MAX_STAGE_LEN:
        return (
            f"stage must be 1-{MAX_STAGE_LEN} lowercase letters or digits, starting with a letter"
        )
    return None


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a resource-name prefix, or None when it can."""
    if not PREFIX_RE.match(prefix) or len(prefix) > MAX_PREFIX_LEN:
        return (
            f"prefix must be 1-{MAX_PREFIX_LEN} lowercase letters or digits, starting with a letter"
        )
    if prefix == _S3_RESERVED:
        # The stage's code bucket is named <prefix>-..., and S3 reserves "sthree-".
        return f"prefix {prefix!r} cannot start an S3 bucket name (S3 reserves '{prefix}-')"
    return None


def base(prefix: str, stage: str) -> str:
    return f"{prefix}-{stage}"


def function_name(prefix: str, stage: str, job: str) -> str:
    return f"{prefix}-{stage}-{job}"


def rule_name(prefix: str, stage: str, job: str, index: int, count: int) -> str:
    """One rule per translated expression; a suffix only when the job needs several."""
    name = f"{prefix}-{stage}-{job}"
    return name if count == 1 else f"{name}-{index + 1}"


def schedule_name(prefix: str, stage: str, job: str) -> str:
    return f"{prefix}-{stage}-{job}"


def schedule_group(prefix: str, stage: str) -> str:
    """The per-stage EventBridge Scheduler group for jobs on ``backend: scheduler``."""
    return f"{prefix}-{stage}"


def retry_schedule_group(prefix: str, stage: str) -> str:
    """The per-stage group holding one-time ``at()`` schedules that retry failed attempts."""
    return f"{prefix}-{stage}-retries"


# The stage's monitor function (scheduler.monitor) is deployed like a job under this key:
# ``<prefix>-<stage>-_monitor``. Job names hold no ``_``, so no job can collide with it.
MONITOR = "_monitor"


def alert_topic(prefix: str, stage: str) -> str:
    """The stage's SNS topic for alerts (when a job notifies without a topic of its own)."""
    return f"{prefix}-{stage}-alerts"


def runs_table(prefix: str, stage: str) -> str:
    return f"{prefix}-{stage}-runs"


def code_bucket(prefix: str, stage: str, account_id: str, region: str) -> str:
    """The stage's S3 bucket for code zips (scheduler.resources.artifacts). Bucket names
    are global across all accounts, so the account and region are part of it: at most
    12 + 8 + 12 + 14 (the longest region name) + 9 = 55 of the 63 characters S3 allows,
    all lowercase letters, digits and hyphens.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    return f"{prefix}-{stage}-{account_id}-{region}-code"


def dead_letter_queue(prefix: str, stage: str) -> str:
    return f"{prefix}-{stage}-dead-letter"


def role_path(prefix: str, stage: str) -> str:
    """The IAM path of every role a stage owns: one paged ``ListRoles(PathPrefix=...)``
    finds them all, and the CI policy scopes IAM writes to ``role/cronbridge/<prefix>/*``."""
    return f"/cronbridge/{prefix}/{stage}/"


def job_role(prefix: str, stage: str, job: str) -> str:
    """Each job's own execution role. The ``-job`` suffix keeps it apart from the stage's
    scheduler role whatever the job is called; prefix 12 + stage 8 + job 38 + two dashes
    + ``-job`` = 64, IAM's role-name limit."""
    return f"{prefix}-{stage}-{job}-job"


def retry_schedule_prefix(job: str) -> str:
    """Retry schedules of ``job`` in the retry group are named ``<job>.<attempt>.<hash>``.
    Job names cannot hold a dot, so ``<job>.*`` in an IAM ARN matches this job's retries
    and never those of a job whose name merely starts with it (``a`` vs ``a-b``)."""
    return f"{job}."


def boundary_policy(prefix: str) -> str:
    """The managed policy deploy/ci-role.yaml creates as every stage role's boundary."""
    return f"{prefix}-boundary"


def scheduler_role(prefix: str, stage: str) -> str:
    return f"{prefix}-{stage}-scheduler"


def log_group(prefix: str, stage: str, job: str) -> str:
    return f"/aws/lambda/{function_name(prefix, stage, job)}"


def ownership_tags(prefix: str, stage: str) -> dict[str, str]:
    """The tags every resource of the stage carries (what the plan's tag listing filters
    on, and what proves a resource is ours before a prune)."""
    return {
        contract.TAG_MANAGED_BY: contract.MANAGED_BY_VALUE,
        contract.TAG_STAGE: stage,
        contract.TAG_PREFIX: prefix,
    }
