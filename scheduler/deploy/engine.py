"""Compose compile -> scan -> deep read -> plan -> apply. The entry points other code calls.

``plan_catalogue`` and ``apply_catalogue`` are what the CLI and local mode use, so the
emulator gets exactly the deploy that AWS gets. Clients are handed in (anything with
``client(service)``); nothing here builds them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scheduler import names
from scheduler.catalogue import Catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy import (
    apply_topic,
    live,
    live_iam,
    live_logs,
    paused,
    plan_artifacts,
    plan_extras,
    plan_topic,
)
from scheduler.deploy import ops as o
from scheduler.deploy.awsapi import AwsApi, ClientSource
from scheduler.deploy.live_reads import StageReads
from scheduler.deploy.ownership import Owner
from scheduler.deploy.plan_reads import DeepState, ReadRequest, what_to_read
from scheduler.deploy.planner import build_plan
from scheduler.errors import CronbridgeError
from scheduler.resources import DesiredState
from scheduler.resources.artifacts import code_bucket, code_key

if TYPE_CHECKING:
    # Applying imports the executor and its appliers; a plan (or a no-op deploy) does not.
    from scheduler.deploy.executor import ApplyResult

Progress = Callable[[str], None]

_LOG_PAGE = 50  # DescribeLogGroups' page (live_logs.py)


@dataclass
class PlanContext:
    """A plan and what it was built from (the executor needs the desired state and code)."""

    plan: o.Plan
    desired: DesiredState
    codes: Mapping[str, bytes]  # job -> its function's code zip (codeset.JobCodes)
    # What the plan read (listings, deep reads): a saved plan keeps their fingerprint.
    snapshot: Any = None
    deep: Any = None
    # Pauses this deploy ends (--resume-paused): marked resumed once the plan is applied.
    resumed: dict[str, paused.StagePause] = field(default_factory=dict)


def _codes(catalogue: Catalogue, desired: DesiredState) -> Mapping[str, bytes]:
    """Each function's zip: its handler module's import closure plus the worker's
    (zipbuild.py), one per module, so a new or changed job leaves the others' code alone;
    hashed for the plan from the build cache, built when apply needs it (codeset.py). A
    platform function (the monitor) runs its own Lambda handler's module."""
    from scheduler.deploy.codeset import job_codes

    wanted: dict[str, str] = {}
    for name, res in desired.jobs.items():
        job = catalogue.jobs.get(name)
        entry = res.function.handler.rsplit(".", 1)[0]
        wanted[name] = job.handler_module if job is not None else entry
    return job_codes(catalogue.root, wanted)


def plan_catalogue(
    catalogue: Catalogue,
    stage: str,
    clients: ClientSource,
    *,
    prune: bool = True,
    refresh: bool = False,
    layers: Sequence[str] | None = None,
    destroy: bool = False,
    include_data: bool = False,
    code: bytes | None = None,
    region: str | None = None,
    check_boundary: bool = True,
    resume_paused: bool = False,
    read_parallelism: int = 1,
    now: datetime | None = None,
    reads: StageReads | None = None,
) -> PlanContext:
    """Read the live stage and diff it against the catalogue. No writes. ``check_boundary``
    False skips proving the catalogue's permissions boundary exists (a local emulator has no
    CI bootstrap to create it). A paused job's rules or schedules stay off
    (``scheduler.deploy.paused``) unless ``resume_paused``. ``read_parallelism``: how many
    of the stage's listings run at once (``live_reads``; one by one unless asked, as for
    ``apply_plan``). ``now`` dates the code objects old enough to prune
    (``plan_artifacts.GRACE``). ``reads``: the stage's listings, already started from the
    same clients before the catalogue was loaded (``cli.prefetch``); used only when they
    were named for this catalogue's prefix, this stage and this kind of plan."""
    api = AwsApi(clients)
    region = region or _region(clients)
    if reads is None or not reads.is_for(catalogue.prefix, stage, destroy=destroy):
        if reads is not None:
            reads.close()  # named for another prefix than the loaded catalogue's
        reads = StageReads(
            api, catalogue.prefix, stage, destroy=destroy, parallelism=read_parallelism
        )
    try:
        return _plan(
            catalogue, stage, api, reads, prune=prune, refresh=refresh, layers=layers,
            destroy=destroy, include_data=include_data, code=code, region=region,
            check_boundary=check_boundary, resume_paused=resume_paused,
            now=now or datetime.now(UTC),
        )  # fmt: skip
    finally:
        reads.close()


def _plan(
    catalogue: Catalogue, stage: str, api: AwsApi, reads: StageReads, *, prune: bool,
    refresh: bool, layers: Sequence[str] | None, destroy: bool, include_data: bool,
    code: bytes | None, region: str, check_boundary: bool, resume_paused: bool, now: datetime,
) -> PlanContext:  # fmt: skip
    from scheduler.deploy.codeset import code_shas

    roles = reads.roles()
    desired = compile_catalogue(
        catalogue, stage, account_id=_account_id(api, roles), region=region, layers=layers
    )
    boundary = desired.shared.scheduler_role.permissions_boundary
    if boundary and check_boundary and not destroy:
        _require_boundary(api, boundary)
    if destroy:
        desired = DesiredState(
            prefix=desired.prefix, stage=stage, account_id=desired.account_id, region=region,
            shared=desired.shared, jobs={}, ownership_tags=desired.ownership_tags,
        )  # fmt: skip
    pauses = reads.pauses()
    if pauses and not resume_paused:
        desired = paused.hold(desired, pauses)
    if destroy:
        codes: Mapping[str, bytes] = {}
    elif code is not None:
        codes = {name: code for name in desired.jobs}  # one zip for every job (tests)
    else:
        codes = _codes(catalogue, desired)
    sha = code_shas(codes)
    snapshot = reads.snapshot(desired)
    if refresh or destroy:
        # Every log group of the stage, with its retention (50 a page); a plain plan reads a
        # job's group only when it reads the job (its spec is in the job's fingerprint).
        snapshot.log_groups = live_logs.list_log_groups(api, plan_extras.log_group_prefix(desired))
    request = what_to_read(desired, snapshot, sha, refresh=refresh, prune=prune or destroy)
    if destroy:
        # Deleting needs each resource's own tags, read from its own service.
        request.shared |= {"jobs_group", "retry_group"}
        if include_data:
            request.shared |= {"table", "queue"}
    deep = deep_read(api, desired, snapshot, request)
    plan = build_plan(
        desired, snapshot, request, deep, sha, prune=prune, destroy=destroy,
        include_data=include_data,
    )  # fmt: skip
    plan = _with_alert_topic(api, desired, snapshot, plan, refresh=refresh, destroy=destroy)
    plan = _with_code(api, desired, plan, sha, refresh=refresh, destroy=destroy, now=now)
    notes = tuple(p.note(resume_paused) for job, p in sorted(pauses.items()) if job in desired.jobs)
    if notes:
        plan = replace(plan, notes=plan.notes + notes)
    resumed = {j: p for j, p in pauses.items() if j in desired.jobs} if resume_paused else {}
    return PlanContext(
        plan=plan, desired=desired, codes=codes, snapshot=snapshot, deep=deep, resumed=resumed
    )


def _with_alert_topic(
    api: AwsApi, desired: DesiredState, snapshot: live.Snapshot, plan: o.Plan, *,
    refresh: bool, destroy: bool,
) -> o.Plan:  # fmt: skip
    """The stage's alert topic: read from SNS when desired; when not, looked for where the
    tagging API points (prune), or at its one possible name (destroy)."""
    live_tags = None
    if desired.alert_topic is not None:
        live_tags = apply_topic.read_topic(api, desired.alert_topic.arn)
    stray_arn = plan_topic.stray_topic_arn(desired, snapshot.hints)
    if destroy and stray_arn is None:
        name = names.alert_topic(desired.prefix, desired.stage)
        stray_arn = f"arn:aws:sns:{desired.region}:{desired.account_id}:{name}"
    stray = (stray_arn, apply_topic.read_topic(api, stray_arn)) if stray_arn else None
    first, last = plan_topic.topic_ops(desired, live_tags, stray=stray, refresh=refresh)
    return plan_topic.with_topic(plan, first, last)


def _with_code(
    api: AwsApi, desired: DesiredState, plan: o.Plan, shas: Mapping[str, str], *,
    refresh: bool, destroy: bool, now: datetime,
) -> o.Plan:  # fmt: skip
    """The code bucket and objects (plan_artifacts): S3 is read only when some function
    needs code, or when refreshing or destroying."""
    users = plan_artifacts.jobs_needing_code(plan)
    if not users and not refresh and not destroy:
        return plan
    from scheduler.deploy.apply_code import read_bucket

    bucket = code_bucket(desired)
    live_bucket = read_bucket(api, bucket, objects=not destroy)
    keys = {job: code_key(sha) for job, sha in shas.items()}
    needed: dict[str, int] = {}
    for job in users:
        needed[keys[job]] = needed.get(keys[job], 0) + 1
    first, last = plan_artifacts.code_ops(
        bucket, live_bucket, needed=needed, wanted=set(keys.values()),
        owner=Owner(desired.prefix, desired.stage), now=now, refresh=refresh, destroy=destroy,
    )  # fmt: skip
    return plan_artifacts.with_code(plan, first, last)


def deep_read(
    api: AwsApi, desired: DesiredState, snapshot: live.Snapshot, request: ReadRequest
) -> DeepState:
    deep = DeepState()
    s = desired.shared
    readers: dict[str, Callable[[], Any]] = {
        "table": lambda: live.read_table(api, s.table),
        "queue": lambda: live.read_queue(api, s.queue),
        "scheduler_role": lambda: live_iam.read_role(
            api, s.scheduler_role, snapshot.roles.get(s.scheduler_role.name)
        ),
        "jobs_group": lambda: live.read_group(api, s.jobs_group),
        "retry_group": lambda: live.read_group(api, s.retry_group),
    }
    for key in sorted(request.shared):
        deep.shared[key] = readers[key]()
    log_groups = snapshot.log_groups
    if log_groups is None and len(request.jobs) > len(snapshot.functions) // _LOG_PAGE + 1:
        # Listing the stage's groups (50 a page) costs less than one read per job.
        log_groups = live_logs.list_log_groups(api, plan_extras.log_group_prefix(desired))
    for name in request.jobs:
        res = desired.jobs[name]
        # Lambda's own listing is the authority on which functions exist: no GetFunction
        # for one it does not list (every function of a first deploy).
        listed_fn = res.function.name in snapshot.functions
        fn = live.read_function(api, res.function.name) if listed_fn else None
        job = live.DeepJob(function=fn)
        if res.role.name in snapshot.roles:
            job.role = live_iam.read_role(api, res.role)
        listed = _listed_log_group(api, log_groups, res.log_group.name)
        if listed is not None:
            tags = live_logs.log_group_tags(api, res.log_group.arn)
            job.log_group = live_logs.from_listing(res.log_group, listed, tags)
        if fn is not None:
            job.async_config = live.read_async_config(api, res.function.name)
            job.permissions = live.read_permissions(api, res.function.name)
        for rule in res.rules:
            exists = rule.name in snapshot.rules
            job.rules[rule.name] = (
                live.read_rule(api, rule.name, rule.target.target_id) if exists else None
            )
        for sched in res.schedules:
            exists = sched.name in snapshot.schedules
            job.schedules[sched.name] = (
                live.read_schedule(api, sched.name, sched.group_name, name) if exists else None
            )
        deep.jobs[name] = job
    for rule_name in request.stray_rules:
        deep.stray_rules[rule_name] = live.read_rule(api, rule_name, "worker")
    for function_name in request.stray_functions:
        deep.stray_functions[function_name] = live.read_function(api, function_name)
    for group, name in request.stray_schedules:
        deep.stray_schedules[(group, name)] = api.get_schedule(name, group)
    # Leftovers of removed jobs: their own service's read proves them ours before a delete.
    for role_name in request.stray_roles:
        deep.stray_roles[role_name] = live_iam.get_role(api, role_name)
    for group_name in request.stray_log_groups:
        partition = desired.shared.table.arn.split(":")[1]
        arn = f"arn:{partition}:logs:{desired.region}:{desired.account_id}:log-group:"
        # None (no such group) when the candidate came from a leftover role or function.
        deep.stray_log_groups[group_name] = live_logs.log_group_tags(api, arn + group_name)
    return deep


def apply_plan(
    ctx: PlanContext,
    clients: ClientSource,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    parallelism: int = 1,
) -> ApplyResult:
    """``sleep``: how to wait between retries (IAM propagation, new-table backups).
    ``parallelism``: how many independent jobs' operations run at once. One by one unless
    asked (the CLI asks): moto's in-process backends, which tests and benchmarks use, are
    not thread-safe, while AWS and the local emulator (one request at a time) are."""
    from scheduler.deploy.apply_code import CodeStore
    from scheduler.deploy.codeset import code_shas
    from scheduler.deploy.executor import Executor

    owner = Owner(ctx.desired.prefix, ctx.desired.stage)
    api = AwsApi(clients, sleep=sleep)
    code = CodeStore(code_bucket(ctx.desired).name, ctx.codes, code_shas(ctx.codes))
    executor = Executor(api, code, owner=owner, parallelism=parallelism)
    result = executor.apply(ctx.plan, progress)
    if ctx.resumed:
        # The rules/schedules are on again (the plan did it): now the pauses are over.
        paused.end_pauses(api, ctx.desired, ctx.resumed, datetime.now(UTC))
    return result


def apply_catalogue(
    catalogue: Catalogue,
    stage: str,
    clients: ClientSource,
    *,
    prune: bool = True,
    progress: Progress | None = None,
    layers: Sequence[str] | None = None,
    region: str | None = None,
    code: bytes | None = None,
    check_boundary: bool = True,
    refresh: bool = False,
    parallelism: int = 1,
) -> ApplyResult:
    """Plan, then apply: converges the stage on the catalogue (idempotent). ``code`` is the
    zip to deploy; by default it is built from the catalogue's folder. ``refresh`` reads
    every resource deeply, so changes made outside cronbridge (drift) are repaired too."""
    ctx = plan_catalogue(
        catalogue, stage, clients, prune=prune, layers=layers, region=region, code=code,
        check_boundary=check_boundary, refresh=refresh,
    )  # fmt: skip
    return apply_plan(ctx, clients, progress=progress, parallelism=parallelism)


def remaining_after_destroy(
    catalogue: Catalogue,
    stage: str,
    clients: ClientSource,
    *,
    include_data: bool = False,
    region: str | None = None,
    tries: int = 4,
    delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """What of the stage still exists after a destroy, read again from each service.

    Empty means destroyed. Re-planning the destroy is the check: it finds resources with
    Lambda's, EventBridge's, Scheduler's, IAM's, DynamoDB's and SQS's own reads, never the
    tagging API. A deleted SQS queue can still answer for up to 60 s, so leftovers (but
    not refusals, which no wait changes) are re-read a few times before giving up.
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
    """
    for attempt in range(tries):
        ctx = plan_catalogue(
            catalogue, stage, clients, destroy=True, include_data=include_data, code=b"",
            layers=(), region=region,
        )  # fmt: skip
        left = [f"{op.kind} {op.resource}" for op in ctx.plan.ops]
        if not left or attempt + 1 == tries:
            return left + list(ctx.plan.refusals)
        sleep(delay)
    return []


def _listed_log_group(
    api: AwsApi, listing: dict[str, dict[str, Any]] | None, name: str
) -> dict[str, Any] | None:
    """The job's log group from the stage listing when there is one, else read by name."""
    if listing is not None:
        return listing.get(name)
    return live_logs.list_log_groups(api, name).get(name)


def _require_boundary(api: AwsApi, arn: str) -> None:
    """Refuse before any write: IAM would refuse CreateRole with a missing boundary only
    halfway through the deploy, and the CI role cannot create roles without it."""
    if not live_iam.boundary_exists(api, arn):
        raise CronbridgeError(
            f"permissions boundary {arn} does not exist (jobs.yaml: permissions_boundary)",
            hint="create it with deploy/ci-role.yaml (its BoundaryPolicy), or remove "
            "permissions_boundary from jobs.yaml",
        )


def _account_id(api: AwsApi, roles: dict[str, dict[str, Any] | None]) -> str:
    """The account from an existing role's ARN (saves an STS call per plan), else STS."""
    for role in roles.values():
        if role and str(role.get("Arn", "")).startswith("arn:"):
            return str(role["Arn"]).split(":")[4]
    return api.account_id()


def _region(clients: ClientSource) -> str:
    name = getattr(clients, "region_name", None)
    if isinstance(name, str) and name:
        return name
    return str(clients.client("sts").meta.region_name)
