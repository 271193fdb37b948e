"""Timestamps in AWS responses, parsed the way botocore does, without dateutil's cost.

botocore parses every timestamp of a response with ``dateutil.parser.parse``, which tokenizes
the text in Python: the stage's listings of a no-op deploy carry hundreds (each role's and
function's creation and change times), a measurable share of the command's CPU. AWS's JSON
and XML protocols send them as ISO 8601 in UTC (``2026-12-03T13:00:00.123Z``), which
``datetime.fromisoformat`` reads in C. This parser takes that one form and hands anything
else to botocore's own ``parse_timestamp``, and gives the same instant botocore would, as
an aware datetime in UTC (botocore's is in dateutil's ``tzlocal()`` on a machine whose zone
is named UTC, ``tzutc()`` elsewhere; they compare equal). The AWS CLI swaps its timestamp
parser the same way, through botocore's response-parser factory
(``awscli/customizations/scalarparse.py`` in github.com/aws/aws-cli).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.utils import parse_timestamp
from dateutil.tz import tzutc

# Seconds with at most six decimals (what datetime holds exactly) and a zero offset.
_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]00:?00)")
_UTC = tzutc()


def parse_aws_timestamp(value: Any) -> datetime:
    """``botocore.utils.parse_timestamp``'s answer for ``value``, quicker for ISO UTC text."""
    if isinstance(value, str) and _ISO_UTC.fullmatch(value):
        return datetime.fromisoformat(value).replace(tzinfo=_UTC)
    parsed: datetime = parse_timestamp(value)
    return parsed


def use_fast_timestamps(
    session: Any, parser: Callable[[Any], datetime] = parse_aws_timestamp
) -> None:
    """Have the clients ``session`` (a botocore session) builds parse timestamps with
    ``parser``."""
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parser)
