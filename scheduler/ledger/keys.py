"""The runs table's item layout and key helpers: where each kind of item lives.

Item layout (attribute names from ``scheduler.contract``):

* run item   ``pk=JOB#<job>  sk=RUN#<time>[-<hex>]`` - one per run, all attempts inside.
  ``<time>`` is the scheduled minute (or trigger time) as ``2026-12-02T21:28:00Z``, the
  format of every time attribute, so one job's history newest first is one Query with
  ``ScanIndexForward=False``, and ``--since`` is a key condition.
* lock item  ``pk=JOB#<job>  sk=LOCK`` - the overlap lease: holder run id + ``lease_until``.
* summary    ``pk=JOB#<job>  sk=SUMMARY`` - the job's newest run, newest slot, last outcome,
  failure streak and attempts in flight, updated in the writes' own transactions
  (``summary``), so ``status`` reads a job with one item by key. Tables written before it
  may still hold ``sk=LAST_SCHEDULED`` (the newest slot's run id), which is read as a
  fallback and no longer written.
* rollup     ``pk=JOB#<job>  sk=DAY#<YYYY-MM-DD>`` - outcome counts by hour and a duration
  histogram of the runs that concluded in that slot day (``rollup``), for the overview.
* sparse GSI ``attention``: ``att_pk=RUNS``, ``att_sk=<started_at>#<run_id>`` is present
  only while a run is RUNNING/FAILED/TIMED_OUT/DEAD, so "what needs attention since T
  across jobs" is one Query. (One index partition is fine at cron rates: a GSI partition
  takes 1,000 writes/s.)

Pure string work, no AWS calls; the writer and the reader both build their keys here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z
from scheduler.ledger.model import split_run_id

ATTENTION_PARTITION = "RUNS"
LOCK_SK = "LOCK"
LAST_SCHEDULED_SK = "LAST_SCHEDULED"  # before summaries: the newest slot's run_id (read only)
SUMMARY_SK = "SUMMARY"
RUN_PREFIX = "RUN#"
RUN_HIGH = "RUN#~"  # '~' sorts after every character a stamp or hex suffix uses
SECONDS_PER_DAY = 86_400


def job_pk(job: str) -> str:
    return f"JOB#{job}"


def run_sort_key(run_id: str) -> str:
    """``RUN#<ISO time>[-<hex>]``: the run id's time written as every time attribute is.

    Run ids keep their compact stamp (``JOB.20261202T212800Z``: no colons on a command
    line), but the table uses one time format throughout, ``2026-12-02T21:28:00Z``, so a
    key condition reads like the ``scheduled_for``/``started_at`` values beside it.
    """
    _job, rest = split_run_id(run_id)
    moment = datetime.strptime(rest[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return RUN_PREFIX + isoformat_z(moment) + rest[16:]


def run_key(run_id: str) -> dict[str, dict[str, str]]:
    job, _rest = split_run_id(run_id)
    return {C.TABLE_PK: {"S": job_pk(job)}, C.TABLE_SK: {"S": run_sort_key(run_id)}}


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def summary_key(job: str) -> dict[str, dict[str, str]]:
    return {C.TABLE_PK: {"S": job_pk(job)}, C.TABLE_SK: {"S": SUMMARY_SK}}
