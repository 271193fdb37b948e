"""``deploy --target JOB`` and ``plan -o FILE`` + ``deploy FILE`` through the real CLI
against a moto server: partial applies, exact applies, and refusals that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from scheduler.cli.main import main
from tests.conftest import copy_sample


@pytest.fixture
def stage(tmp_path: Path, moto_endpoint: str) -> tuple[list[str], Path, str]:
    """A deployed sample stage, then heartbeat's timeout and nightly-report's memory edited."""
    path = copy_sample(tmp_path)
    aws = ["-f", str(path), "--stage", "dev", "--endpoint-url", moto_endpoint]
    assert main(["deploy", *aws, "--yes"]) == 0
    text = path.read_text()
    assert "timeout: 10" in text and "memory: 512" in text
    path.write_text(
        text.replace("timeout: 10", "timeout: 20", 1).replace("memory: 512", "memory: 1024", 1)
    )
    return aws, tmp_path, moto_endpoint


def _config(endpoint: str, job: str) -> dict:
    return boto3.client("lambda", endpoint_url=endpoint).get_function_configuration(
        FunctionName=f"cronbridge-dev-{job}"
    )


def test_deploy_target_applies_only_that_job(stage, capsys: pytest.CaptureFixture[str]) -> None:
    aws, _, endpoint = stage
    capsys.readouterr()
    # WHEN only heartbeat is deployed
    assert main(["deploy", *aws, "--target", "heartbeat", "--yes", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    # THEN heartbeat changed, nightly-report did not, and the output says it was partial
    assert {op["job"] for op in data["operations"]} == {"heartbeat"}
    assert data["partial"] == {
        "targets": ["heartbeat"],
        "left_out": 1,
        "left_out_jobs": ["nightly-report"],
    }
    assert (
        "partial: only job heartbeat and the shared resources it needs; 1 other change"
        in captured.err
    )
    assert _config(endpoint, "heartbeat")["Timeout"] == 20
    assert _config(endpoint, "nightly-report")["MemorySize"] == 512
    # AND a full plan now shows only the change left out
    main(["plan", *aws, "--json"])
    left = json.loads(capsys.readouterr().out)
    assert {op["job"] for op in left["operations"] if not op["bookkeeping"]} == {"nightly-report"}
    # WHEN the target is misspelt THEN exit 1 with the near name, nothing applied
    assert main(["deploy", *aws, "--target", "nightly-reprot", "--yes"]) == 1
    assert "did you mean 'nightly-report'?" in capsys.readouterr().err


def test_a_saved_plan_is_applied_exactly(stage, capsys: pytest.CaptureFixture[str]) -> None:
    aws, tmp, endpoint = stage
    saved = tmp / "plan.json"
    # GIVEN a plan saved for heartbeat only
    assert main(["plan", *aws, "--target", "heartbeat", "-o", str(saved)]) == 0
    assert f"cronbridge deploy {saved}" in capsys.readouterr().err
    # WHEN that file is deployed (no -f or --stage: the file names them)
    assert main(["deploy", str(saved), "--endpoint-url", endpoint, "--yes"]) == 0
    out = capsys.readouterr().out
    # THEN exactly the saved change was applied, and it says the apply was partial
    assert out.startswith("stage dev: applied 1 change\npartial: only job heartbeat")
    assert _config(endpoint, "heartbeat")["Timeout"] == 20
    assert _config(endpoint, "nightly-report")["MemorySize"] == 512
    # WHEN the same file is deployed again THEN it is refused: the stage moved on since
    assert main(["deploy", str(saved), "--endpoint-url", endpoint, "--yes"]) == 1
    assert "stage dev changed since it was saved" in capsys.readouterr().err


def test_a_saved_plan_is_refused_after_a_change_outside(stage, capsys) -> None:
    aws, tmp, endpoint = stage
    saved = tmp / "plan.json"
    assert main(["plan", *aws, "-o", str(saved)]) == 0
    # GIVEN someone changes a function in the console after the plan was saved
    boto3.client("lambda", endpoint_url=endpoint).update_function_configuration(
        FunctionName="cronbridge-dev-cleanup-tmp", Timeout=33
    )
    capsys.readouterr()
    # WHEN the saved plan is deployed THEN one clear error, exit 1, and nothing applied
    assert main(["deploy", str(saved), "--endpoint-url", endpoint, "--yes"]) == 1
    err = capsys.readouterr().err
    assert "error: refusing the saved plan: stage dev changed since it was saved" in err
    assert "nothing was applied" in err and "Traceback" not in err
    assert _config(endpoint, "heartbeat")["Timeout"] == 10
    assert _config(endpoint, "nightly-report")["MemorySize"] == 512


def test_a_saved_plan_is_refused_after_the_catalogue_changed(stage, capsys) -> None:
    aws, tmp, endpoint = stage
    saved = tmp / "plan.json"
    assert main(["plan", *aws, "-o", str(saved)]) == 0
    # GIVEN jobs.yaml edited after the plan was saved
    path = tmp / "jobs.yaml"
    path.write_text(path.read_text().replace("timeout: 20", "timeout: 25", 1))
    capsys.readouterr()
    # WHEN the saved plan is deployed THEN it is refused and nothing is applied
    assert main(["deploy", str(saved), "--endpoint-url", endpoint, "--yes"]) == 1
    assert "or the job code changed since it was saved" in capsys.readouterr().err
    assert _config(endpoint, "heartbeat")["Timeout"] == 10
    # AND a stage that does not match the file's is refused before reading anything
    assert main(["deploy", str(saved), "--stage", "prod", "--endpoint-url", endpoint]) == 1
    assert "does not match the saved plan's stage dev" in capsys.readouterr().err


def test_a_refreshed_saved_plan_applies_when_nothing_moved(stage, capsys) -> None:
    aws, tmp, endpoint = stage
    saved = tmp / "plan.json"
    # GIVEN a plan saved after reading every resource deeply (--refresh)
    assert main(["plan", *aws, "--refresh", "-o", str(saved)]) == 0
    assert json.loads(saved.read_text())["refresh"] is True
    capsys.readouterr()
    # WHEN deployed with nothing changed meanwhile THEN the deep reads match and it applies
    assert main(["deploy", str(saved), "--endpoint-url", endpoint, "--yes"]) == 0
    assert _config(endpoint, "heartbeat")["Timeout"] == 20
    assert _config(endpoint, "nightly-report")["MemorySize"] == 1024
