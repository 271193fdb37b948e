"""The catalogue loader: every problem reported at once, with its position. No AWS."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scheduler.catalogue import load_catalogue, read_catalogue
from scheduler.errors import CatalogueError, CronbridgeError
from tests.conftest import SAMPLE_CATALOGUE

HANDLER_SOURCE = """
def run(payload, ctx):
    return {}

alias = run
from os import path as imported_name
"""


def write_catalogue(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "tasks.py").write_text(HANDLER_SOURCE)
    path = tmp_path / "jobs.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def one_job(**fields: str) -> str:
    base = {"schedule": '"0 2 * * *"', "handler": "pkg.tasks:run"}
    base.update(fields)
    lines = "\n".join(f"    {k}: {v}" for k, v in base.items())
    return f"version: 1\njobs:\n  job-a:\n{lines}\n"


def problems_for(tmp_path: Path, body: str) -> list[str]:
    _, problems = read_catalogue(write_catalogue(tmp_path, body))
    return [p.render() for p in problems]


def test_sample_catalogue_is_valid() -> None:
    # GIVEN the shipped sample WHEN loaded THEN it is valid and keeps file order
    catalogue = load_catalogue(SAMPLE_CATALOGUE)
    assert list(catalogue.jobs)[:2] == ["heartbeat", "flaky-sync"]
    assert catalogue.jobs["nightly-report"].retries.retries == 3
    assert catalogue.jobs["nightly-report"].tags == {"team": "data"}
    assert catalogue.jobs["heartbeat"].tags == {"team": "platform"}  # from defaults


def test_defaults_merge_and_job_fields_win(tmp_path: Path) -> None:
    # GIVEN defaults and a job that overrides some of them
    body = """\
        version: 1
        defaults: {timeout: 120, memory: 512, env: {A: "1"}, retries: 4}
        jobs:
          job-a: {schedule: "@hourly", handler: "pkg.tasks:run", memory: 1024, env: {B: "2"}}
        """
    job = load_catalogue(write_catalogue(tmp_path, body)).jobs["job-a"]
    # THEN scalar fields override and env mappings merge
    assert (job.timeout, job.memory, job.retries.retries) == (120, 1024, 4)
    assert job.env == {"A": "1", "B": "2"}
    assert job.handler_module == "pkg.tasks" and job.top_level_package == "pkg"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"timeout": "1000"},
            "job 'job-a': timeout: 1000: input should be less than or equal to 900",
        ),
        ({"timeout": "0"}, "timeout: 0: input should be greater than or equal to 1"),
        ({"memory": "64"}, "memory: 64: input should be greater than or equal to 128"),
        ({"memory": "20000"}, "memory: 20000"),
        ({"memory": '"512"'}, "remove the quotes"),
        ({"retries": "-1"}, "retries: -1"),
        ({"retries": "{retries: 2, dealy: 3}"}, "did you mean 'delay'?"),
        ({"overlap": "never"}, "overlap: 'never'"),
        ({"backend": "lambda"}, "backend: 'lambda'"),
        ({"shedule": "x"}, "unknown field 'shedule' (hint: did you mean 'schedule'?)"),
        ({"schedule": '"61 * * * *"'}, "schedule: minute: 61"),
        ({"schedule": '"0 0 32 * *"'}, "schedule: day-of-month"),
        ({"schedule": '"0 0 * 13 *"'}, "schedule: month"),
        ({"schedule": '"0 0 * * 8"'}, "schedule: day-of-week"),
        ({"schedule": '"*/0 * * * *"'}, "schedule:"),
        ({"schedule": '"cron(0 0 * * ? 2200)"'}, "schedule: year"),
        ({"schedule": '"cron(0 0 1 * MON *)"'}, "'?'"),
        ({"schedule": '"cron(0 0 ? * 1#1,2#2 *)"'}, "#"),
        ({"schedule": '"rate(0 minutes)"'}, "schedule:"),
        ({"schedule": '"rate(30 seconds)"'}, "schedule:"),
        ({"schedule": '"* * * * * *"'}, "schedule:"),
        ({"timezone": "Mars/Base", "backend": "scheduler"}, "unknown time zone 'Mars/Base'"),
        ({"timezone": "Europe/Berlin"}, "hint: add `backend: scheduler`"),
        ({"handler": "pkg.tasks"}, "is not module:function"),
        ({"handler": "pkg.missing:run"}, "module 'pkg.missing' not found"),
        ({"handler": "pkg.tasks:nope"}, "has no top-level 'nope'"),
        ({"payload": "[1, 2]"}, "payload: list: input should be a valid dictionary"),
        ({"payload": "{day: 2026-01-01}"}, "payload is not plain JSON"),
        ({"payload": "{blob: " + "x" * 9000 + "}"}, "EventBridge allows 8192"),
        ({"env": "{DB_PASSWORD: hunter2}"}, 'write "ssm:/path/to/parameter"'),
        ({"env": "{API_TOKEN: abc}"}, "looks like a secret"),
        ({"env": "{AWS_REGION: eu-west-1}"}, "reserved"),
        ({"env": "{COUNT: 3}"}, "env.COUNT"),
        ({"tags": "{'aws:x': y}"}, "reserved"),
    ],
)
def test_bad_field_is_reported_with_job_and_field(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    # GIVEN one job with one bad field WHEN validated THEN exactly that problem is named
    rendered = problems_for(tmp_path, one_job(**fields))
    assert rendered, "expected a problem"
    assert any(expected in line for line in rendered), rendered
    assert all(line.startswith(f"{tmp_path / 'jobs.yaml'}:") for line in rendered)


def test_secret_reference_is_accepted(tmp_path: Path) -> None:
    rendered = problems_for(tmp_path, one_job(env='{DB_PASSWORD: "ssm:/app/db"}'))
    assert rendered == []


def test_every_problem_is_reported_at_once_with_positions(tmp_path: Path) -> None:
    # GIVEN a file with problems in several jobs and a duplicate job name
    body = """\
        version: 1
        jobz: 1
        jobs:
          job-a:
            schedule: "61 * * * *"
            handler: pkg.tasks:nope
          job-a:
            schedule: "0 2 * * *"
            handler: pkg.tasks:run
          Bad_Name:
            schedule: "@daily"
            handler: pkg.tasks:run
        """
    rendered = problems_for(tmp_path, body)
    joined = "\n".join(rendered)
    # THEN each is reported, in file order, with line and column
    assert ":2:1: jobz: unknown top-level key 'jobz'" in joined
    assert ":5:15: job 'job-a': schedule: minute: 61" in joined
    assert ":6:14: job 'job-a': handler:" in joined
    assert ":7:3: job 'job-a': duplicate key 'job-a' (first defined at line 4)" in joined
    assert ":10:3: job 'Bad_Name': job names use lowercase" in joined
    lines = [int(r.split(":")[1]) for r in rendered]
    assert lines == sorted(lines)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("version: 1\njobs: [\n", "YAML syntax error"),
        ("", "the catalogue is empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("version: 2\njobs: {a: {schedule: '@daily', handler: 'pkg.tasks:run'}}\n", "version: 1"),
        ("version: 1\n", "`jobs` must be a mapping"),
        ("version: 1\njobs:\n  job-a:\n", "job has no fields"),
        ("version: 1\njobs:\n  job-a: {handler: 'pkg.tasks:run'}\n", "schedule: is required"),
        (
            "version: 1\nprefix: Bad-Prefix\n"
            "jobs: {a: {schedule: '@daily', handler: 'pkg.tasks:run'}}\n",
            "prefix:",
        ),
        (
            "version: 1\njobs:\n  "
            + "a" * 39
            + ": {schedule: '@daily', handler: 'pkg.tasks:run'}\n",
            "at most 38",
        ),
    ],
)
def test_file_level_problems(tmp_path: Path, body: str, expected: str) -> None:
    rendered = problems_for(tmp_path, body)
    assert any(expected in line for line in rendered), rendered


def test_too_many_rules_for_one_bus(tmp_path: Path) -> None:
    # GIVEN 151 jobs that each compile to two rules (dom OR dow)
    jobs = "".join(
        f"  j{i}: {{schedule: '0 2 1 * MON', handler: 'pkg.tasks:run'}}\n" for i in range(151)
    )
    rendered = problems_for(tmp_path, "version: 1\njobs:\n" + jobs)
    assert any("302 EventBridge rules exceed" in line for line in rendered), rendered[:3]


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = write_catalogue(tmp_path, one_job(timeout="0", memory="1"))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert len(caught.value.problems) == 2
    assert "(and 1 more)" in caught.value.message


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CronbridgeError) as caught:
        load_catalogue(tmp_path / "nope.yaml")
    assert "no such file" in caught.value.message and caught.value.hint


def test_log_retention_takes_only_cloudwatch_values(tmp_path: Path) -> None:
    # GIVEN a retention CloudWatch Logs rejects (moto would accept it)
    found = problems_for(tmp_path, one_job(log_retention_days="31"))
    # THEN validate names the field and the allowed values
    assert len(found) == 1 and "log_retention_days: 31" in found[0]
    assert "30, 60" in found[0]
    # AND an allowed value, or the default, loads
    job = load_catalogue(write_catalogue(tmp_path, one_job(log_retention_days="90"))).jobs
    assert job["job-a"].log_retention_days == 90
    assert (
        load_catalogue(write_catalogue(tmp_path, one_job())).jobs["job-a"].log_retention_days == 30
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("cronbridge-boundary", True),
        ("arn:aws:iam::123456789012:policy/teams/cronbridge-boundary", True),
        ('"bad name!"', False),
        ("arn:aws:iam::123:policy/x", False),
    ],
)
def test_permissions_boundary_is_a_policy_name_or_arn(tmp_path: Path, value: str, ok: bool) -> None:
    body = one_job().replace("version: 1\n", f"version: 1\npermissions_boundary: {value}\n")
    found = problems_for(tmp_path, body)
    if ok:
        assert found == []
        cat = load_catalogue(write_catalogue(tmp_path, body))
        assert cat.permissions_boundary == value
    else:
        assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'jobs.yaml'}:2:")
        assert "permissions_boundary" in found[0] and "hint" in found[0]


@pytest.mark.parametrize(
    "schedule", ['""', '"* * * *"', '"cron(0 2 * * ?)"', '"@reboot"', '"cron(0 2 * * ? *"']
)
def test_a_whole_schedule_error_names_the_field_once(tmp_path: Path, schedule: str) -> None:
    # GIVEN a job whose schedule is wrong as a whole (not in one cron field)
    rendered = problems_for(tmp_path, one_job(schedule=schedule))
    # WHEN reported THEN "schedule:" is said once, not "schedule: schedule:"
    joined = "\n".join(rendered)
    assert "job 'job-a': schedule: " in joined
    assert "schedule: schedule:" not in joined


def test_positions_of_a_well_formed_file_come_when_a_problem_needs_them(tmp_path: Path) -> None:
    # GIVEN well-formed YAML (no duplicate or odd key, so it is first read without
    # positions) whose problems only the checks find
    body = """\
        version: 1
        jobz: 1
        jobs:
          job-a:
            schedule: "61 * * * *"
            handler: pkg.tasks:nope
          Bad_Name:
            schedule: "@daily"
            handler: pkg.tasks:run
            timeout: 5000
        """
    rendered = problems_for(tmp_path, body)
    joined = "\n".join(rendered)
    # THEN each problem still has its line and column
    assert ":2:1: jobz: unknown top-level key 'jobz'" in joined
    assert ":5:15: job 'job-a': schedule: minute: 61" in joined
    assert ":6:14: job 'job-a': handler:" in joined
    assert ":7:3: job 'Bad_Name': job names use lowercase" in joined
    assert ":10:14: job 'Bad_Name': timeout:" in joined
