"""``cronbridge validate``: every problem in jobs.yaml at once, one line each. No AWS."""

from __future__ import annotations

import argparse

from scheduler.catalogue import read_catalogue
from scheduler.cli import common
from scheduler.cli.output import Result

NAME = "validate"
HELP = "check jobs.yaml and report every problem (no AWS calls)"


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)


def run(args: argparse.Namespace) -> Result:
    path = common.catalogue_path(args)
    catalogue, problems = read_catalogue(path)
    data = {"valid": catalogue is not None, "errors": [p.to_json() for p in problems]}
    if catalogue is not None:
        count = len(catalogue.jobs)
        text = f"{path}: OK, {count} job{'s' if count != 1 else ''}"
        return Result(data, text)
    lines = [p.render() for p in problems]
    lines.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {path}")
    return Result(data, "\n".join(lines), exit_code=1)
