"""Shared test setup: tests never see real AWS credentials or a real profile."""

from __future__ import annotations

import shutil
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CATALOGUE = REPO_ROOT / "jobs.yaml"


def copy_sample(dest: Path) -> Path:
    """Copy the sample catalogue (jobs/ and jobs.yaml) into ``dest``; returns its jobs.yaml.
    Bytecode caches are left behind: a zip built from the copy holds only sources."""
    shutil.copytree(REPO_ROOT / "jobs", dest / "jobs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(SAMPLE_CATALOGUE, dest / "jobs.yaml")
    return dest / "jobs.yaml"


def write_project(
    root: Path, catalogue: str, package: str, handlers: str, module: str = "handlers"
) -> Path:
    """A catalogue folder: ``root``/jobs.yaml holding ``catalogue``, beside the package
    ``package`` whose ``module``.py holds ``handlers``; returns the jobs.yaml."""
    (root / package).mkdir(parents=True, exist_ok=True)
    (root / package / "__init__.py").write_text("")
    (root / package / f"{module}.py").write_text(handlers)
    path = root / "jobs.yaml"
    path.write_text(catalogue)
    return path


def write_file(path: Path, text: str) -> Path:
    """``text`` at ``path``, its folders made as needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def reset_moto(endpoint: str) -> None:
    """Empty the backends of moto's server at ``endpoint`` (one server serves every test)."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server for the whole session, run as local mode runs it: a child process on
    127.0.0.1 applying one request at a time (scheduler/local/motoserve.py: the CLI deploys
    several jobs at once, moto's backends are not thread-safe, and a concurrent
    TransactWriteItems can roll back another request's write). Yields its endpoint URL.
    A child process serves requests beside, not inside, this interpreter, whose GIL the
    CLI's deploy threads need. Tests take ``moto_endpoint`` (empty for each test); a
    module-scoped fixture may take this one and must ``reset_moto`` when done."""
    from scheduler.local.emulator import Emulator

    with Emulator(port=free_port()) as emulator:
        yield emulator.endpoint_url


@pytest.fixture
def moto_endpoint(moto_server: str) -> Iterator[str]:
    """The session's moto server, with empty backends before and after the test."""
    reset_moto(moto_server)
    try:
        yield moto_server
    finally:
        reset_moto(moto_server)
