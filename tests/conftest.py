"""Shared test setup: tests never see real AWS credentials or a real profile."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CATALOGUE = REPO_ROOT / "jobs.yaml"

# Every run's JSON carries these keys (issue #4); pinned once, checked by several layers.
RUN_JSON_KEYS = frozenset(
    {
        "run_id",
        "job",
        "status",
        "trigger",
        "scheduled_for",
        "attempt",
        "started_at",
        "finished_at",
        "duration_ms",
        "error",
        "attempts",
        "request_id",
        "result",
    }
)


@pytest.fixture(autouse=True)
def _fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "CRONBRIDGE_LOCAL", "CRONBRIDGE_STAGE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
