"""plan / deploy / destroy keep one output rule, through the real CLI in a child process:
data on stdout; the plan before a question, the question and progress on stderr."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRONBRIDGE_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", NO_COLOR="1")
    return env


def cli(
    *argv: str, stdin: int | None = None, text_in: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *argv],
        cwd=REPO,
        env=_env(),
        stdin=stdin,
        input=text_in,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_plan_is_data_deploy_and_destroy_talk_on_stderr(
    moto_endpoint: str, catalogue: Path
) -> None:
    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # WHEN planning THEN the plan is the data: on stdout, nothing on stderr
    plan = cli("plan", *aws)
    assert plan.returncode == 0, plan.stderr
    assert "+ function cronbridge-dev-heartbeat" in plan.stdout
    assert plan.stderr == ""
    # WHEN deploying THEN the plan and the progress go to stderr, the outcome to stdout
    deploy = cli("deploy", *aws, "--yes")
    assert deploy.returncode == 0, deploy.stderr
    assert "+ function cronbridge-dev-heartbeat" in deploy.stderr
    assert "create function cronbridge-dev-heartbeat: done" in deploy.stderr
    assert deploy.stdout.startswith("stage dev: applied ")
    assert "+ function" not in deploy.stdout and ": done" not in deploy.stdout
    # AND under --json stdout is one JSON document (a no-op deploy here)
    again = cli("deploy", *aws, "--yes", "--json")
    assert json.loads(again.stdout)["applied"] == 0
    # WHEN destroying THEN the same rule holds
    destroy = cli("destroy", *aws, "--yes", "--json")
    assert destroy.returncode == 0, destroy.stderr
    data = json.loads(destroy.stdout)
    assert data["applied"] == data["summary"]["delete"] > 0
    assert "- function cronbridge-dev-heartbeat" in destroy.stderr


def test_the_confirmation_question_goes_to_stderr(moto_endpoint: str, catalogue: Path) -> None:
    # GIVEN a person at a terminal (stdin is a TTY) while stdout and stderr are captured
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"n\n")
        aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
        # WHEN deploy asks and the answer is no
        proc = cli("deploy", *aws, stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    # THEN the question came on stderr after the plan, stdout got nothing, nothing changed
    assert proc.returncode == 1
    assert "apply these changes? [y/N]" in proc.stderr
    assert proc.stderr.index("+ function") < proc.stderr.index("apply these changes?")
    assert "aborted; nothing was changed" in proc.stderr
    assert proc.stdout == ""
    assert "0 to update" in cli("plan", *aws).stdout


def test_plan_lines_are_coloured_by_change_only_when_asked_or_on_a_terminal(
    moto_endpoint: str, catalogue: Path
) -> None:
    aws = ["-f", str(catalogue), "--stage", "dev", "--endpoint-url", moto_endpoint]
    # GIVEN an empty stage WHEN the plan is piped (and NO_COLOR is set) THEN no colour codes
    piped = cli("plan", *aws)
    assert piped.returncode == 0, piped.stderr
    assert "\x1b[" not in piped.stdout
    # WHEN colour is forced THEN each create line is green, as Terraform shows a plan
    forced = cli("--color", "always", "plan", *aws)
    assert forced.returncode == 0, forced.stderr
    assert "\x1b[32m  + function cronbridge-dev-heartbeat" in forced.stdout
    # AND job headers and tag detail lines stay plain
    assert "\nheartbeat:\n" in forced.stdout
