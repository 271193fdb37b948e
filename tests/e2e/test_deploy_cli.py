"""plan / deploy / destroy through the real CLI against a moto server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli.main import main


def test_plan_deploy_plan_cycle(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # GIVEN an empty account WHEN planning THEN changes are reported with exit code 2
    assert main(["plan", *aws, "--detailed-exitcode", "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1 and data["summary"]["create"] > 10
    # WHEN deploying without --yes and without a TTY THEN it refuses with one line
    assert main(["deploy", *aws]) == 1
    assert "refusing to apply" in capsys.readouterr().err
    # WHEN deploying with --yes THEN progress goes to stderr, one line per resource
    assert main(["deploy", *aws, "--yes"]) == 0
    err = capsys.readouterr().err
    assert "create function cronbridge-dev-heartbeat: done" in err
    # THEN a second plan has nothing to do (exit 0)
    assert main(["plan", *aws, "--detailed-exitcode"]) == 0
    assert "no changes" in capsys.readouterr().out
    # AND destroy --yes removes the jobs
    assert main(["destroy", *aws, "--yes"]) == 0


def test_aws_error_is_one_line(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an endpoint nobody listens on WHEN planning THEN one error line, no traceback
    code = main(["plan", "-f", str(catalogue), "--endpoint-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and "Traceback" not in err


def test_destroy_refuses_a_group_with_a_hand_made_schedule(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # GIVEN the sample deployed, and a schedule made by hand in the stage's jobs group
    assert main(["deploy", *aws, "--yes"]) == 0
    kw = {"endpoint_url": moto_endpoint, "region_name": "us-east-1"}
    fn = boto3.client("lambda", **kw).get_function(FunctionName="cronbridge-dev-heartbeat")
    sched = boto3.client("scheduler", **kw)
    sched.create_schedule(
        Name="hand-made",
        GroupName="cronbridge-dev",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": fn["Configuration"]["FunctionArn"], "RoleArn": fn["Configuration"]["Role"]},
    )
    capsys.readouterr()
    # WHEN destroying the stage
    code = main(["destroy", *aws, "--yes"])
    # THEN it exits 1 naming the schedule it kept, which still exists, in its group
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    # (the very line README's "What destroy refuses" shows)
    assert (
        "error: stage dev is not fully destroyed; still there: schedule group cronbridge-dev "
        "still holds 1 schedule(s) cronbridge did not create, so it is kept: hand-made\n"
    ) in err
    left = sched.list_schedules(GroupName="cronbridge-dev")["Schedules"]
    assert [s["Name"] for s in left] == ["hand-made"]


def test_deploy_refresh_repairs_drift(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    assert main(["deploy", *aws, "--yes"]) == 0
    # GIVEN a timeout changed in the console
    lam = boto3.client("lambda", endpoint_url=moto_endpoint, region_name="us-east-1")
    lam.update_function_configuration(FunctionName="cronbridge-dev-heartbeat", Timeout=77)
    capsys.readouterr()
    # WHEN planning with --refresh THEN it shows (exit 2)
    assert main(["plan", *aws, "--refresh", "--detailed-exitcode"]) == 2
    assert "timeout: 77 -> 10" in capsys.readouterr().out
    # WHEN deploying with --refresh THEN it is repaired, and a deep plan is clean
    assert main(["deploy", *aws, "--refresh", "--yes"]) == 0
    assert main(["plan", *aws, "--refresh", "--detailed-exitcode"]) == 0
    fn = lam.get_function(FunctionName="cronbridge-dev-heartbeat")
    assert fn["Configuration"]["Timeout"] == 10


def test_deploy_plans_without_collection_passes_and_applies_with_them(
    moto_endpoint: str, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc
    import sys

    from scheduler.cli import gcpolicy

    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # GIVEN a deploy with changes to apply, its plan and its apply observed as they start
    seen: dict[str, tuple[int, ...]] = {}

    def observe(frame, event, _arg):  # type: ignore[no-untyped-def]
        code = frame.f_code
        watched = code.co_name in ("plan_catalogue", "apply_plan")
        if event == "call" and watched and code.co_filename.endswith("engine.py"):
            seen.setdefault(code.co_name, gc.get_threshold())

    sys.setprofile(observe)
    try:
        code = main(["deploy", *aws, "--yes"])
    finally:
        sys.setprofile(None)
    capsys.readouterr()
    # THEN it planned with no collection pass, and applied (minutes, at scale) with them
    assert code == 0
    assert seen["plan_catalogue"][0] == gcpolicy.BRIEF_GEN0
    assert seen["apply_plan"] == gcpolicy.USUAL
    # AND the process has the usual threshold afterwards
    assert gc.get_threshold() == gcpolicy.USUAL
