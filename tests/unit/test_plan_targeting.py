"""--target and saved plans, the pure parts: narrowing a plan, fingerprints, the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.deploy import saved_plan
from scheduler.deploy.live import Snapshot
from scheduler.deploy.plan_reads import DeepState, what_to_read
from scheduler.deploy.planner import build_plan
from scheduler.deploy.render import render_json
from scheduler.deploy.targeting import check_targets, describe_partial, narrow
from scheduler.errors import UsageError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def first_plan():
    cat = load_catalogue(REPO / "jobs.yaml")
    desired = compile_catalogue(
        cat, "dev", account_id="123456789012", region="us-east-1", layers=()
    )
    empty = Snapshot(hints={}, functions={}, rules={}, schedules={}, groups=set(), roles={})
    return build_plan(desired, empty, what_to_read(desired, empty, "s"), DeepState(), "s")


def test_a_target_keeps_its_ops_and_the_shared_ones_in_order(first_plan) -> None:
    # GIVEN a first-deploy plan WHEN narrowed to heartbeat
    t = narrow(first_plan, ["heartbeat"])
    # THEN only heartbeat's and the shared operations remain, in the plan's order
    assert {op.job for op in t.plan.ops} == {None, "heartbeat"}
    positions = [first_plan.ops.index(op) for op in t.plan.ops]
    assert positions == sorted(positions)
    assert [op for op in first_plan.ops if op.job == "heartbeat"] == [
        op for op in t.plan.ops if op.job == "heartbeat"
    ]
    # AND the rest is counted and named as left for later
    # (counted as the text counts: a new function's tag stamp is part of its create)
    others = [op for op in first_plan.ops if op.job not in (None, "heartbeat")]
    stamps = [op for op in others if type(op).__name__ == "TagFunction"]
    assert stamps and t.left_out == len(others) - len(stamps)
    assert "heartbeat" not in t.left_out_jobs and "nightly-report" in t.left_out_jobs
    line = describe_partial(t)
    assert line.startswith("partial: only job heartbeat and the shared resources it needs; ")
    assert f"{t.left_out} other changes not applied" in line


def test_shared_deletes_are_never_swept_in(first_plan) -> None:
    # GIVEN a plan with a shared delete (as destroy makes) WHEN targeted THEN it is left out
    from scheduler.deploy import ops as o

    plan = first_plan.__class__(
        stage="dev", ops=(*first_plan.ops, o.DeleteQueue(name="q")), code_sha256="s"
    )
    assert not any(isinstance(op, o.DeleteQueue) for op in narrow(plan, ["heartbeat"]).plan.ops)


def test_an_unknown_target_names_the_nearest(first_plan) -> None:
    with pytest.raises(UsageError) as info:
        check_targets(["heartbaet"], ["heartbeat", "flaky-sync"], first_plan)
    assert "--target 'heartbaet'" in info.value.message
    assert info.value.hint == "did you mean 'heartbeat'?"
    check_targets(["heartbeat"], ["heartbeat"], first_plan)  # a known one passes


def test_live_fingerprint_ignores_what_aws_changes_by_itself() -> None:
    # GIVEN two reads of one stage that differ only in the table's item count
    def snap(items: int, timeout: int) -> Snapshot:
        return Snapshot(
            hints={},
            functions={"f": {"FunctionName": "f", "Timeout": timeout}},
            rules={},
            schedules={},
            groups={"g2", "g1"},
            roles={},
            table={"TableName": "t", "ItemCount": items, "TableSizeBytes": items * 10},
        )

    # THEN their fingerprints agree; a changed timeout does not
    same = saved_plan.live_fingerprint(snap(1, 60), DeepState())
    assert saved_plan.live_fingerprint(snap(500, 60), DeepState()) == same
    assert saved_plan.live_fingerprint(snap(1, 61), DeepState()) != same


def _saved(tmp_path: Path, first_plan) -> Path:
    path = tmp_path / "plan.json"
    saved_plan.write(
        path,
        saved_plan.SavedPlan(
            stage="dev", prefix="cronbridge", catalogue="/x/jobs.yaml", catalogue_sha256="c",
            live_sha256="l", targets=("heartbeat",), prune=True, refresh=False,
            plan=render_json(first_plan),
        ),
    )  # fmt: skip
    return path


def test_a_saved_plan_reads_back_and_checks(tmp_path: Path, first_plan) -> None:
    # GIVEN a saved plan WHEN read back THEN it is the same, and checks pass as saved
    saved = saved_plan.read(_saved(tmp_path, first_plan))
    assert saved.targets == ("heartbeat",) and saved.stage == "dev"
    saved_plan.check(saved, catalogue_sha256="c", live_sha256="l", plan=render_json(first_plan))
    # WHEN the catalogue, the stage or the operations differ THEN it is refused
    with pytest.raises(saved_plan.StalePlanError, match="job code changed"):
        saved_plan.check(saved, catalogue_sha256="X", live_sha256="l", plan=saved.plan)
    with pytest.raises(saved_plan.StalePlanError, match="stage dev changed"):
        saved_plan.check(saved, catalogue_sha256="c", live_sha256="X", plan=saved.plan)
    with pytest.raises(saved_plan.StalePlanError, match="different operations"):
        saved_plan.check(saved, catalogue_sha256="c", live_sha256="l", plan={"operations": []})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such plan file"),
        ("not json", "not a saved cronbridge plan"),
        ('{"format": "other"}', "not a saved cronbridge plan"),
        ('{"format": "cronbridge-plan", "version": 99}', "saved plan version 99"),
        ('{"format": "cronbridge-plan", "version": 1}', "incomplete"),
    ],
)
def test_a_bad_plan_file_is_one_clear_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message) as info:
        saved_plan.read(path)
    assert info.value.hint


def test_the_file_is_json_with_its_format_and_version(tmp_path: Path, first_plan) -> None:
    data = json.loads(_saved(tmp_path, first_plan).read_text())
    assert data["format"] == "cronbridge-plan" and data["version"] == 1
    assert data["plan"]["operations"]
