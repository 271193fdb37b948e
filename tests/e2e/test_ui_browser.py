"""``cronbridge ui`` in a real headless browser, over a real ``local up --ui``.

Debian's ``chromium`` driven by Playwright with its executable path (Playwright's own
browser download cannot work here). The platform runs two jobs on demand (one succeeds,
one dies into the dead-letter queue, both carrying markup in what they return); the test
reads the overview, clicks through to the failed run, checks nothing injected ran,
watches the overview refresh in place, redrives the dead letter from the page, and sees a
job paused with ``cronbridge pause`` shown PAUSED on the overview and its page.

Without chromium or Playwright the test is skipped, except on CI (``CI=true``), where a
missing browser fails: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, free_port, write_project
from tests.e2e.localup import Platform, cli_argv

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = REPO_ROOT / "docs" / "ui-overview.png"

XSS = '<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">'

JOBS = """
    version: 1
    jobs:
      report:
        description: builds the report
        schedule: "0 3 * * *"
        handler: uijobs.handlers:report
        timeout: 20
      partner-sync:
        description: talks to a partner that is down
        schedule: "30 4 * * *"
        handler: uijobs.handlers:sync
        retries: 0
        timeout: 20
"""

HANDLERS = f"""
XSS = {XSS!r}


def report(payload, ctx):
    return {{"rows": 42, "title": XSS}}


def sync(payload, ctx):
    raise RuntimeError("partner said 503 " + XSS)
"""


def _browser_or_skip() -> Any:
    """Playwright's sync API and chromium, or a skip (a failure on CI)."""
    on_ci = os.environ.get("CI", "").lower() == "true"
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the playwright package is missing (pip install -e '.[dev]')"
    if problem:
        if on_ci:
            pytest.fail(f"browser tests cannot run on CI: {problem}")
        pytest.skip(f"browser tests need a browser: {problem}")
    return sync_playwright


def _cronbridge(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(*args, "--local"),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Platform, str, Path]]:
    write_project(tmp_path, textwrap.dedent(JOBS), "uijobs", HANDLERS)
    env_port, ui_port = free_port(), free_port()
    up = Platform(tmp_path, "--port", str(env_port), "--ui", str(ui_port))
    try:
        line = up.wait_for("web ui", timeout=60)
        url = re.search(r"http://\S+", line)
        assert url, line
        up.wait_for("one line per run event follows", timeout=120)
        yield up, url.group(0), tmp_path
    finally:
        up.kill()


def test_overview_run_page_refresh_and_redrive_in_chromium(
    platform: tuple[Platform, str, Path],
) -> None:
    sync_playwright = _browser_or_skip()
    from playwright.sync_api import expect

    up, url, root = platform
    # GIVEN one successful run and one dead run, started like a user would
    ok = _cronbridge(root, "run", "report", "--wait")
    assert ok.returncode == 0, ok.stderr
    dead = _cronbridge(root, "run", "partner-sync", "--wait")
    assert dead.returncode == 1 and "DEAD" in dead.stdout, dead.stderr

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 520})
            # WHEN the overview is opened
            page.goto(url)
            report = page.locator('tr[data-job="report"]')
            sync = page.locator('tr[data-job="partner-sync"]')
            # THEN the run, the failure and the dead letter are shown
            assert report.get_attribute("data-health") == "OK"
            assert "SUCCEEDED" in report.inner_text()
            assert sync.get_attribute("data-health") == "FAILING"
            assert "DEAD" in sync.inner_text()
            assert page.locator("#dead-count").inner_text().strip() == "1 dead letter"
            assert page.locator("rect.o-failed").count() >= 1
            page.screenshot(path=str(root / "overview.png"))
            if os.environ.get("CRONBRIDGE_UPDATE_SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(exist_ok=True)
                shutil.copyfile(root / "overview.png", SCREENSHOT)

            # WHEN a run starts while the page is open
            page.evaluate("window.__marker = 'same page'")
            started = _cronbridge(root, "run", "report", "--wait")
            assert started.returncode == 0, started.stderr
            # THEN the row updates in place within a few refreshes, without a reload
            # (expect polls from Playwright's own world: the page's CSP forbids eval)
            expect(report).to_contain_text("2 (0)", timeout=30_000)
            assert page.evaluate("window.__marker") == "same page"

            # WHEN the failed job and then its run are clicked
            sync.locator("a", has_text="partner-sync").click()
            page.wait_for_url(re.compile(r"/jobs/partner-sync"))
            page.locator("table.runs a").first.click()
            page.wait_for_url(re.compile(r"/runs/partner-sync\."))
            # THEN the error shows as text, and no injected markup ran
            assert page.locator("#run-status").inner_text() == "DEAD"
            assert XSS in page.locator("#run-error").inner_text()
            assert "Traceback" in page.locator("#traceback").inner_text()
            assert page.evaluate("window.__xss") is None
            assert page.locator("img").count() == 0

            # WHEN the dead letter is redriven from its page, confirming the dialog
            page.goto(url + "/dead-letters")
            assert page.locator("tr[data-message]").count() == 1
            page.once("dialog", lambda dialog: dialog.accept())
            page.locator("button.redrive").click()
            # THEN the page says what started, and that run is the dead one's redrive
            notice = page.locator("#notice")
            notice.wait_for(timeout=30_000)
            assert "redrove 1" in notice.inner_text()
            notice.locator("a").click()
            page.wait_for_url(re.compile(r"/runs/partner-sync\."))
            assert "redrive" in page.locator(".facts").inner_text()
            assert page.evaluate("window.__xss") is None

            # WHEN a job is paused with `cronbridge pause`
            paused = _cronbridge(root, "pause", "report", "--reason", "partner down", "--for", "2h")
            assert paused.returncode == 0, paused.stderr
            # THEN the overview and the job's page show it PAUSED, with the reason
            page.goto(url)
            assert report.get_attribute("data-health") == "PAUSED"
            assert "until " in report.inner_text() and "partner down" in report.inner_text()
            page.goto(url + "/jobs/report")
            assert page.locator("#job-health").inner_text() == "PAUSED"
            assert "none (paused)" in page.locator(".facts").inner_text()
        finally:
            browser.close()
    up.kill()
