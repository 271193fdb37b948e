"""Entry point of the ``cronbridge`` command: parse, dispatch to a verb, print, exit.

Each verb lives in its own module exposing ``configure(parser)`` and ``run(args) -> Result``;
``scheduler.cli.verbs`` names them with their help lines, so the top-level ``--help`` imports
no verb module and a command imports only its own. ``main`` turns every ``CronbridgeError``
into one ``error:`` line and one ``hint:`` line on stderr with exit status 1 (a traceback
only with ``--debug``); anything unexpected is reported the same way, as a bug, with exit status 3.
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
from scheduler.cli.verbs import BY_NAME, VERBS
from scheduler.errors import CronbridgeError

# Kept for callers that map verb names to modules; the registry is scheduler.cli.verbs.
VERB_MODULES: dict[str, str] = {verb.name: verb.module for verb in VERBS}

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
    """The full parser; a verb's module is imported (and its arguments added) only for ``only``.

    Every verb is listed with its help either way, from the registry. With ``only=None``
    (``cronbridge --help``, or no verb) no verb module is imported at all.
    """
    parser = _Parser(
        prog="cronbridge",
        description="Scheduled jobs on AWS Lambda, compiled from jobs.yaml.",
        parents=[_shared_flags(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"cronbridge {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    modules: dict[str, ModuleType] = {}
    for verb in VERBS:
        if verb.name != only:
            # Listed in the top-level help; its own arguments are never parsed in this run.
            sub.add_parser(verb.name, help=verb.help, add_help=False)
            continue
        module = importlib.import_module(verb.module)
        modules[verb.name] = module
        verb_parser = sub.add_parser(
            verb.name, help=verb.help, description=verb.help, parents=[_shared_flags()]
        )
        module.configure(verb_parser)
    return parser, modules


def _chosen_verb(argv: Sequence[str]) -> str | None:
    # Top-level options take no values, so the first verb name on the line is the verb.
    for token in argv:
        if token in BY_NAME:
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
