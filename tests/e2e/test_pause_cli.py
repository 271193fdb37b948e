"""pause / resume / status / list --stage through the real CLI against a moto server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from scheduler.cli.main import main
from tests.conftest import copy_sample, reset_moto

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
}


@pytest.fixture(scope="module")
def stage(
    tmp_path_factory: pytest.TempPathFactory, moto_server: str
) -> Iterator[tuple[list[str], str]]:
    root = tmp_path_factory.mktemp("pause")
    aws = ["-f", str(copy_sample(root)), "--stage", "dev", "--endpoint-url", moto_server]
    reset_moto(moto_server)
    try:
        # One deploy for the module (the autouse fake-credentials fixture is per test).
        with pytest.MonkeyPatch.context() as env:
            for key, value in FAKE_AWS_ENV.items():
                env.setenv(key, value)
            env.delenv("AWS_PROFILE", raising=False)
            assert main(["deploy", *aws, "--yes"]) == 0
        yield aws, moto_server
    finally:
        # moto's backends are process-wide: leave no stage behind for later tests.
        reset_moto(moto_server)


def rule_state(endpoint: str, name: str) -> str:
    events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")
    return str(events.describe_rule(Name=name)["State"])


def test_pause_shows_in_status_and_list_then_resume(stage, capsys) -> None:
    aws, endpoint = stage
    until = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    stamp = until.strftime("%Y-%m-%dT%H:%M:%SZ")
    capsys.readouterr()
    # WHEN a job is paused with a reason and an expiry
    code = main(["pause", "heartbeat", "--reason", "partner maintenance", "--until", stamp, *aws])
    out = capsys.readouterr().out
    # THEN its rule is off and the answer says until when, why, by whom, and how to resume
    assert code == 0, out
    assert rule_state(endpoint, "cronbridge-dev-heartbeat") == "DISABLED"
    assert f"until {stamp}" in out and "partner maintenance" in out
    assert "by:     arn:aws:" in out and "cronbridge resume heartbeat --stage dev" in out
    # AND status shows PAUSED with the reason and expiry, and does not count it unhealthy
    main(["status", *aws, "--json"])
    rows = {r["job"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["heartbeat"]["health"] == "PAUSED"
    assert rows["heartbeat"]["paused"]["reason"] == "partner maintenance"
    assert rows["heartbeat"]["paused"]["until"] == stamp
    assert rows["heartbeat"]["missed_fire"] is None
    main(["status", *aws])
    text = capsys.readouterr().out
    assert f"PAUSED (until {stamp}: partner maintenance, by arn:aws:" in text
    # AND list --stage has a PAUSED column
    assert main(["list", *aws]) == 0
    listed = capsys.readouterr().out
    assert "PAUSED" in listed.splitlines()[0]
    assert f"PAUSED until {stamp}: partner maintenance" in listed
    # WHEN it is resumed
    assert main(["resume", "heartbeat", *aws]) == 0
    assert "resumed heartbeat on stage dev" in capsys.readouterr().out
    # THEN the rule runs again and status no longer says PAUSED
    assert rule_state(endpoint, "cronbridge-dev-heartbeat") == "ENABLED"
    main(["status", *aws, "--json"])
    rows = {r["job"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["heartbeat"]["health"] != "PAUSED" and rows["heartbeat"]["paused"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pause", "ghost", "--reason", "x"], "error: job 'ghost' is not deployed on stage dev"),
        (
            ["pause", "heartbeat", "--reason", "x", "--until", "2020-01-01T00:00:00Z"],
            "error: --until 2020-01-01T00:00:00Z is in the past",
        ),
        (["pause", "heartbeat", "--reason", "x", "--for", "0"], "must last more than zero"),
        (["pause", "heartbeat", "--reason", "x", "--for", "soon"], "is not a duration"),
        (["pause", "heartbeat", "--reason", "x", "--for", "0h"], "must last more than zero"),
        (["pause", "heartbeat", "--reason", "  "], "error: --reason is empty"),
        (["resume", "heartbeat"], "error: job 'heartbeat' is not paused on stage dev"),
    ],
)
def test_bad_input_is_one_line_with_a_hint_and_changes_nothing(
    stage, capsys, argv: list[str], message: str
) -> None:
    aws, endpoint = stage
    capsys.readouterr()
    code = main([*argv, *aws])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "hint:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2
    assert rule_state(endpoint, "cronbridge-dev-heartbeat") == "ENABLED"
