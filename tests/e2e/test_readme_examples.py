"""README's shown sessions stay true: each `$ cronbridge ...` block is run and compared."""

from __future__ import annotations

import re
import shlex

import pytest

from scheduler.cli.main import main
from tests.conftest import REPO_ROOT

SESSION = re.compile(r"```sh\n\$ (cronbridge [^\n]+)\n(.*?)```", re.DOTALL)
SESSIONS = SESSION.findall((REPO_ROOT / "README.md").read_text())


def test_readme_has_sessions_to_check() -> None:
    assert SESSIONS, "README lost its example sessions"


@pytest.mark.parametrize(("command", "expected"), SESSIONS)
def test_readme_session_output_is_real(
    command: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*shlex.split(command)[1:], "-f", str(REPO_ROOT / "jobs.yaml")]
    assert main(argv) == 0
    assert capsys.readouterr().out == expected
