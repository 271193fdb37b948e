"""A small, pure model of IAM's policy evaluation, for tests of the policies we write.

It follows the documented logic for one account: a request is allowed when some Allow
statement matches it (action, resource, every condition) and no Deny statement does;
everything else is an implicit deny. With a permissions boundary, the request must be
allowed by the identity policy AND by the boundary.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

Supported: Action/NotAction with ``*``/``?`` wildcards (case-insensitive, as IAM does),
Resource with wildcards, and the condition operators our policies use (StringEquals,
StringLike, ArnEquals, ArnLike, and their ``...IfExists`` forms); a condition on a key the
request does not carry fails, as in IAM. Anything else raises, so a test can never pass
by this model silently ignoring part of a policy. This is a model of IAM, not IAM: it
proves what the documents say under the documented rules, not what AWS enforces.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)  # condition keys -> value


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _match(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch's [] classes are not IAM syntax: escape them so only * and ? are wildcards.
    pattern = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, pattern)


def _equals(want: str, have: str) -> bool:
    return want == have


_OPERATORS = {
    "StringEquals": _equals,
    "StringLike": _match,
    "ArnEquals": _equals,
    "ArnLike": _match,
}


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}  # condition keys ignore case
    for operator, pairs in condition.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        if base not in _OPERATORS:
            raise NotImplementedError(f"condition operator {operator} is not modelled")
        for key, wanted in pairs.items():
            have = lowered.get(key.lower())
            if have is None:
                if if_exists:
                    continue
                return False
            if not any(_OPERATORS[base](w, have) for w in _list(wanted)):
                return False
    return True


def statement_matches(statement: dict[str, Any], request: Request) -> bool:
    if "NotAction" in statement or "NotResource" in statement or "Principal" in statement:
        raise NotImplementedError("NotAction/NotResource/Principal are not modelled")
    actions = _list(statement["Action"])
    if not any(_match(a, request.action, case_sensitive=False) for a in actions):
        return False
    if not any(_match(r, request.resource) for r in _list(statement["Resource"])):
        return False
    return _condition_holds(statement.get("Condition") or {}, request.context)


def allowed_by(statements: list[dict[str, Any]], request: Request) -> bool:
    """One policy set: an explicit deny wins, else an allow, else an implicit deny."""
    matching = [s for s in statements if statement_matches(s, request)]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" for s in matching)


def allowed(
    identity: list[dict[str, Any]],
    request: Request,
    boundary: list[dict[str, Any]] | None = None,
) -> bool:
    """Identity policies, capped by a permissions boundary when the principal has one."""
    if not allowed_by(identity, request):
        return False
    return boundary is None or allowed_by(boundary, request)
