"""``cronbridge completion``: the scripts parse in their shells and complete for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _script(shell: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scheduler.cli.main", "completion", shell],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout


def _complete(script: Path, cwd: Path, *words: str) -> list[str]:
    """What bash offers for the last word of ``cronbridge WORDS...``."""
    quoted = " ".join(f"'{w}'" for w in ("cronbridge", *words))
    program = (
        f"source {script}\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words)}\n"
        '_cronbridge; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run(
        ["bash", "--norc", "-c", program],
        cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return sorted(line for line in done.stdout.splitlines() if line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "jobs.yaml").write_text(
        "version: 1\njobs:\n  nightly-report: {schedule: '@daily', handler: a:b}\n"
        "  nightly-sync: {schedule: '@daily', handler: a:b}\n  heartbeat: {schedule: '@daily', "
        "handler: a:b}\n"
    )
    (tmp_path / "jobs").mkdir()
    return tmp_path


def test_bash_script_is_valid_and_completes_verbs_flags_and_jobs(project: Path) -> None:
    # GIVEN the bash script, written by the real CLI
    script = project / "cronbridge.bash"
    script.write_text(_script("bash", project))
    # THEN bash parses it
    subprocess.run(["bash", "-n", str(script)], check=True)
    # AND it completes a verb, a sub-verb, a verb's flag, and job names from jobs.yaml
    assert _complete(script, project, "hist") == ["history"]
    assert _complete(script, project, "dlq", "re") == ["reconcile", "redrive"]
    assert _complete(script, project, "run", "--wa") == ["--wait"]
    assert _complete(script, project, "run", "nightly-") == ["nightly-report", "nightly-sync"]
    # AND job names come from the nearest jobs.yaml, also from a subfolder
    assert _complete(script, project / "jobs", "history", "heart") == ["heartbeat"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts(shell: str, project: Path) -> None:
    text = _script(shell, project)
    assert "completion --list-jobs" in text and "history" in text
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed; only the script's content is checked")
    script = project / f"cronbridge.{shell}"
    script.write_text(text)
    subprocess.run([binary, "-n", str(script)], check=True)
    if shell == "fish":
        # fish's own completion engine, asked what it offers (`complete -C`)
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(project)}
        asks = "complete -C 'cronbridge hist'; complete -C 'cronbridge run nightly-'"
        offered = subprocess.run(
            [binary, "--no-config", "-c", f"source {script}; {asks}"],
            cwd=project, env=env, capture_output=True, text=True, check=True, timeout=120,
        ).stdout  # fmt: skip
        words = sorted(line.split("\t")[0] for line in offered.splitlines())
        assert words == ["history", "nightly-report", "nightly-sync"]


def test_list_jobs_never_fails(tmp_path: Path) -> None:
    # GIVEN no catalogue anywhere THEN the helper prints nothing and exits 0
    done = subprocess.run(
        [sys.executable, "-m", "scheduler.cli.main", "completion", "--list-jobs"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
