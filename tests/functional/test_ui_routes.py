"""``cronbridge ui`` routes against moto: pages, guards and actions, through Starlette's client.

Runs are made by the real worker runtime wired to moto (as ``test_run_verbs`` does), and
``run``/``redrive`` reach it through the invoker factory seam, so every page shows what
the real ledger and dead-letter queue hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.catalogue import load_catalogue
from scheduler.cli.status import render as render_status
from scheduler.health import job_health, paused_text, read_health, recent_runs
from scheduler.ledger import DynamoRunStore
from scheduler.operate.pauses import Pause, PauseStore
from scheduler.ui.app import UiConfig, create_app
from scheduler.ui.source import UiSource
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.conftest import write_project
from tests.functional.conftest import STAGE, Stack, StepClock
from tests.functional.inprocess import WorkerInvoker, worker_stage

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_ATTR = '"><img src=x onerror="window.__xss=2">'

CATALOGUE = """\
version: 1
prefix: cronbridge
jobs:
  tick:
    description: succeeds
    schedule: "*/5 * * * *"
    handler: uijobs.handlers:ok
    payload: {greeting: hello}
    retries: 0
  broken:
    description: always fails
    schedule: "0 * * * *"
    handler: uijobs.handlers:boom
    retries: 0
  paused:
    schedule: "0 3 * * *"
    handler: uijobs.handlers:ok
    enabled: false
"""

HANDLERS = f"""\
XSS = {XSS_SCRIPT + XSS_ATTR!r}


def ok(payload, ctx):
    return {{"echo": payload, "note": XSS}}


def boom(payload, ctx):
    raise RuntimeError("partner said " + XSS)
"""

BASE = "http://127.0.0.1:8765"
NOW = datetime(2026, 3, 29, 1, 7, tzinfo=UTC)  # the pages' clock: the seeded runs are recent


class Env:
    def __init__(self, stack: Stack, root: Path, invoker: WorkerInvoker) -> None:
        self.stack = stack
        self.root = root
        self.invoker = invoker
        self.catalogue = load_catalogue(root / "jobs.yaml")

    def slot(self, job: str, when: str) -> dict[str, Any]:
        spec = self.catalogue.jobs[job]
        env = self.stack.env(job, spec.handler, **{C.ENV_RETRY: spec.retries.to_env()})
        runtime = build_runtime(env, clients=self.stack.clients, metrics=NullMetrics())
        return runtime.handle(
            {"job": job, "trigger": "schedule", "scheduled_time": when, "payload": spec.payload}
        )

    def client(self, **config: Any) -> TestClient:
        source = UiSource(self.catalogue, lambda: self.stack.clients, STAGE, local=False)
        app = create_app(source, UiConfig(csrf_token="tok", **config), clock=StepClock(NOW))
        return TestClient(app, base_url=BASE, follow_redirects=False)


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[Env]:
    write_project(tmp_path, CATALOGUE, "uijobs", HANDLERS)
    with worker_stage(tmp_path, "uijobs") as (stack, invoker):
        yield Env(stack, tmp_path, invoker)


def row_of(page: str, attr: str, value: str) -> str:
    match = re.search(rf'<tr {attr}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {attr}={value}"
    return match.group(0)


def count_calls(client: Any) -> list[str]:
    calls: list[str] = []
    client.meta.events.register(
        "before-call", lambda model, **_: calls.append(model.name), unique_id="ui-count"
    )
    return calls


def test_overview_shows_health_as_status_computes_it(ui: Env) -> None:
    # GIVEN a success, a dead failure (one dead letter) and a disabled job
    ui.slot("tick", "2026-03-29T01:00:00Z")
    ui.slot("broken", "2026-03-29T01:00:00Z")
    store = DynamoRunStore(ui.stack.ddb, ui.stack.table)
    expected = {
        job.name: job_health(job, recent_runs(store, job.name), NOW)["health"]
        for job in ui.catalogue.jobs.values()
    }
    ddb_calls = count_calls(ui.stack.clients.client("dynamodb"))
    # WHEN the overview is loaded
    response = ui.client().get("/")
    page = response.text
    # THEN every job has a row whose health is scheduler.health's, the rule `status` uses
    assert response.status_code == 200
    for name, health in expected.items():
        assert f'data-health="{health}"' in row_of(page, "data-job", name)
    assert 'data-health="FAILING"' in row_of(page, "data-job", "broken")
    assert 'data-health="DISABLED"' in row_of(page, "data-job", "paused")
    # AND the failure and the dead letter are counted
    assert "0 (1)" not in row_of(page, "data-job", "tick")
    assert "1 (1)" in row_of(page, "data-job", "broken")
    assert re.search(r'id="dead-count">\s*<a href="/dead-letters">1 dead letter<', page)
    # AND the reads were one Query per job, never a Scan
    assert ddb_calls.count("Query") == len(ui.catalogue.jobs) and "Scan" not in ddb_calls


def test_a_paused_job_is_paused_on_both_pages_as_status_computes_it(ui: Env) -> None:
    # GIVEN tick paused until tomorrow (its pause record, as `cronbridge pause` writes it),
    # and broken's pause already ended
    ui.slot("tick", "2026-03-29T01:00:00Z")
    ui.slot("broken", "2026-03-29T01:00:00Z")
    pauses = PauseStore(ui.stack.ddb, ui.stack.table)
    common = {"by": "arn:aws:iam::123456789012:user/ana", "paused_at": "2026-03-29T00:30:00Z"}
    pauses.put(
        Pause(job="tick", pause_id="p1", reason="partner <b>down</b>", **common,
              until="2026-03-30T00:00:00Z")
    )  # fmt: skip
    pauses.put(
        Pause(job="broken", pause_id="p2", reason="done", **common,
              resumed_at="2026-03-29T00:45:00Z", resumed_by=common["by"])
    )  # fmt: skip
    # AND the rows `cronbridge status` computes from the same table
    store = DynamoRunStore(ui.stack.ddb, ui.stack.table)
    status = read_health(store, list(ui.catalogue.jobs.values()), NOW)
    assert status["tick"]["health"] == "PAUSED" and status["broken"]["health"] == "FAILING"
    client = ui.client()
    # WHEN the overview and tick's page are loaded
    overview = client.get("/").text
    job_page = client.get("/jobs/tick").text
    # THEN every job's health is status's, with tick's reason, expiry and who, escaped
    for name, row in status.items():
        assert f'data-health="{row["health"]}"' in row_of(overview, "data-job", name)
    phrase = html.escape(paused_text(status["tick"]["paused"]), quote=False)
    assert "until 2026-03-30T00:00:00Z: partner &lt;b&gt;down&lt;/b&gt;, by arn:aws:" in phrase
    assert phrase in row_of(overview, "data-job", "tick")
    assert f"PAUSED ({paused_text(status['tick']['paused'])})" in render_status(
        list(status.values()), NOW
    )
    # AND the job page shows PAUSED with the same words, and no next fire
    assert re.search(r'id="job-health">PAUSED<', job_page) and phrase in job_page
    assert "none (paused)" in job_page and "<b>down" not in job_page
    # AND a job whose pause ended shows its own health
    broken = client.get("/jobs/broken").text
    assert re.search(r'id="job-health">FAILING<', broken) and 'class="paused"' not in broken


def test_job_and_run_pages_escape_what_handlers_return(ui: Env) -> None:
    # GIVEN a run whose error and one whose result carry markup
    ui.slot("broken", "2026-03-29T01:00:00Z")
    ui.slot("tick", "2026-03-29T01:05:00Z")
    client = ui.client()
    # WHEN the job page and both run pages are read
    job_page = client.get("/jobs/broken?since=30d").text
    failed = client.get("/runs/broken.20260329T010000Z")
    ok = client.get("/runs/tick.20260329T010500Z")
    # THEN the markup shows as text, never as elements
    for page in (job_page, failed.text, ok.text):
        assert "<script>window" not in page and "<img src=x" not in page
    assert html.escape(XSS_SCRIPT, quote=False) in failed.text
    assert "RuntimeError" in failed.text and 'id="traceback"' in failed.text
    assert "&lt;img src=x onerror=" in ok.text
    # AND the run page has every attempt, the payload and the result
    assert failed.status_code == 200 and "DEAD" in failed.text
    assert "greeting" in ok.text and "hello" in ok.text


def test_job_page_filters_by_status_and_range(ui: Env) -> None:
    ui.slot("tick", "2026-03-29T01:00:00Z")
    client = ui.client()
    # WHEN the job page is filtered to FAILED THEN the success is not listed
    assert "tick.20260329T010000Z" not in client.get("/jobs/tick?status=FAILED&since=30d").text
    # AND a bad filter is one clear 400, an unknown job a 404
    assert client.get("/jobs/tick?since=forever").status_code == 400
    missing = client.get("/jobs/%3Cscript%3E")
    assert missing.status_code == 404 and "<script>" not in missing.text


def test_a_foreign_host_header_is_refused(ui: Env) -> None:
    # GIVEN a page on evil.example whose name now resolves to 127.0.0.1 (DNS rebinding)
    response = ui.client().get("/", headers={"host": "evil.example:8765"})
    # THEN it gets no data
    assert response.status_code == 400 and "tick" not in response.text


def test_run_now_needs_post_and_the_csrf_token(ui: Env) -> None:
    client = ui.client()
    # WHEN the form is posted without the token, or from another origin THEN nothing starts
    assert client.post("/jobs/tick/run", data={}).status_code == 403
    assert client.post("/jobs/tick/run", data={"csrf": "wrong"}).status_code == 403
    cross = client.post(
        "/jobs/tick/run", data={"csrf": "tok"}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    assert client.get("/jobs/tick/run").status_code == 405
    assert ui.invoker.started == []
    # WHEN it is posted with the token (as the page's form does)
    page = client.get("/jobs/tick").text
    assert 'name="csrf" value="tok"' in page and "data-confirm=" in page
    response = client.post("/jobs/tick/run", data={"csrf": "tok"})
    # THEN one manual run started, the same way `cronbridge run` starts one
    assert response.status_code == 303
    (started,) = ui.invoker.started
    assert started["trigger"] == "manual" and started["payload"] == {"greeting": "hello"}
    # AND the page it returns to links the new run, which the ledger holds
    back = client.get(response.headers["location"]).text
    assert f'href="/runs/{started["run_id"]}"' in back
    assert client.get(f"/runs/{started['run_id']}").status_code == 200


def test_read_only_hides_and_refuses_actions(ui: Env) -> None:
    ui.slot("broken", "2026-03-29T01:00:00Z")
    client = ui.client(read_only=True)
    assert '<form method="post"' not in client.get("/jobs/tick").text
    assert '<form method="post"' not in client.get("/dead-letters").text
    assert client.post("/jobs/tick/run", data={"csrf": "tok"}).status_code == 403
    assert client.post("/dead-letters/purge", data={"csrf": "tok"}).status_code == 403
    assert ui.invoker.started == [] and len(ui.stack.dlq_messages()) == 1


def test_dead_letters_redrive_and_purge(ui: Env) -> None:
    # GIVEN a dead run in the queue
    ui.slot("broken", "2026-03-29T01:00:00Z")
    client = ui.client()
    page = client.get("/dead-letters").text
    (message_id,) = re.findall(r'data-message="([^"]+)"', page)
    assert 'data-kind="dead-run"' in page and "broken.20260329T010000Z" in page
    assert 'data-refresh="30"' in page  # listing hides messages a moment: refresh it rarely
    assert "<script>window" not in page
    # WHEN it is redriven from the page
    response = client.post("/dead-letters/redrive", data={"csrf": "tok", "message_id": message_id})
    # THEN a redrive run linked to the dead one ran (the job still fails: one new letter)
    assert response.status_code == 303
    (started,) = ui.invoker.started
    assert started["trigger"] == "redrive" and started["redrive_of"] == "broken.20260329T010000Z"
    after = client.get(response.headers["location"]).text
    assert "redrove 1" in after and message_id not in after
    # WHEN the queue is purged THEN it is empty
    assert client.post("/dead-letters/purge", data={"csrf": "tok"}).status_code == 303
    assert ui.stack.dlq_messages() == []


def test_redriving_a_missing_message_says_so(ui: Env) -> None:
    client = ui.client()
    response = client.post("/dead-letters/redrive", data={"csrf": "tok", "message_id": "nope"})
    page = client.get(response.headers["location"]).text
    assert "no message nope in the dead-letter queue" in page and ui.invoker.started == []


def test_unreachable_aws_is_one_line_not_a_traceback(ui: Env) -> None:
    # GIVEN clients pointing at a port where nothing listens
    from scheduler.awsclients import AwsClients

    catalogue = ui.catalogue
    dead = AwsClients(
        region="us-east-1", endpoint_url="http://127.0.0.1:9", max_attempts=1, connect_timeout=1
    )
    source = UiSource(
        catalogue, lambda: dead, STAGE, local=False, describe_endpoint=lambda: "http://127.0.0.1:9"
    )
    client = TestClient(create_app(source, UiConfig()), base_url=BASE)
    # WHEN each page is loaded
    for path in ("/", "/jobs/tick", "/runs/tick.20260329T010000Z", "/dead-letters"):
        response = client.get(path)
        # THEN it says so in one line, and the page keeps refreshing (data-refresh)
        assert response.status_code == 503, path
        problems = re.findall(r'<p class="down" id="problem">(.*?)</p>', response.text, re.S)
        assert len(problems) == 1 and "\n" not in problems[0], path
        assert "Traceback" not in response.text and 'data-refresh="5"' in response.text


def test_a_refresh_reads_summarized_jobs_by_key_and_tops_up_the_others(ui: Env) -> None:
    # GIVEN an open overview; only tick has runs (so a summary item and day rollups)
    ui.slot("tick", "2026-03-29T01:00:00Z")
    client = ui.client()
    assert "1 (0)" in row_of(client.get("/").text, "data-job", "tick")
    # WHEN a new run is recorded and the page refreshes
    ui.slot("tick", "2026-03-29T01:05:00Z")
    calls = count_calls(ui.stack.clients.client("dynamodb"))
    page = client.get("/").text
    # THEN the new run shows; tick came by key (summaries, pause records, then its day
    # rollups: three BatchGetItem), and each job without a summary cost one small Query,
    # never a Scan
    assert "2 (0)" in row_of(page, "data-job", "tick")
    assert calls.count("BatchGetItem") == 3
    assert calls.count("Query") == len(ui.catalogue.jobs) - 1 and "Scan" not in calls


def test_a_served_app_warms_up_at_start_so_the_first_load_only_reads(ui: Env) -> None:
    # GIVEN the app served as uvicorn serves it (its lifespan runs)
    ui.slot("tick", "2026-03-29T01:00:00Z")
    sqs_calls = count_calls(ui.stack.clients.client("sqs"))
    client = ui.client()
    with client:
        # WHEN its start-up warm-up is done
        assert client.app.state.warmed.wait(30)  # type: ignore[attr-defined]
        # THEN it found the dead-letter queue already
        assert sqs_calls == ["GetQueueUrl"]
        # AND the first load reads the data only: no second GetQueueUrl
        sqs_calls.clear()
        page = client.get("/")
        assert page.status_code == 200 and "1 (0)" in row_of(page.text, "data-job", "tick")
        assert sqs_calls == ["GetQueueAttributes"]
