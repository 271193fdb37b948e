"""``cronbridge ui [--port 8765] [--host H] [--read-only]``: the run ledger as a web page.

Serves the overview, job, run and dead-letter pages (``scheduler.ui``) on 127.0.0.1 by
default. Any other ``--host`` is warned about: the page can start runs and redrive dead
letters, and has no login. ``build_app`` is shared with ``local up --ui``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from scheduler.cli import common
from scheduler.cli.output import Result
from scheduler.errors import CronbridgeError, UsageError

DEFAULT_PORT = 8765


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default 8765; 0: any")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine)"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept requests for this Host name (with --host; repeatable)",
    )
    parser.add_argument("--read-only", action="store_true", help="no run/redrive/purge buttons")
    parser.add_argument(
        "--refresh", type=int, default=5, help="seconds between page refreshes (default 5)"
    )
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def _stage(args: argparse.Namespace) -> str:
    """--stage, else the running local platform's, else the default (it may start later)."""
    if getattr(args, "stage", None) is None and common.is_local(args):
        try:
            return common.resolve_stage(args)
        except CronbridgeError:
            return common.resolve_stage(argparse.Namespace(stage=None, local=False))
    return common.resolve_stage(args)


def build_app(args: argparse.Namespace, host: str, port: int) -> tuple[Any, Any]:
    """(Starlette app, UiConfig) for these flags; clients are built on first request."""
    from scheduler.catalogue import load_catalogue
    from scheduler.ui.app import UiConfig, create_app
    from scheduler.ui.source import UiSource

    catalogue = load_catalogue(common.catalogue_path(args))
    local = common.is_local(args)

    def clients() -> Any:
        args._aws_clients = None  # rebuilt after a failure: the endpoint may have moved
        built = common.aws_clients(args)
        # A page must answer quickly when AWS is away: fail fast, the page retries anyway.
        return dataclasses.replace(built, max_attempts=2, connect_timeout=2)

    def endpoint() -> str:
        if local:
            return "the local emulator"
        return getattr(args, "endpoint_url", None) or "AWS"

    source = UiSource(catalogue, clients, _stage(args), local=local, describe_endpoint=endpoint)
    config = UiConfig(
        host=host,
        port=port,
        read_only=bool(getattr(args, "read_only", False)),
        refresh=int(getattr(args, "refresh", 5)),
        region=getattr(args, "region", None) or "us-east-1",
        extra_hosts=tuple(getattr(args, "allow_host", ()) or ()),
    )
    return create_app(source, config), config


def run(args: argparse.Namespace) -> Result:
    if args.refresh < 1:
        raise UsageError("--refresh must be at least 1 second", hint="e.g. --refresh 5")
    from scheduler.ui.app import LOOPBACK
    from scheduler.ui.serve import bind, serve_forever, url_of

    app, _config = build_app(args, args.host, args.port)
    sock = bind(args.host, args.port)
    if args.host not in LOOPBACK:
        sys.stderr.write(
            f"warning: serving on {args.host}, not only this machine; the page has no login "
            "and can start runs (add --read-only to hide actions)\n"
        )
    url = url_of(args.host, sock)
    sys.stdout.write(f"cronbridge ui: {url}  (stage {_stage(args)}; Ctrl-C stops)\n")
    sys.stdout.flush()
    serve_forever(app, sock)
    return Result(data={"url": url, "stopped": True}, text="cronbridge ui stopped")
