"""Planner (pure): from a hand-built snapshot and deep reads to typed operations."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from scheduler import contract
from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy import ops as o
from scheduler.deploy.live import DeepJob, LiveFunction, Snapshot
from scheduler.deploy.plan_diff import OwnershipConflictError
from scheduler.deploy.plan_reads import DeepState, what_to_read
from scheduler.deploy.planner import build_plan
from scheduler.deploy.render import render_json, render_text
from scheduler.resources import DesiredState

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def desired() -> DesiredState:
    cat = load_catalogue(REPO / "jobs.yaml")
    return compile_catalogue(cat, "dev", account_id="123456789012", region="us-east-1", layers=())


def _converged_snapshot(d: DesiredState, sha: str) -> Snapshot:
    owned = {
        d.shared.table.arn: d.shared.table.tags_with_spec,
        d.shared.queue.arn: d.shared.queue.tags_with_spec,
    }
    rules = {}
    schedules = {}
    for res in d.jobs.values():
        owned[res.function.arn] = {**res.function.tags, contract.TAG_SPEC_HASH: res.spec_hash(sha)}
        for r in res.rules:
            rules[r.name] = {
                "Name": r.name,
                "State": r.state,
                "ScheduleExpression": r.schedule_expression,
                "Description": r.description,
            }
        for s in res.schedules:
            schedules[s.name] = {"Name": s.name, "State": s.state}
    # ListRoles entries (no tags) for job roles; GetRole (with tags) for the scheduler role
    roles: dict[str, dict | None] = {
        res.role.name: {"RoleName": res.role.name, "Arn": res.role.arn, "Path": res.role.path}
        for res in d.jobs.values()
    }
    sched = d.shared.scheduler_role
    roles[sched.name] = {
        "Arn": sched.arn,
        "Path": sched.path,
        "Tags": [{"Key": k, "Value": v} for k, v in sched.tags_with_spec.items()],
    }
    log_groups = {
        res.log_group.name: {
            "logGroupName": res.log_group.name,
            "retentionInDays": res.log_group.retention_in_days,
            "logGroupArn": res.log_group.arn,
        }
        for res in d.jobs.values()
    }
    functions = {
        res.function.name: {"FunctionName": res.function.name, "CodeSha256": sha}
        for res in d.jobs.values()
    }
    return Snapshot(
        hints=owned,
        functions=functions,
        rules=rules,
        schedules=schedules,
        groups={d.shared.jobs_group.name, d.shared.retry_group.name},
        roles=roles,
        table={"TableName": d.shared.table.name, "TableStatus": "ACTIVE"},
        queue_url=d.shared.queue.url,
        log_groups=log_groups,
    )


def test_converged_snapshot_needs_no_reads_and_no_ops(desired: DesiredState) -> None:
    # GIVEN live state whose fingerprints all match WHEN planning
    snap = _converged_snapshot(desired, "sha")
    req = what_to_read(desired, snap, "sha")
    plan = build_plan(desired, snap, req, DeepState(), "sha")
    # THEN nothing is deep-read and nothing changes
    assert (req.shared, req.jobs, req.stray_rules) == (set(), set(), [])
    assert plan.ops == ()
    assert "no changes" in render_text(plan)


def test_new_code_reads_every_job_and_updates_code_then_stamps(desired: DesiredState) -> None:
    snap = _converged_snapshot(desired, "old")
    req = what_to_read(desired, snap, "new")
    assert req.jobs == set(desired.jobs)
    res = desired.jobs["heartbeat"]
    live_fn = LiveFunction(
        function=res.function,
        code_sha256="old",
        raw_tags={**res.function.tags, contract.TAG_SPEC_HASH: "x"},
    )
    from scheduler.deploy.live import LiveRule

    rule = res.rules[0]
    deep = DeepState(
        jobs={
            "heartbeat": DeepJob(
                role=res.role,
                log_group=res.log_group,
                function=live_fn,
                async_config=res.async_config,
                permissions={rule.permission.statement_id: rule.permission},
                rules={
                    rule.name: LiveRule(
                        rule.name,
                        rule.arn,
                        rule.schedule_expression,
                        rule.state,
                        rule.description,
                        rule.tags,
                        rule.target,
                    )
                },
            )
        }
    )
    req.jobs = {"heartbeat"}
    plan = build_plan(desired, snap, req, deep, "new")
    assert [type(op) for op in plan.ops] == [o.UpdateFunctionCode, o.TagFunction]
    # AND a person counts one change (the code); the re-stamp is bookkeeping, in JSON only
    data = render_json(plan)
    assert data["summary"] == {"create": 0, "update": 1, "delete": 0}
    assert [op["bookkeeping"] for op in data["operations"]] == [False, True]
    text = render_text(plan)
    assert "function tags" not in text and contract.TAG_SPEC_HASH not in text


def test_unowned_function_with_our_name_is_a_conflict(desired: DesiredState) -> None:
    snap = _converged_snapshot(desired, "sha")
    res = desired.jobs["heartbeat"]
    del snap.hints[res.function.arn]
    req = what_to_read(desired, snap, "sha")
    assert req.jobs == {"heartbeat"}
    foreign = LiveFunction(
        function=dataclasses.replace(res.function, tags={}),
        code_sha256="sha",
        raw_tags={"team": "someone"},
    )
    with pytest.raises(OwnershipConflictError):
        build_plan(
            desired, snap, req, DeepState(jobs={"heartbeat": DeepJob(function=foreign)}), "sha"
        )


def test_owned_function_of_removed_job_is_pruned_only_with_prune(desired: DesiredState) -> None:
    # GIVEN Lambda lists a function of a job no longer in the catalogue
    snap = _converged_snapshot(desired, "sha")
    snap.functions["cronbridge-dev-gone"] = {"FunctionName": "cronbridge-dev-gone"}
    req = what_to_read(desired, snap, "sha")
    # THEN it is deep-read (its own tags decide), and deleted only when owned
    assert req.stray_functions == ["cronbridge-dev-gone"]
    fn = desired.jobs["heartbeat"].function
    gone = dataclasses.replace(fn, name="cronbridge-dev-gone")
    ours = LiveFunction(gone, "sha", {**desired.ownership_tags, contract.TAG_JOB: "gone"})
    plan = build_plan(desired, snap, req, DeepState(stray_functions={gone.name: ours}), "sha")
    assert [op.describe() for op in plan.ops] == ["delete function cronbridge-dev-gone"]
    req = what_to_read(desired, snap, "sha", prune=False)
    assert req.stray_functions == []
    assert build_plan(desired, snap, req, DeepState(), "sha", prune=False).ops == ()


def test_function_of_another_prefix_or_untagged_is_never_pruned(desired: DesiredState) -> None:
    # GIVEN stray functions: one tagged with another prefix, one with no tags, one from
    # before the prefix tag existed (managed-by + stage only) with our name
    snap = _converged_snapshot(desired, "sha")
    fn = desired.jobs["heartbeat"].function
    other = {**desired.ownership_tags, contract.TAG_PREFIX: "other"}
    legacy = {k: v for k, v in desired.ownership_tags.items() if k != contract.TAG_PREFIX}
    strays = {
        "cronbridge-dev-other": LiveFunction(fn, "sha", other),
        "cronbridge-dev-bare": LiveFunction(fn, "sha", {}),
        "cronbridge-dev-legacy": LiveFunction(fn, "sha", legacy),
    }
    req = what_to_read(desired, snap, "sha")
    # WHEN planning a prune
    plan = build_plan(desired, snap, req, DeepState(stray_functions=strays), "sha")
    # THEN only the legacy one, ours by name, is deleted
    assert [op.describe() for op in plan.ops] == ["delete function cronbridge-dev-legacy"]


def test_first_deploy_plan_renders_like_the_golden(desired: DesiredState) -> None:
    # GIVEN an empty account WHEN the sample catalogue is planned
    empty = Snapshot(hints={}, functions={}, rules={}, schedules={}, groups=set(), roles={})
    request = what_to_read(desired, empty, "sha-1")
    plan = build_plan(desired, empty, request, DeepState(), "sha-1")
    # THEN the text a reviewer reads is pinned: creates say what they make, tags fold in
    golden = REPO / "tests" / "golden" / "plan_first_deploy_dev.txt"
    text = render_text(plan) + "\n"
    if os.environ.get("CRONBRIDGE_UPDATE_GOLDENS"):
        golden.write_text(text)
    assert text == golden.read_text()
    assert "~ function tags" not in text


def test_plan_json_keys_are_pinned(desired: DesiredState) -> None:
    # GIVEN a first-deploy plan WHEN rendered for machines THEN the versioned keys hold
    empty = Snapshot(hints={}, functions={}, rules={}, schedules={}, groups=set(), roles={})
    plan = build_plan(desired, empty, what_to_read(desired, empty, "s"), DeepState(), "s")
    data = render_json(plan)
    assert set(data) == {
        "version",
        "stage",
        "changes",
        "summary",
        "code_sha256",
        "unchanged_jobs",
        "operations",
        "refusals",
    }
    assert data["version"] == 1 and data["changes"] is True
    assert set(data["summary"]) == {"create", "update", "delete"}
    for op in data["operations"]:
        assert set(op) == {"op", "job", "kind", "action", "resource", "bookkeeping", "changes"}
    kinds = {(op["job"], op["op"]) for op in data["operations"]}
    assert ("heartbeat", "CreateFunction") in kinds and (None, "PutTable") in kinds


def test_role_and_log_group_come_before_the_function(desired: DesiredState) -> None:
    # GIVEN an empty account WHEN planning THEN each job starts with its role and log group
    empty = Snapshot(hints={}, functions={}, rules={}, schedules={}, groups=set(), roles={})
    plan = build_plan(desired, empty, what_to_read(desired, empty, "s"), DeepState(), "s")
    ops = [op for op in plan.ops if op.job == "heartbeat"]
    assert [type(op) for op in ops[:3]] == [o.PutRole, o.PutLogGroup, o.CreateFunction]
    # AND every job's role is made before any function, so IAM has time to propagate it
    kinds = [type(op) for op in plan.ops]
    assert max(i for i, k in enumerate(kinds) if k is o.PutRole) < kinds.index(o.CreateFunction)


def test_changed_log_retention_is_read_and_updated(desired: DesiredState) -> None:
    # GIVEN a converged stage whose heartbeat log group keeps logs for ever (no policy)
    snap = _converged_snapshot(desired, "sha")
    res = desired.jobs["heartbeat"]
    del snap.log_groups[res.log_group.name]["retentionInDays"]
    # WHEN planning THEN only that job is deep-read
    req = what_to_read(desired, snap, "sha")
    assert req.jobs == {"heartbeat"}
    live_group = dataclasses.replace(res.log_group, retention_in_days=0)
    fn = LiveFunction(
        function=res.function,
        code_sha256="sha",
        raw_tags={**res.function.tags, contract.TAG_SPEC_HASH: res.spec_hash("sha")},
    )
    deep = DeepState(jobs={"heartbeat": _deep_converged(res, fn, live_group)})
    plan = build_plan(desired, snap, req, deep, "sha")
    # THEN the retention is set, and nothing else changes (the job is stamped again last)
    assert [op.describe() for op in plan.ops] == [
        "update log group /aws/lambda/cronbridge-dev-heartbeat",
        "update function tags cronbridge-dev-heartbeat",
    ]
    assert plan.ops[0].changes == (o.Change("retention_in_days", 0, 30),)


def _deep_converged(res, fn, log_group) -> DeepJob:  # type: ignore[no-untyped-def]
    from scheduler.deploy.live import LiveRule

    rule = res.rules[0]
    return DeepJob(
        role=res.role,
        log_group=log_group,
        function=fn,
        async_config=res.async_config,
        permissions={rule.permission.statement_id: rule.permission},
        rules={
            rule.name: LiveRule(
                rule.name, rule.arn, rule.schedule_expression, rule.state,
                rule.description, rule.tags, rule.target,
            )
        },
    )  # fmt: skip


def test_removed_jobs_role_and_log_group_are_pruned_only_when_ours(
    desired: DesiredState,
) -> None:
    # GIVEN a converged stage plus a removed job's function, role and log group, and a role
    # and a log group under our names that carry no ownership tags
    snap = _converged_snapshot(desired, "sha")
    snap.functions["cronbridge-dev-gone"] = {"FunctionName": "cronbridge-dev-gone"}
    owned_tags = {**desired.ownership_tags, contract.TAG_JOB: "gone"}
    gone = dataclasses.replace(desired.jobs["heartbeat"].function, name="cronbridge-dev-gone")
    for name in ("cronbridge-dev-gone-job", "cronbridge-dev-stranger-job"):
        snap.roles[name] = {"RoleName": name, "Path": "/cronbridge/cronbridge/dev/"}
    for name in ("/aws/lambda/cronbridge-dev-gone", "/aws/lambda/cronbridge-dev-stranger"):
        snap.log_groups[name] = {"logGroupName": name}
    req = what_to_read(desired, snap, "sha")
    assert req.stray_roles == ["cronbridge-dev-gone-job", "cronbridge-dev-stranger-job"]
    tag_list = [{"Key": k, "Value": v} for k, v in owned_tags.items()]
    deep = DeepState(
        stray_functions={gone.name: LiveFunction(gone, "sha", owned_tags)},
        stray_roles={
            "cronbridge-dev-gone-job": {"Tags": tag_list},
            "cronbridge-dev-stranger-job": {},
        },
        stray_log_groups={
            "/aws/lambda/cronbridge-dev-gone": owned_tags,
            "/aws/lambda/cronbridge-dev-stranger": {"team": "x"},
        },
    )
    # WHEN planning with prune THEN the function goes first, then its log group and role,
    # and nothing without our tags is touched
    plan = build_plan(desired, snap, req, deep, "sha")
    assert [op.describe() for op in plan.ops] == [
        "delete function cronbridge-dev-gone",
        "delete log group /aws/lambda/cronbridge-dev-gone",
        "delete role cronbridge-dev-gone-job",
    ]
    # AND without prune nothing is read or deleted
    req = what_to_read(desired, snap, "sha", prune=False)
    assert (req.stray_roles, req.stray_log_groups) == ([], [])
    assert build_plan(desired, snap, req, DeepState(), "sha", prune=False).ops == ()


def test_plain_plan_finds_a_removed_jobs_log_group_through_its_role(
    desired: DesiredState,
) -> None:
    # GIVEN a plain plan (log groups not listed) and a leftover role of a removed job
    snap = _converged_snapshot(desired, "sha")
    snap.log_groups = None
    snap.roles["cronbridge-dev-gone-job"] = {"RoleName": "cronbridge-dev-gone-job"}
    # WHEN planning THEN nothing desired is deep-read, and the job's log group is a candidate
    req = what_to_read(desired, snap, "sha")
    assert req.jobs == set()
    assert req.stray_log_groups == ["/aws/lambda/cronbridge-dev-gone"]
