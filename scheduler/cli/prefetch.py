"""Start a plan's stage listings before the catalogue is loaded, so they overlap it.

The listings (``live_reads.StageReads``) are named from the catalogue's prefix and the
stage alone. The prefix is one top-level line of ``jobs.yaml``, so it is read from the
text here, while the catalogue's models are still being imported and its jobs checked:
the round trips then run during that work instead of after it. This is only a guess at
what the loader will say: ``engine.plan_catalogue`` uses these reads only when they were
named for the loaded catalogue's prefix and stage, and otherwise drops them and reads
again. Anything that goes wrong here (a file that cannot be read, clients that cannot be
built) only means no reads are started early; the plan's own reads meet the same problem
later and report it, in the order they always have.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from scheduler import names
from scheduler.cli import common

if TYPE_CHECKING:
    from scheduler.deploy.live_reads import StageReads

# A top-level ``prefix:`` key with a plain or quoted one-word value, maybe a comment.
_PREFIX_LINE = re.compile(r"""^prefix:[ \t]*(['"]?)([^'"\s#]+)\1[ \t]*(?:#.*)?$""", re.M)


def guess_prefix(text: str) -> str | None:
    """The catalogue's prefix as its text declares it (the default when it declares none),
    or None when the text is unclear (two ``prefix:`` lines, an invalid prefix)."""
    found = _PREFIX_LINE.findall(text)
    if len(found) > 1 or (not found and re.search(r"^prefix\s*:", text, re.M)):
        return None  # a layout this line-reader does not follow; the loader will
    prefix = found[0][1] if found else names.DEFAULT_PREFIX
    return None if names.prefix_problem(prefix) else prefix


def start_stage_reads(args: argparse.Namespace, *, destroy: bool = False) -> StageReads | None:
    """The stage's listings, started, for the prefix ``jobs.yaml`` declares; None when
    they cannot be started early (the plan then reads as it always did)."""
    try:
        text = common.catalogue_path(args).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # the loader says what is wrong with the file
    prefix = guess_prefix(text)
    if prefix is None:
        return None
    from scheduler.deploy.awsapi import AwsApi
    from scheduler.deploy.live_reads import READ_PARALLELISM, StageReads

    try:
        stage = common.resolve_stage(args)
        api = AwsApi(common.aws_clients(args))
        return StageReads(api, prefix, stage, destroy=destroy, parallelism=READ_PARALLELISM)
    except Exception:  # reported in order by the plan's own reads (module docstring)
        return None
