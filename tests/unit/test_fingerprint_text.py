"""The text a fingerprint hashes is json.dumps' text, byte for byte, at catalogue scale.

``fingerprint`` keeps one C encoder instead of calling ``json.dumps`` (which builds an
encoder per call); a deployed stage would see every job as changed if one character
differed, so every job and resource fingerprint of the sample catalogue and of the
1,000-job bench catalogue is compared with the one ``json.dumps`` gives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources import Specced
from tests.conftest import REPO_ROOT, SAMPLE_CATALOGUE

# The module (``scheduler.resources.fingerprint`` is also the name of its function).
fp = importlib.import_module("scheduler.resources.fingerprint")


def _dumps(value: Any) -> str:
    """The text as json.dumps writes it: the definition deployed tags were made with."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=fp._fields_or_str)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _bench_catalogue(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("cli_scale", REPO_ROOT / "bench" / "cli_scale.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path: Path = bench.write_catalogue(folder, 1000)
    return path


def _mismatches(path: Path) -> tuple[int, list[str]]:
    """(fingerprints compared, those differing from json.dumps'): every job's and every
    Specced resource's, shared ones included."""
    desired = compile_catalogue(
        load_catalogue(path), "dev", account_id="123456789012", region="eu-west-1", layers=()
    )
    checked, wrong = 0, []
    shared = [getattr(desired.shared, f.name) for f in dataclasses.fields(desired.shared)]
    resources = [r for r in shared if isinstance(r, Specced)]
    for name, job in desired.jobs.items():
        resources += [job.function, job.log_group, job.role, *job.rules, *job.schedules]
        code = hashlib.sha256(name.encode()).hexdigest()
        document = job.spec_document(code)
        checked += 1
        if fp.spec_json(document) != _dumps(document) or job.spec_hash(code) != _hash(
            _dumps(document)
        ):
            wrong.append(name)
    for res in resources:
        assert isinstance(res, Specced)
        checked += 1
        if res.spec_hash != _hash(_dumps(fp.spec_of(res))):
            wrong.append(res.name)  # type: ignore[attr-defined]
    return checked, wrong


def test_every_sample_fingerprint_is_json_dumps_text() -> None:
    # GIVEN the sample catalogue compiled WHEN every fingerprint is taken
    checked, wrong = _mismatches(SAMPLE_CATALOGUE)
    # THEN each is the hash of json.dumps' text, as deployed stages carry it
    assert checked > 20 and wrong == []


def test_every_bench_fingerprint_is_json_dumps_text(tmp_path: Path) -> None:
    # GIVEN the 1,000-job bench catalogue (cron, rate, zones, payloads, env, retries)
    checked, wrong = _mismatches(_bench_catalogue(tmp_path))
    # THEN all of its 1,000 job and 5,000-odd resource fingerprints match
    assert checked > 5000 and wrong == []


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1.5, None, True, "é<>\u2028", {"z": {}, "y": []}]},
        {"nan": float("nan"), "inf": float("inf"), "big": 10**30, "neg": -0.0},
        ["x", 1, {"k": "\\"}],
        "text",
        fp._field_names,  # not JSON: written as its str(), as the default hook does
    ],
)
def test_odd_values_are_written_as_json_dumps_writes_them(value: Any) -> None:
    # GIVEN values at the edges of JSON WHEN written for a fingerprint THEN as json.dumps
    assert fp.spec_json(value) == _dumps(value)
