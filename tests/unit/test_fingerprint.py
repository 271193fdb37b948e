"""Spec fingerprints are the hashes of exactly the JSON ``dataclasses.asdict`` gives, so
no deployed fingerprint changes however they are computed (a change would show every
deployed job as changed on the next plan)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from scheduler import contract
from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources import DesiredState, JobResources
from scheduler.resources.fingerprint import fingerprint, spec_of
from tests.conftest import REPO_ROOT


def _reference(value: Any) -> str:
    """The fingerprint as first defined: asdict, then JSON with sorted keys."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _reference_spec(resource: Any) -> dict[str, Any]:
    data = dataclasses.asdict(resource)
    data["tags"] = {k: v for k, v in data["tags"].items() if k != contract.TAG_SPEC_HASH}
    return data


def _reference_job_hash(job: JobResources, code: str) -> str:
    def unheld(spec: dict[str, Any]) -> dict[str, Any]:
        return {**spec, "state": "ENABLED"} if spec["name"] in job.held else spec

    schedules = []
    for s in job.schedules:
        spec = unheld(_reference_spec(s))
        if spec["maximum_window_minutes"] is None:
            del spec["maximum_window_minutes"]
        schedules.append(spec)
    return _reference(
        {
            "role": _reference_spec(job.role),
            "log_group": _reference_spec(job.log_group),
            "function": _reference_spec(job.function),
            "async": dataclasses.asdict(job.async_config),
            "rules": [unheld(_reference_spec(r)) for r in job.rules],
            "schedules": schedules,
            "code": code,
        }
    )


def _compiled(path: Path) -> DesiredState:
    return compile_catalogue(
        load_catalogue(path), "dev", account_id="123456789012", region="us-east-1"
    )


def _catalogue_with_every_shape(folder: Path) -> Path:
    """Rules and schedules, a time zone, a window, env, retries, tags, payloads."""
    (folder / "jobs").mkdir()
    (folder / "jobs" / "__init__.py").write_text("")
    (folder / "jobs" / "h.py").write_text("def run(payload, ctx):\n    return None\n")
    path = folder / "jobs.yaml"
    path.write_text(
        "version: 1\nprefix: fp\njobs:\n"
        "  a:\n    schedule: '0 0 1-31/2 * 1'\n    handler: jobs.h:run\n"
        "    payload: {x: [1, 2, {y: z}]}\n    env: {A: b}\n    tags: {team: t}\n"
        "  b:\n    schedule: '30 7 * * 1-5'\n    timezone: Europe/Berlin\n"
        "    handler: jobs.h:run\n    window: 15m\n    backend: scheduler\n"
        "    retries: {retries: 3, delay: 60, backoff: 2.0, max_delay: 900}\n"
        "  c:\n    schedule: 'rate(10 minutes)'\n    handler: jobs.h:run\n"
        "    backend: scheduler\n"
    )
    return path


def test_resource_fingerprints_hash_asdicts_json(tmp_path: Path) -> None:
    # GIVEN every resource the sample catalogue and a catalogue of every shape compile to
    for state in (
        _compiled(REPO_ROOT / "jobs.yaml"),
        _compiled(_catalogue_with_every_shape(tmp_path)),
    ):
        resources = [getattr(state.shared, f.name) for f in dataclasses.fields(state.shared)]
        for job in state.jobs.values():
            resources += [job.function, job.role, job.log_group]
            resources += [*job.rules, *job.schedules]
        assert len(resources) > 10
        # WHEN fingerprinted THEN the hash is that of asdict's JSON, resource by resource
        for resource in resources:
            assert fingerprint(spec_of(resource)) == _reference(_reference_spec(resource))
            assert resource.spec_hash == _reference(_reference_spec(resource))


def test_job_fingerprints_hash_asdicts_json(tmp_path: Path) -> None:
    # GIVEN every compiled job, one of them with a rule held by a pause
    for state in (
        _compiled(REPO_ROOT / "jobs.yaml"),
        _compiled(_catalogue_with_every_shape(tmp_path)),
    ):
        for job in state.jobs.values():
            held = dataclasses.replace(job, held=frozenset(r.name for r in job.rules))
            for each in (job, held):
                # WHEN its fingerprint is computed THEN it is the asdict-based one
                assert each.spec_hash("sha") == _reference_job_hash(each, "sha")
