"""`cronbridge validate` measures the target input exactly as deploy compiles it.

The limit is on the string EventBridge stores (8,192 characters), so a payload validate
accepts must compile to at most that, and one it refuses must compile to more. The
compiled length is taken from the real compiler, fed a catalogue built without validation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.catalogue import Catalogue, load_catalogue
from scheduler.cli.main import main
from scheduler.compile import compile_catalogue

LIMIT = 8192


def _write(root: Path, backend: str, payload: dict[str, Any]) -> Path:
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    (root / "jobs" / "__init__.py").write_text("")
    (root / "jobs" / "x.py").write_text("def run(payload, ctx):\n    return None\n")
    path = root / "jobs.yaml"
    path.write_text(
        "version: 1\njobs:\n  big-job:\n    schedule: '0 2 * * *'\n    handler: jobs.x:run\n"
        f"    backend: {backend}\n    payload: {json.dumps(payload)}\n"
    )
    return path


def _compiled_length(base: Catalogue, payload: dict[str, Any]) -> int:
    """The target input deploy would write for ``payload`` (validation bypassed)."""
    job = base.jobs["big-job"].model_copy(update={"payload": payload})
    catalogue = base.model_copy(update={"jobs": {"big-job": job}})
    state = compile_catalogue(catalogue, "dev", account_id="123456789012", region="us-east-1")
    res = state.jobs["big-job"]
    return len(res.rules[0].target.input_template if res.rules else res.schedules[0].input)


def _payload(keys: int, pad: int) -> dict[str, Any]:
    # Many short items: compact JSON (",", ":") is ~2 characters an item shorter than the
    # compiled, spaced JSON, so a compact measure is off by hundreds here. "<" in
    # the text is written as \u003c (six characters) in the compiled template.
    return {**{f"k{i:03d}": "<" for i in range(keys)}, "pad": "x" * pad}


def _validate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code = main(["validate", "-f", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("backend", ["rules", "scheduler"])
def test_validate_accepts_exactly_what_compiles_within_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    # GIVEN the largest payload of this shape whose compiled target input fits the limit
    base = load_catalogue(_write(tmp_path / "base", backend, {}))
    pad = 0
    while _compiled_length(base, _payload(300, pad + 1)) <= LIMIT:
        pad += 1
    fits, too_big = _payload(300, pad), _payload(300, pad + 1)
    assert _compiled_length(base, fits) == LIMIT
    # (its compact JSON is hundreds smaller: the old, drifting measure would accept much more)
    assert len(json.dumps(too_big, separators=(",", ":"))) < LIMIT - 500

    # WHEN validated THEN the one that compiles to exactly 8,192 characters passes
    code, data = _validate(capsys, _write(tmp_path / "fits", backend, fits))
    assert (code, data) == (0, {"valid": True, "errors": [], "warnings": []})

    # AND one character more is refused, with the compiled length in the message
    code, data = _validate(capsys, _write(tmp_path / "big", backend, too_big))
    assert code == 1
    [error] = data["errors"]
    assert error["field"] == "payload" and error["job"] == "big-job"
    assert error["message"] == (
        f"the target input would be {LIMIT + 1} characters; EventBridge allows {LIMIT}"
    )
