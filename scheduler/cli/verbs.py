"""The CLI's verbs: name, module and one-line help, without importing any verb module.

``cronbridge --help`` lists every verb from this table alone, and a command imports only
its own verb's module (and so only that verb's dependencies: ``validate`` never loads
boto3). Each module named here exposes ``configure(parser)`` and ``run(args) -> Result``.
The help line lives here, not in the module, so the listing needs no import.
"""

from __future__ import annotations

from typing import NamedTuple


class Verb(NamedTuple):
    name: str
    module: str  # imported only when this verb runs (or shows its own --help)
    help: str


VERBS: tuple[Verb, ...] = (
    Verb(
        "validate",
        "scheduler.cli.validate",
        "check jobs.yaml and report every problem (no AWS calls)",
    ),
    Verb(
        "list",
        "scheduler.cli.list_jobs",
        "list the jobs in jobs.yaml with their schedules",
    ),
    Verb(
        "next",
        "scheduler.cli.next_fires",
        "show the next fire times of jobs, or of --schedule EXPR",
    ),
    Verb(
        "schema",
        "scheduler.cli.schema",
        "print the JSON Schema of jobs.yaml (for editor completion and checks)",
    ),
    Verb(
        "completion",
        "scheduler.cli.completion",
        "print a shell completion script: completion bash|zsh|fish",
    ),
    Verb(
        "package",
        "scheduler.cli.package",
        "write a CloudFormation template and the code zip for a stage (no AWS calls)",
    ),
    Verb(
        "plan",
        "scheduler.cli.plan",
        "show what `deploy` would create, update or delete",
    ),
    Verb(
        "deploy",
        "scheduler.cli.deploy",
        "create or update the stage's AWS resources to match jobs.yaml",
    ),
    Verb(
        "destroy",
        "scheduler.cli.destroy",
        "delete every resource the stage owns (data kept unless --include-data)",
    ),
    Verb(
        "local",
        "scheduler.cli.local",
        "run the platform locally: `local up` (real time) or `local simulate` (virtual time)",
    ),
    Verb(
        "run",
        "scheduler.cli.run_job",
        "run a job now (asynchronously; --wait follows it to the end)",
    ),
    Verb(
        "backfill",
        "scheduler.cli.backfill",
        "run every slot of a job's schedule in [--from, --to) that has not run yet",
    ),
    Verb(
        "pause",
        "scheduler.cli.pause",
        "pause a deployed job (its rules or schedules off) with a reason and an expiry",
    ),
    Verb(
        "resume",
        "scheduler.cli.resume",
        "resume a paused job",
    ),
    Verb(
        "history",
        "scheduler.cli.history",
        "show recent runs of one job or of every job",
    ),
    Verb(
        "show",
        "scheduler.cli.show",
        "show one run with every attempt and its error",
    ),
    Verb(
        "describe",
        "scheduler.cli.describe",
        "one job: catalogue vs deployed configuration, schedule, next fires, last runs",
    ),
    Verb(
        "logs",
        "scheduler.cli.logs",
        "show one run's log lines, every attempt (--follow to stream them)",
    ),
    Verb(
        "status",
        "scheduler.cli.status",
        "health of every job (OK, STUCK, LATE, FAILING, DISABLED); "
        "exit 1 if any is STUCK/LATE/FAILING",
    ),
    Verb(
        "dlq",
        "scheduler.cli.dlq",
        "list, redrive, reconcile or purge dead-letter messages",
    ),
    Verb(
        "ui",
        "scheduler.cli.ui",
        "serve a web page of runs, health and dead letters (http://127.0.0.1:8765)",
    ),
    Verb(
        "report",
        "scheduler.cli.report",
        "write the run overview and job pages as one static HTML file",
    ),
)

BY_NAME: dict[str, Verb] = {verb.name: verb for verb in VERBS}
