"""Flags shared by many verbs, and the wiring they imply (catalogue path, AWS clients).

``--local`` alone selects the endpoint and stage that a running ``cronbridge local up``
wrote to its state folder; ``CRONBRIDGE_LOCAL=1`` in the environment does the same.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scheduler import names
from scheduler.awsclients import AwsClients
from scheduler.errors import UsageError

DEFAULT_CATALOGUE = "jobs.yaml"


def add_file_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--file",
        default=DEFAULT_CATALOGUE,
        metavar="PATH",
        help="the catalogue to read (default: ./jobs.yaml)",
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
    return Path(getattr(args, "file", DEFAULT_CATALOGUE))


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
