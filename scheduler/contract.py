"""The contract between deploy (which writes it) and the worker and CLI (which read it).

Deploy puts these environment variables on every job function, tags every resource with
these keys, and creates the runs table with this key schema; the worker, ledger, local
ticker and CLI rely on exactly these names. Stdlib only: the worker imports this at cold
start.
"""

from __future__ import annotations

# --- Ownership tags on every resource cronbridge manages -------------------------------
TAG_MANAGED_BY = "cronbridge:managed-by"  # value: MANAGED_BY_VALUE
MANAGED_BY_VALUE = "cronbridge"
TAG_STAGE = "cronbridge:stage"
# The catalogue's prefix: two catalogues with different prefixes may share an account,
# region and stage, and must never take each other's resources for their own.
TAG_PREFIX = "cronbridge:prefix"
TAG_JOB = "cronbridge:job"  # absent on shared resources (table, queue, roles, groups)
TAG_SPEC_HASH = "cronbridge:spec"  # fingerprint of the desired spec, read back by plan

# --- Environment of each job function ---------------------------------------------------
ENV_JOB = "CRONBRIDGE_JOB"
ENV_STAGE = "CRONBRIDGE_STAGE"
ENV_HANDLER = "CRONBRIDGE_HANDLER"  # "module:function", importable from the zip root
ENV_TABLE = "CRONBRIDGE_TABLE"
ENV_DLQ_URL = "CRONBRIDGE_DLQ_URL"
# JSON: {"retries": 3, "delay": 30, "backoff": 2.0, "max_delay": 900}
ENV_RETRY = "CRONBRIDGE_RETRY"
ENV_OVERLAP = "CRONBRIDGE_OVERLAP"  # "skip" | "allow"
ENV_TIMEOUT = "CRONBRIDGE_TIMEOUT"  # the function's timeout in seconds
ENV_RETENTION_DAYS = "CRONBRIDGE_RETENTION_DAYS"
ENV_RETRY_GROUP = "CRONBRIDGE_RETRY_GROUP"  # scheduler group for one-time retry schedules
ENV_RETRY_ROLE_ARN = "CRONBRIDGE_RETRY_ROLE_ARN"  # role EventBridge Scheduler assumes
ENV_FUNCTION_ARN = "CRONBRIDGE_FUNCTION_ARN"  # optional; else taken from the Lambda context
# Alerts (scheduler.alerts): the topic the worker publishes ``dead`` to (set only when the
# job's ``notify`` has ``dead``), and the monitor's view of a job (scheduler.monitor.jobs),
# set only on jobs with ``notify`` or ``catchup``.
ENV_ALERT_TOPIC = "CRONBRIDGE_ALERT_TOPIC"
ENV_MONITOR = "CRONBRIDGE_MONITOR"
ENV_PREFIX = "CRONBRIDGE_PREFIX"  # the monitor function's: which stage functions to watch

# --- Markers on EventBridge Scheduler schedules (which take no tags) ----------------------
# Deploy only deletes a schedule that carries the marker it writes: job schedules' description
# starts with "cronbridge <stage> <job>", retry schedules' with RETRY_DESCRIPTION_PREFIX.
RETRY_DESCRIPTION_PREFIX = "cronbridge retry of "
# The one-time schedule that ends a pause at its expiry (``<job>.resume.<8 hex>``, retries
# group; scheduler/operate/pause.py).
RESUME_DESCRIPTION_PREFIX = "cronbridge resume of "

# --- Runs table key schema ----------------------------------------------------------------
TABLE_PK = "pk"
TABLE_SK = "sk"
TABLE_TTL_ATTRIBUTE = "expires_at"
# Sparse index: only runs that need attention (RUNNING, FAILED, TIMED_OUT, DEAD) carry it.
ATTENTION_INDEX = "attention"
ATTENTION_PK = "att_pk"
ATTENTION_SK = "att_sk"

# --- Worker input (the target input of rules, schedules, and on-demand invocations) ------
# {"job": str, "trigger": "schedule"|"manual"|"retry"|"redrive"|"backfill"|"resume",
#  "scheduled_time": ISO str, "event_id": str | None, "payload": dict,
#  "run_id": str (manual/retry/redrive), "attempt": int (retry), "redrive_of": str (redrive),
#  "pause_id": str (resume)}
# A "backfill" input runs a past slot under the slot's own run id (the exactly-once key of
# a scheduled run), so a slot that already ran is never run again. A "resume" input runs
# no handler: it ends the job's pause (scheduler.operate.toggle) when the pause expires.
TRIGGERS = ("schedule", "manual", "retry", "redrive", "backfill", "resume")
SLOT_TRIGGERS = ("schedule", "backfill")  # run id = (job, scheduled minute)

# Worker-owned retries: Lambda's own async retries are off (0) so every attempt is ours.
LAMBDA_ASYNC_RETRIES = 0

# --- Worker timing ----------------------------------------------------------------------------
# The watchdog records TIMED_OUT at least this long before the function's deadline, so its
# own writes (outcome, retry schedule, dead letter) finish before Lambda kills the process.
# A job's timeout must exceed it (``validate`` says so).
WATCHDOG_MIN_MARGIN_SECONDS = 3
# An attempt still RUNNING this long past start + the job's timeout lost its worker (killed,
# out of memory): a redelivery or retry may conclude it, and ``status`` calls the job STUCK.
ATTEMPT_LEASE_GRACE_SECONDS = 60
WATCHDOG_MAX_MARGIN_SECONDS = 5
# "minute" (AWS: EventBridge Scheduler's at() has minute precision) | "second" (local mode)
ENV_RETRY_PRECISION = "CRONBRIDGE_RETRY_PRECISION"
