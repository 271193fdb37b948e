"""Shared test setup: tests never see real AWS credentials or a real profile."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
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


@contextlib.contextmanager
def serialized_moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port), applying one request at a time as local
    mode's emulator does (scheduler/local/motoserve.py): the CLI deploys several jobs at
    once, and moto's backends are not thread-safe. Yields the endpoint URL."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from scheduler.local.motoserve import serialized

    app = serialized(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
