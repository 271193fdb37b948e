"""Every module under scheduler/ keeps to one role, and so to at most 400 lines.

A module that grows past the limit holds more than one role: split it along its roles
(each new file named for its job, with a one-paragraph docstring saying it) rather than
raise the limit or add it to the list below.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT

MAX_LINES = 400
# Modules another engineer is splitting right now; each entry leaves this list the moment
# its module is split (test_being_split_lists_only_long_modules says when).
BEING_SPLIT: set[str] = set()


def line_counts() -> dict[str, int]:
    """Lines of every Python module under scheduler/, by path from the repository root."""
    return {
        path.relative_to(REPO_ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted((REPO_ROOT / "scheduler").rglob("*.py"))
    }


def test_no_module_passes_the_limit() -> None:
    # GIVEN every module under scheduler/
    counts = line_counts()
    # WHEN one passes the limit (and is not being split by someone right now)
    over = {path: n for path, n in counts.items() if n > MAX_LINES and path not in BEING_SPLIT}
    # THEN it is named with its length, so it can be split along its roles
    assert over == {}, f"modules over {MAX_LINES} lines (split them along their roles): {over}"


def test_being_split_lists_only_long_modules() -> None:
    # An entry whose module is split (or gone) must leave the list, so the limit holds for
    # it from then on.
    counts = line_counts()
    done = sorted(p for p in BEING_SPLIT if counts.get(p, 0) <= MAX_LINES)
    assert done == [], f"remove from BEING_SPLIT in {Path(__file__).name}: {done}"


def test_the_walk_finds_the_modules() -> None:
    # The check above is only as good as the walk: it sees packages at every depth.
    counts = line_counts()
    assert "scheduler/__init__.py" in counts
    assert "scheduler/resources/jobs.py" in counts
    assert "scheduler/deploy/planner.py" in counts
