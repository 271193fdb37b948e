"""Make compiled values portable for CloudFormation: this account, region and partition
inside ARNs become pseudo parameters (``Fn::Sub``), someone else's ARNs stay verbatim; and
job names become logical ids that never collide. Pure string work.
"""

from __future__ import annotations

import re
from typing import Any

_ARN_RE = re.compile(r"arn:aws(?:-[a-z-]+)?:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:")


def sub_arns(text: str, account_id: str, region: str) -> Any:
    if "arn:aws" not in text:
        return text
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        service, arn_region, arn_account = match.group(1), match.group(2), match.group(3) or ""
        if arn_region != region and arn_account != account_id:
            return match.group(0)  # someone else's ARN (a user's env value): keep it verbatim
        if arn_region == region:
            arn_region = "${AWS::Region}"
        if arn_account == account_id:
            arn_account = "${AWS::AccountId}"
        changed = True
        return f"arn:${{AWS::Partition}}:{service}:{arn_region}:{arn_account}:"

    # Anything else that looks like a Sub variable must stay literal: `${!` escapes it.
    escaped = text.replace("${", "${!")
    result = _ARN_RE.sub(replace, escaped)
    return {"Fn::Sub": result} if changed else text


def job_logical_ids(jobs: list[str]) -> dict[str, str]:
    """CamelCase logical ids; job names are lowercase, so only digits after a hyphen can
    collide ("a-1" vs "a1"), and those get their catalogue position appended."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for position, job in enumerate(jobs):
        base = "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", job))
        logical = base if base not in used else f"{base}N{position}"
        used.add(logical)
        ids[job] = logical
    return ids
