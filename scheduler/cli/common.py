"""Flags shared by many verbs, and the wiring they imply (catalogue path, AWS clients).

``--local`` alone selects the endpoint and stage that a running ``cronbridge local up``
wrote to its state folder; ``CRONBRIDGE_LOCAL=1`` in the environment does the same.
Without ``-f``, the catalogue is the ``jobs.yaml`` of the working folder or of its nearest
parent that has one. ``command`` renders the commands hints suggest, keeping the context
flags the user gave, so a pasted hint talks to the same stage, file and endpoint.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
from collections.abc import Iterable
from pathlib import Path

from scheduler import names
from scheduler.awsclients import AwsClients
from scheduler.errors import UsageError

DEFAULT_CATALOGUE = "jobs.yaml"


def add_file_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--file",
        default=None,  # None: ./jobs.yaml or the nearest parent folder's (find_catalogue)
        metavar="PATH",
        help="the catalogue to read (default: jobs.yaml here or in the nearest parent folder)",
    )


def add_target_arg(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--target",
        action="append",
        default=None,
        metavar="JOB",
        help=f"{verb} only this job's changes (and the shared resources it needs); repeatable",
    )


def add_aws_args(parser: argparse.ArgumentParser, *, stage: bool = True) -> None:
    group = parser.add_argument_group("AWS")
    if stage:
        group.add_argument(
            "--stage",
            default=None,
            help=f"deployment stage, e.g. dev or prod (default: {names.DEFAULT_STAGE})",
        )
    group.add_argument("--region", default=None, help="AWS region (default: boto3's)")
    group.add_argument(
        "--endpoint-url", default=None, help="AWS endpoint, e.g. http://127.0.0.1:4566"
    )
    group.add_argument("--profile", default=None, help="AWS profile name")
    group.add_argument(
        "--local",
        action="store_true",
        default=None,
        help="talk to the running `cronbridge local up` (same as CRONBRIDGE_LOCAL=1)",
    )


def catalogue_path(args: argparse.Namespace) -> Path:
    """``-f`` as given, else ``find_catalogue`` from the working folder."""
    given = getattr(args, "file", None)
    if given is not None:
        return Path(given)
    return find_catalogue(Path.cwd())


def find_catalogue(start: Path) -> Path:
    """``jobs.yaml`` in ``start`` or its nearest parent, like git finding ``.git``.

    Relative to ``start`` when it is there (the messages then say plain ``jobs.yaml``);
    ``./jobs.yaml`` when no folder up to the root has one, so the error names the file
    the user expected. Everything else (handler imports, ``.cronbridge/``) resolves
    against the catalogue's own folder, so a parent's catalogue works the same.
    """
    here = start / DEFAULT_CATALOGUE
    if here.is_file():
        return Path(DEFAULT_CATALOGUE)
    for folder in start.resolve().parents:
        candidate = folder / DEFAULT_CATALOGUE
        if candidate.is_file():
            return candidate
    return Path(DEFAULT_CATALOGUE)


def unknown_job(job: str, known: Iterable[str], where: object) -> UsageError:
    """The error for a job name that is not in the catalogue, with the nearest names."""
    known = list(known)
    near = difflib.get_close_matches(job, known, n=3, cutoff=0.6)
    if near:
        hint = f"did you mean {' or '.join(repr(n) for n in near)}?"
    else:
        hint = f"jobs: {', '.join(known) or '(none)'}"
    return UsageError(f"no job {job!r} in {where}", hint=hint)


# The flags that say where a command talks to, in the order a hint repeats them.
CONTEXT_FLAGS: tuple[tuple[str, str], ...] = (
    ("file", "-f"),
    ("stage", "--stage"),
    ("region", "--region"),
    ("endpoint_url", "--endpoint-url"),
    ("profile", "--profile"),
    ("local", "--local"),
)


def job_of_run_id(args: argparse.Namespace) -> str:
    """The job ``args.run_id`` belongs to; a malformed id is a usage error whose hint says
    where run ids come from (``show`` and ``logs`` take one)."""
    from scheduler.ledger import split_run_id  # here: --help loads no ledger code

    try:
        job, _ = split_run_id(args.run_id)
    except ValueError as exc:
        raise UsageError(str(exc), hint=f"copy a RUN ID from `{command(args, 'history')}`") from exc
    return job


def command(args: argparse.Namespace | None, *words: str) -> str:
    """``cronbridge WORDS...`` plus the context flags the user gave that this verb takes.

    Shell-quoted, so the line works when pasted: after ``run heartbeat --local`` the hint
    is ``cronbridge show RUN_ID --local``, after ``-f typo.yaml`` ``cronbridge validate -f
    typo.yaml``. A flag already among ``words`` is not repeated, so this is idempotent.
    """
    tokens = ["cronbridge", *words]
    if args is None:
        return shlex.join(tokens)
    accepted = accepted_flags(words)
    for dest, flag in CONTEXT_FLAGS:
        value = getattr(args, dest, None)
        if dest not in accepted or value is None or value is False or _has_flag(words, flag):
            continue
        tokens += [flag] if value is True else [flag, str(value)]
    return shlex.join(tokens)


def _has_flag(words: tuple[str, ...], flag: str) -> bool:
    long = {"-f": "--file"}.get(flag, flag)
    return any(w in (flag, long) or w.startswith(f"{long}=") for w in words)


def accepted_flags(words: Iterable[str]) -> set[str]:
    """The argument dests of the verb (and sub-verb) that ``words`` start with.

    Built from the verb's real parser, so a hint never adds a flag its verb would refuse.
    Imports that verb's module: only hints call this, after the work is done.
    """
    from scheduler.cli.verbs import BY_NAME

    words = list(words)
    if not words or words[0] not in BY_NAME:
        return set()
    import importlib

    parser = argparse.ArgumentParser(add_help=False)
    importlib.import_module(BY_NAME[words[0]].module).configure(parser)
    rest = words[1:]
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or not rest or rest[0] not in subs[0].choices:
            break
        parser = subs[0].choices[rest[0]]
        rest = rest[1:]
    return {a.dest for a in parser._actions}


def is_local(args: argparse.Namespace) -> bool:
    flag = getattr(args, "local", None)
    if flag is not None:
        return bool(flag)
    return os.environ.get("CRONBRIDGE_LOCAL", "") not in ("", "0", "false")


def resolve_stage(args: argparse.Namespace) -> str:
    """The stage from --stage, else the local platform's, else CRONBRIDGE_STAGE, else dev."""
    stage = getattr(args, "stage", None)
    if stage is None and is_local(args):
        stage = local_endpoint(args)[1]
    stage = stage or os.environ.get("CRONBRIDGE_STAGE") or names.DEFAULT_STAGE
    problem = names.stage_problem(stage)
    if problem:
        raise UsageError(f"--stage {stage!r}: {problem}", hint="for example: --stage prod")
    return stage


def local_endpoint(args: argparse.Namespace) -> tuple[str, str]:
    """(endpoint_url, stage) of the running local platform, from its state folder."""
    from scheduler.local.state import read_running_endpoint

    return read_running_endpoint(catalogue_path(args).resolve().parent)


def aws_clients(args: argparse.Namespace) -> AwsClients:
    """Clients for this command: --local wins, then --endpoint-url/--region/--profile.

    Built once per command and kept on ``args``, so a verb that plans and then applies
    reuses one session, its clients and the account id it looked up.
    """
    cached = getattr(args, "_aws_clients", None)
    if isinstance(cached, AwsClients):
        return cached
    clients = _build_clients(args)
    args._aws_clients = clients
    return clients


def _build_clients(args: argparse.Namespace) -> AwsClients:
    endpoint = getattr(args, "endpoint_url", None)
    if is_local(args):
        endpoint = endpoint or local_endpoint(args)[0]
        from scheduler.awsclients import local_credentials_env

        # The emulator accepts any credentials; never let a real profile leak into it.
        for key, value in local_credentials_env().items():
            os.environ[key] = value
        os.environ.pop("AWS_PROFILE", None)
        return AwsClients(region=getattr(args, "region", None), endpoint_url=endpoint)
    return AwsClients(
        region=getattr(args, "region", None),
        endpoint_url=endpoint,
        profile=getattr(args, "profile", None),
    )
