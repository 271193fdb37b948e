"""``history`` reads only the catalogue's prefix and job names (``read_job_names``). Pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.cli.history import read_job_names


def test_names_and_prefix_come_from_the_yaml(tmp_path: Path) -> None:
    # GIVEN a catalogue whose second job has a spec mistake the full loader would refuse
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "version: 1\nprefix: acme\njobs:\n"
        "  tick: {schedule: '*/5 * * * *', handler: j.h:run}\n"
        "  broken: {schedule: 'every tuesday', handler: j.h:run}\n"
    )
    # WHEN its names are read THEN both jobs and the prefix are there, in file order
    got = read_job_names(path)
    assert got is not None and got.prefix == "acme" and list(got.jobs) == ["tick", "broken"]


def test_the_default_prefix_applies(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text("version: 1\njobs: {}\n")
    got = read_job_names(path)
    assert got is not None and got.prefix == "cronbridge" and got.jobs == {}


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\njobs: [\n",  # not YAML
        "- a list\n",  # not a mapping
        "version: 2\njobs: {}\n",  # another version
        "version: 1\n",  # no jobs
        "version: 1\nprefix: Bad-Prefix\njobs: {}\n",  # a prefix the model refuses
        "version: 1\nprefix: sthree\njobs: {}\n",  # a prefix validate refuses (S3 reserves it)
        "version: 1\njobs: {1: {}}\n",  # a job name that is not text
    ],
)
def test_anything_else_is_left_to_the_full_loader(tmp_path: Path, text: str) -> None:
    # GIVEN a file the full loader must explain WHEN its names are read THEN None
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    assert read_job_names(path) is None
