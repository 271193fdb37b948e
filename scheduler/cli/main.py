"""Entry point of the ``cronbridge`` command: parse, dispatch to a verb, print, exit.

Each verb lives in its own module exposing ``NAME``, ``HELP``, ``configure(parser)`` and
``run(args) -> Result``. ``main`` turns every ``CronbridgeError`` into one ``error:`` line
and one ``hint:`` line on stderr with exit status 1 (a traceback only with ``--debug``);
anything unexpected is reported the same way, as a bug, with exit status 3.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from scheduler import __version__
from scheduler.cli.output import emit
from scheduler.errors import CronbridgeError

# Modules are imported when chosen, so `cronbridge validate` never loads boto3.
VERB_MODULES: dict[str, str] = {
    "validate": "scheduler.cli.validate",
    "list": "scheduler.cli.list_jobs",
    "next": "scheduler.cli.next_fires",
    "schema": "scheduler.cli.schema",
    "package": "scheduler.cli.package",
    "plan": "scheduler.cli.plan",
    "deploy": "scheduler.cli.deploy",
    "destroy": "scheduler.cli.destroy",
    "local": "scheduler.cli.local",
    "run": "scheduler.cli.run_job",
    "history": "scheduler.cli.history",
    "show": "scheduler.cli.show",
    "status": "scheduler.cli.status",
    "dlq": "scheduler.cli.dlq",
    "ui": "scheduler.cli.ui",
    "report": "scheduler.cli.report",
}

EXIT_ERROR = 1
EXIT_BUG = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line with a hint, exit 1, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}\nhint: see `{self.prog} --help`\n")
        raise SystemExit(EXIT_ERROR)


def _shared_flags(*, top: bool = False) -> _Parser:
    # A verb's parser must not reset a flag given before the verb (`cronbridge --json list`),
    # so only the top-level parser sets defaults.
    default = False if top else argparse.SUPPRESS
    shared = _Parser(add_help=False)
    shared.add_argument(
        "--json", action="store_true", default=default, help="print machine-readable JSON"
    )
    shared.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors"
    )
    return shared


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = _Parser(
        prog="cronbridge",
        description="Scheduled jobs on AWS Lambda, compiled from jobs.yaml.",
        parents=[_shared_flags(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"cronbridge {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    modules: dict[str, ModuleType] = {}
    for name, module_path in VERB_MODULES.items():
        if only is not None and name != only:
            # Help still lists every verb without importing its module.
            sub.add_parser(name, add_help=False)
            continue
        module = importlib.import_module(module_path)
        modules[name] = module
        verb_parser = sub.add_parser(
            name, help=module.HELP, description=module.HELP, parents=[_shared_flags()]
        )
        module.configure(verb_parser)
    return parser, modules


def _chosen_verb(argv: Sequence[str]) -> str | None:
    for token in argv:
        if token in VERB_MODULES:
            return token
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verb = _chosen_verb(argv)
    debug = "--debug" in argv
    try:
        parser, modules = build_parser(only=verb)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help, --version, or a usage error already printed
            return int(exit_.code or 0)
        if args.verb is None:
            parser.print_help()
            return EXIT_ERROR
        result = modules[args.verb].run(args)
        emit(result, as_json=bool(getattr(args, "json", False)))
        return result.exit_code
    except CronbridgeError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: unexpected {type(exc).__name__}: {exc}\n")
        sys.stderr.write("hint: this is a cronbridge bug; rerun with --debug and report it\n")
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())
