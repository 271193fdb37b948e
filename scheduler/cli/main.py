"""Entry point of the ``cronbridge`` command: parse, dispatch to a verb, print, exit.

Each verb lives in its own module exposing ``configure(parser)`` and ``run(args) -> Result``;
``scheduler.cli.verbs`` names them with their help lines, so the top-level ``--help`` imports
no verb module and a command imports only its own. ``main`` turns every ``CronbridgeError``
into one ``error:`` line and one ``hint:`` line on stderr with exit status 1 (a traceback
only with ``--debug``); anything unexpected is reported the same way, as a bug, with exit status 3.
Under ``--json`` an error is instead one JSON object on stderr with the fields of a
``validate --json`` error (``error_json``). Commands quoted in a hint get the context flags
the user gave (``common.command``), so every hint works when pasted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from scheduler import __version__
from scheduler.cli import gcpolicy
from scheduler.cli.output import COLOR_MODES, emit, set_color_mode
from scheduler.cli.verbs import BY_NAME, VERBS
from scheduler.errors import CronbridgeError

# Kept for callers that map verb names to modules; the registry is scheduler.cli.verbs.
VERB_MODULES: dict[str, str] = {verb.name: verb.module for verb in VERBS}

EXIT_ERROR = 1
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

# The fields of a `validate --json` error; under --json every error is one such object.
ERROR_FIELDS = ("file", "line", "column", "job", "field", "message", "hint")
_QUOTED_COMMAND = re.compile(r"`(cronbridge [^`]+)`")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line with a hint, exit 1, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        report_error(message, f"see `{self.prog} --help`", as_json=_JSON_REQUESTED[0])
        raise SystemExit(EXIT_ERROR)


# Set by ``main`` before parsing: argparse reports usage errors before ``--json`` is parsed.
_JSON_REQUESTED = [False]


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
    shared.add_argument(
        "--color",
        choices=COLOR_MODES,
        default="auto" if top else argparse.SUPPRESS,
        help="colour: auto (on a terminal, unless NO_COLOR is set), always or never",
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
    # Top-level options take no values (--color is given as --color=MODE or before its
    # value, never a verb name), so the first verb name on the line is the verb.
    for token in argv:
        if token in BY_NAME:
            return token
    return None


def _color_from_argv(argv: Sequence[str]) -> str:
    for i, token in enumerate(argv):
        if token.startswith("--color="):
            return token.split("=", 1)[1]
        if token == "--color" and i + 1 < len(argv):
            return argv[i + 1]
    return "auto"


# Verbs that read the catalogue (and the stage), plan or print, and exit within seconds;
# they run without collection passes (cli/gcpolicy.py). deploy and destroy are brief until
# they apply (cli/deploy.py settles the collector first); local, ui, logs and run are not.
_BRIEF_VERBS = frozenset({"validate", "list", "next", "package", "plan", "deploy", "destroy"})


def main(argv: Sequence[str] | None = None) -> int:
    gcpolicy.usual()
    argv = list(sys.argv[1:] if argv is None else argv)
    verb = _chosen_verb(argv)
    if verb not in _BRIEF_VERBS:
        return _run(argv, verb)
    with gcpolicy.brief():
        return _run(argv, verb)


def _run(argv: list[str], verb: str | None) -> int:
    debug = "--debug" in argv
    as_json = _JSON_REQUESTED[0] = "--json" in argv
    args: argparse.Namespace | None = None
    color = _color_from_argv(argv)
    set_color_mode(color if color in COLOR_MODES else "auto")
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
        emit(result, as_json=as_json)
        return result.exit_code
    except CronbridgeError as exc:
        if debug:
            traceback.print_exc()
        hint = with_context_flags(exc.hint, args)
        report_error(exc.message, hint, as_json=as_json, fields=error_fields(exc, hint))
        return exc.exit_code
    except KeyboardInterrupt:
        report_error("interrupted", None, as_json=as_json)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if debug:
            traceback.print_exc()
        report_error(
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a cronbridge bug; rerun with --debug and report it",
            as_json=as_json,
        )
        return EXIT_BUG


def with_context_flags(hint: str | None, args: argparse.Namespace | None) -> str | None:
    """Every `cronbridge ...` quoted in a hint, with the context flags the user gave.

    Hints are written deep in the code (a store, the loader), which cannot know the
    command line; this is the one place that can, so they all get it here.
    """
    if not hint or args is None:
        return hint
    import shlex

    from scheduler.cli.common import command

    def widen(match: re.Match[str]) -> str:
        try:
            words = shlex.split(match.group(1))[1:]
        except ValueError:  # not a command line after all
            return match.group(0)
        return f"`{command(args, *words)}`"

    return _QUOTED_COMMAND.sub(widen, hint)


def error_fields(exc: CronbridgeError, hint: str | None) -> dict[str, Any]:
    """A ``validate --json`` error object for any error; a catalogue error adds its problems."""
    fields: dict[str, Any] = dict.fromkeys(ERROR_FIELDS)
    fields.update(message=exc.message, hint=hint)
    problems = getattr(exc, "problems", None)
    if problems:
        first = problems[0].to_json()
        fields.update({k: first.get(k) for k in ERROR_FIELDS if k != "hint"})
        fields["hint"] = first.get("hint") or hint
        fields["problems"] = [p.to_json() for p in problems]
    for key in ("file", "job", "field"):  # errors that know where they are say so
        value = getattr(exc, key, None)
        if value is not None and fields.get(key) is None:
            fields[key] = str(value)
    return fields


def report_error(
    message: str, hint: str | None, *, as_json: bool, fields: dict[str, Any] | None = None
) -> None:
    """One ``error:`` line and one ``hint:`` line, or under --json one JSON object (stderr)."""
    if as_json:
        body = fields or {**dict.fromkeys(ERROR_FIELDS), "message": message, "hint": hint}
        sys.stderr.write(json.dumps(body, default=str) + "\n")
        return
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


if __name__ == "__main__":
    raise SystemExit(main())
