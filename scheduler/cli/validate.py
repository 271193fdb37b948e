"""``cronbridge validate``: every problem in jobs.yaml at once, one line each. No AWS."""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.catalogue import read_catalogue
from scheduler.catalogue.warnings import catalogue_warnings
from scheduler.cli import common
from scheduler.cli.output import Result


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)


def run(args: argparse.Namespace) -> Result:
    path = common.catalogue_path(args)
    catalogue, problems = read_catalogue(path)
    data: dict[str, Any] = {
        "valid": catalogue is not None,
        "errors": [p.to_json() for p in problems],
        "warnings": [],
    }
    if catalogue is not None:
        warnings = catalogue_warnings(catalogue, path)
        data["warnings"] = warnings
        count = len(catalogue.jobs)
        lines = [
            f"{path}: job '{w['job']}': {w['field']}: warning: {w['message']} (hint: {w['hint']})"
            for w in warnings
        ]
        lines.append(f"{path}: OK, {count} job{'s' if count != 1 else ''}")
        return Result(data, "\n".join(lines))
    lines = [p.render() for p in problems]
    lines.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {path}")
    return Result(data, "\n".join(lines), exit_code=1)
