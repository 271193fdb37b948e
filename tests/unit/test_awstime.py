"""AWS timestamps parsed without dateutil (scheduler/awstime.py): the same instants as
botocore's own parser for every form, and the parser the session's clients use."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.utils import parse_timestamp

from scheduler.awstime import parse_aws_timestamp, use_fast_timestamps


def _iso_forms(rng: random.Random) -> list[str]:
    forms = []
    for _ in range(500):
        stamp = datetime(
            rng.randint(1971, 2099), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999_999),
        )  # fmt: skip
        text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
        digits = rng.choice([0, 1, 3, 6])
        if digits:
            text += "." + f"{stamp.microsecond:06d}"[:digits]
        forms.append(text + rng.choice(["Z", "+00:00", "+0000", "-00:00"]))
    return forms


OTHER_FORMS = [
    "Tue, 03 Dec 2026 13:00:00 GMT",  # rfc822, as some XML APIs send
    "2026-12-03T13:00:00.1234567Z",  # more decimals than a datetime holds
    "2026-12-03T13:00:00+02:00",  # not UTC
    "2026-12-03 13:00:00Z",  # a space, not a T
    "1700000000.5",
    1700000000,
]


def _same_instant(value: Any) -> None:
    ours, botocores = parse_aws_timestamp(value), parse_timestamp(value)
    assert ours == botocores, value
    assert ours.utcoffset() == botocores.utcoffset(), value
    assert ours.tzinfo is not None, value


def test_iso_utc_text_gives_botocores_instant() -> None:
    # GIVEN 500 ISO 8601 UTC timestamps in the forms AWS sends (Z or a zero offset, 0 to 6
    # decimals) WHEN both parsers read each THEN they give the same aware instant
    for value in _iso_forms(random.Random(10)):
        _same_instant(value)


@pytest.mark.parametrize("value", OTHER_FORMS)
def test_other_forms_are_botocores_answer(value: Any) -> None:
    # GIVEN a timestamp in a form the fast path does not take WHEN it is parsed
    # THEN the answer is botocore's own
    _same_instant(value)


class _Raw:
    """The one thing botocore reads of a raw HTTP response body."""

    def __init__(self, text: str) -> None:
        self._data = text.encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def test_a_sessions_clients_parse_timestamps_with_it() -> None:
    # GIVEN a session told to parse timestamps with a recording parser, and an IAM client
    # whose one response is canned (no network)
    seen: list[Any] = []

    def recording(value: Any) -> datetime:
        seen.append(value)
        return parse_aws_timestamp(value)

    session = botocore.session.Session()
    use_fast_timestamps(session, recording)
    client = session.create_client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    body = (
        "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName>"
        "<CreateDate>2026-12-03T13:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>"
    )

    def canned(**_: Any) -> AWSResponse:
        return AWSResponse("https://iam", 200, {"Content-Type": "text/xml"}, _Raw(body))

    client.meta.events.register("before-send.iam.GetRole", canned)
    # WHEN a call's answer is parsed
    answer = client.get_role(RoleName="r")
    # THEN its timestamp went through the parser given
    assert seen == ["2026-12-03T13:00:00Z"]
    assert answer["Role"]["CreateDate"] == parse_timestamp("2026-12-03T13:00:00Z")
