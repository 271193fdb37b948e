"""The Starlette app behind ``cronbridge ui``: routes, and the guards around them.

Guards, outermost first: a Host-header allow-list (Starlette's ``TrustedHostMiddleware``),
so a page on another site whose name was rebound to 127.0.0.1 (DNS rebinding) gets a 400
and never reads a run; security headers (a Content-Security-Policy with no inline script,
no framing); and, on every POST (run, redrive, purge), a CSRF token and a same-origin
check. ``read_only`` hides the buttons and refuses the POSTs. AWS failures render as one
line on the page, which keeps refreshing until AWS or the emulator answers again.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from scheduler.clock import Clock, SystemClock
from scheduler.errors import CronbridgeError
from scheduler.ledger import RunStatus
from scheduler.ledger.query import parse_since
from scheduler.names import function_name
from scheduler.ui import render, views
from scheduler.ui.source import UiSource, UnreachableError

RANGES = ("1h", "6h", "24h", "7d", "30d")
DEFAULT_RANGE = "7d"
DEAD_LETTER_REFRESH = 30  # seconds
LOOPBACK = ("127.0.0.1", "localhost", "::1")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass
class UiConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    read_only: bool = False
    refresh: int = 5  # seconds between in-place refreshes
    region: str = "us-east-1"  # for CloudWatch Logs links
    extra_hosts: tuple[str, ...] = ()
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def allowed_hosts(self) -> list[str]:
        hosts = {self.host, *self.extra_hosts}
        if self.host in LOOPBACK:
            hosts |= {"127.0.0.1", "localhost"}
        return sorted(hosts)


class Flash:
    """Messages shown once after a POST redirect, by id (so a URL cannot forge one)."""

    def __init__(self, keep: int = 200) -> None:
        self._items: OrderedDict[str, tuple[str, str | None, bool]] = OrderedDict()
        self._keep = keep

    def put(self, message: str, run_id: str | None = None, error: bool = False) -> str:
        key = secrets.token_urlsafe(8)
        self._items[key] = (message, run_id, error)
        while len(self._items) > self._keep:
            self._items.popitem(last=False)
        return key

    def get(self, key: str | None) -> tuple[str, str | None, bool] | None:
        return self._items.get(key) if key else None


class Pages:
    """The route handlers, sharing the data source, the config, the clock and the flashes."""

    def __init__(self, source: UiSource, config: UiConfig, clock: Clock) -> None:
        self.source = source
        self.config = config
        self.clock = clock
        self.flash = Flash()
        self.warmed = threading.Event()

    def warm(self) -> None:
        """The server's start-up work, so the first page load costs what a refresh does
        plus its reads: templates compiled, clients built, the queue found. Never fails."""
        try:
            render.warm()
            self.source.warm()
        finally:
            self.warmed.set()

    # --- helpers -----------------------------------------------------------------------------
    def html(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("refresh", self.config.refresh)
        body = render.page(
            template,
            stage=self.source.stage,
            read_only=self.config.read_only,
            csrf=self.config.csrf_token,
            **context,
        )
        return HTMLResponse(body, status_code=status)

    def flashed(self, request: Request) -> dict[str, Any]:
        item = self.flash.get(request.query_params.get("flash"))
        if item is None:
            return {"notice": None, "notice_run": None}
        message, run_id, error = item
        if error:
            return {"notice": None, "notice_run": None, "problem": message}
        return {"notice": message, "notice_run": run_id}

    def error(self, status: int, heading: str, message: str) -> HTMLResponse:
        return self.html("error.html", status, title=heading, heading=heading, message=message)

    def back(
        self, path: str, message: str, run_id: str | None = None, error: bool = False
    ) -> Response:
        key = self.flash.put(message, run_id=run_id, error=error)
        return RedirectResponse(f"{path}?flash={key}", status_code=303)

    async def refuse(self, request: Request) -> Response | None:
        """None if this POST may proceed; otherwise the refusal."""
        if self.config.read_only:
            return self.error(403, "Read-only", "this cronbridge ui was started with --read-only")
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return self.error(403, "Forbidden", "cross-site request refused")
        form = await request.form()
        token = str(form.get("csrf") or "")
        if not hmac.compare_digest(token.encode(), self.config.csrf_token.encode()):
            return self.error(
                403, "Forbidden", "missing or stale form token; reload the page and try again"
            )
        return None

    # --- pages (sync: Starlette runs them in its thread pool, off the event loop) -------------
    def overview(self, request: Request) -> Response:
        try:
            data = self.source.overview(self.clock.now())
        except UnreachableError as exc:
            return self.html(
                "overview.html", 503, title="cronbridge", overview=None, problem=exc.message
            )
        return self.html(
            "overview.html",
            title=f"cronbridge · {self.source.stage}",
            overview=data,
            **self.flashed(request),
        )

    def job_page(self, request: Request) -> Response:
        name = request.path_params["name"]
        job = self.source.job(name)
        if job is None:
            return self.error(404, "Not found", f"no job {name!r} in the catalogue")
        status_text = request.query_params.get("status") or None
        since_text = request.query_params.get("since") or DEFAULT_RANGE
        if since_text not in RANGES or (
            status_text is not None and status_text not in RunStatus.__members__
        ):
            return self.error(
                400,
                "Bad filter",
                f"status must be one of "
                f"{', '.join(RunStatus.__members__)}; since one of {', '.join(RANGES)}",
            )
        now = self.clock.now()
        context: dict[str, Any] = {
            "title": f"{name} · cronbridge",
            "name": name,
            "view": None,
            "statuses": list(RunStatus.__members__),
            "ranges": RANGES,
        }
        status = RunStatus(status_text) if status_text else None
        try:
            runs = self.source.job_runs(name, parse_since(since_text, now), status)
            status_row = self.source.health(name, now)
        except UnreachableError as exc:
            return self.html("job.html", 503, problem=exc.message, **context)
        context["view"] = views.job_view(
            job, runs, now, status_filter=status_text, since=since_text, status_row=status_row
        )
        return self.html("job.html", **context, **self.flashed(request))

    def run_page(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            run = self.source.run(run_id)
        except UnreachableError as exc:
            return self.html("run.html", 503, title=run_id, run=None, problem=exc.message)
        if run is None:
            return self.error(404, "Not found", f"no run {run_id!r} in the ledger")
        logs = None
        if not self.source.local:
            function = function_name(self.source.prefix, self.source.stage, run.job)
            logs = views.logs_url(self.config.region, function, run.request_id)
        return self.html(
            "run.html",
            title=f"{run_id} · cronbridge",
            run=run,
            logs_url=logs,
            **self.flashed(request),
        )

    def dead_letters(self, request: Request) -> Response:
        try:
            letters = self.source.dead_letters()
        except UnreachableError as exc:
            return self.html(
                "dead_letters.html", 503, title="dead letters", letters=None, problem=exc.message
            )
        return self.html(
            "dead_letters.html",
            # SQS has no peek: a listing receives the messages and releases them at once,
            # hiding them for that moment, so this page refreshes less often than the rest
            # to rarely overlap a `dlq redrive` run in a shell.
            refresh=max(self.config.refresh, DEAD_LETTER_REFRESH),
            title="dead letters · cronbridge",
            letters=letters,
            **self.flashed(request),
        )

    # --- actions: POST + CSRF token, the same code as `cronbridge run` / `dlq` ----------------
    async def trigger(self, request: Request) -> Response:
        refused = await self.refuse(request)
        if refused is not None:
            return refused
        name = request.path_params["name"]
        if self.source.job(name) is None:
            return self.error(404, "Not found", f"no job {name!r} in the catalogue")
        path = f"/jobs/{quote(name)}"
        try:
            run_id = await run_in_threadpool(self.source.trigger, name, self.clock.now())
        except CronbridgeError as exc:
            return self.back(path, f"could not start {name}: {exc.message}", error=True)
        return self.back(path, f"started {name}:", run_id=run_id)

    async def redrive(self, request: Request) -> Response:
        refused = await self.refuse(request)
        if refused is not None:
            return refused
        form = await request.form()
        message_id = None if form.get("all") else str(form.get("message_id") or "")
        if message_id == "":
            return self.back("/dead-letters", "choose a message to redrive", error=True)
        try:
            started = await run_in_threadpool(self.source.redrive, message_id, self.clock.now())
        except CronbridgeError as exc:
            return self.back("/dead-letters", f"redrive failed: {exc.message}", error=True)
        runs = ", ".join(s["run_id"] for s in started) or "nothing to redrive"
        first = started[0]["run_id"] if len(started) == 1 else None
        return self.back("/dead-letters", f"redrove {len(started)}: {runs}", run_id=first)

    async def purge(self, request: Request) -> Response:
        refused = await self.refuse(request)
        if refused is not None:
            return refused
        try:
            count = await run_in_threadpool(self.source.purge)
        except CronbridgeError as exc:
            return self.back("/dead-letters", f"purge failed: {exc.message}", error=True)
        return self.back("/dead-letters", f"purged {count} message(s)")


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on the
    # page's own form posts, which the same-origin check must refuse.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(source: UiSource, config: UiConfig, clock: Clock | None = None) -> Starlette:
    """The app; when served (uvicorn runs its lifespan), it warms up in a thread at start
    (``Pages.warm``; ``app.state.warmed`` is set when done) and answers meanwhile."""
    pages = Pages(source, config, clock or SystemClock())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        threading.Thread(target=pages.warm, name="cronbridge-ui-warm", daemon=True).start()
        yield

    static = resources.files("scheduler.ui").joinpath("static")
    routes = [
        Route("/", pages.overview),
        Route("/jobs/{name}", pages.job_page),
        Route("/jobs/{name}/run", pages.trigger, methods=["POST"]),
        Route("/runs/{run_id}", pages.run_page),
        Route("/dead-letters", pages.dead_letters),
        Route("/dead-letters/redrive", pages.redrive, methods=["POST"]),
        Route("/dead-letters/purge", pages.purge, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=config.allowed_hosts()),
        Middleware(BaseHTTPMiddleware, dispatch=security_headers),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.warmed = pages.warmed
    return app
