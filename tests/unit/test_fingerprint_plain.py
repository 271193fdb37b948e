"""The fast dataclass-to-JSON conversion behind spec fingerprints gives exactly the JSON
``dataclasses.asdict`` gives, so no deployed fingerprint changes with it."""

from __future__ import annotations

import dataclasses
import json

from scheduler.catalogue import load_catalogue
from scheduler.compile import compile_catalogue
from scheduler.resources.fingerprint import plain
from tests.conftest import REPO_ROOT


def _dump(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def test_plain_dumps_like_asdict_for_every_compiled_resource() -> None:
    # GIVEN every resource the sample catalogue compiles to
    state = compile_catalogue(
        load_catalogue(REPO_ROOT / "jobs.yaml"), "dev", account_id="123456789012",
        region="us-east-1",
    )  # fmt: skip
    resources = [getattr(state.shared, f.name) for f in dataclasses.fields(state.shared)]
    for job in state.jobs.values():
        resources += [job.function, job.role, job.log_group, job.async_config]
        resources += [*job.rules, *job.schedules]
    # WHEN converted both ways THEN the JSON text is identical, resource by resource
    assert len(resources) > 20
    for resource in resources:
        assert _dump(plain(resource)) == _dump(dataclasses.asdict(resource)), resource
