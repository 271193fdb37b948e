"""Per-job code against in-process moto: a new job's module, or one job's code change,
uploads code for those jobs only, and a first deploy reads no function it knows is absent."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from scheduler.catalogue import load_catalogue
from scheduler.deploy import ops as o
from tests.functional import deploying
from tests.functional.deploying import Recorder

# No ``code=``: each job's zip is built from the folder, as the CLI does.
deploy = partial(deploying.deploy, code=None)
plan = partial(deploying.plan, code=None)


def test_a_new_job_changes_no_other_function_code(folder: Path, clients: Recorder) -> None:
    # GIVEN the sample catalogue deployed
    deploy(folder, clients)
    # WHEN a job with a handler in a new module is added
    (folder / "jobs" / "audit.py").write_text("def run(payload, ctx):\n    return 'ok'\n")
    with (folder / "jobs.yaml").open("a") as f:
        f.write('  audit:\n    schedule: "0 4 * * *"\n    handler: jobs.audit:run\n')
    changed = plan(folder, clients)
    # THEN the plan creates the new job and touches no other job at all
    # (the shared scheduler role may change too: its policy names each function it invokes)
    assert {op.job for op in changed.ops if op.job} == {"audit"}
    assert not [op for op in changed.ops if isinstance(op, o.UpdateFunctionCode)]


def test_a_handler_change_re_uploads_only_its_jobs(folder: Path, clients: Recorder) -> None:
    # GIVEN the sample catalogue deployed
    deploy(folder, clients)
    clients.calls.clear()
    # WHEN the module two jobs share (jobs.reports) changes
    path = folder / "jobs" / "reports.py"
    path.write_text(path.read_text() + "\n# reworded\n")
    deploy(folder, clients)
    # THEN exactly those two functions get new code
    uploads = sorted(p["FunctionName"] for n, p in clients.writes() if n == "UpdateFunctionCode")
    assert uploads == ["cronbridge-dev-month-end-close", "cronbridge-dev-nightly-report"]
    # AND the stage is converged
    assert not plan(folder, clients).has_changes


def test_first_plan_reads_no_function_the_listing_lacks(folder: Path, clients: Recorder) -> None:
    # GIVEN an empty account WHEN the sample's first deploy is planned
    first = plan(folder, clients)
    names = [n for n, _ in clients.calls]
    # THEN Lambda was asked to list functions, never to read one it did not list
    assert "ListFunctions" in names
    assert "GetFunction" not in names
    # AND the stage's log groups were listed once rather than read job by job
    assert names.count("DescribeLogGroups") == 1
    # AND the plan still creates every job's function
    created = {op.job for op in first.ops if isinstance(op, o.CreateFunction)}
    assert set(load_catalogue(folder / "jobs.yaml").jobs) <= created
