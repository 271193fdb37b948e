"""Parse one cron field's plain terms (values, names, ranges, lists, steps) into a set.

Dialect-specific specials (``?``, ``L``, ``W``, ``#``) are peeled off by ``parse.py`` before
the remaining text reaches this module, so this grammar is the part both dialects share.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from scheduler.schedule.model import DOW_NAMES, MONTH_NAMES, YEAR_MAX, YEAR_MIN, ScheduleError

_NUMBER = re.compile(r"[0-9]{1,4}")
_NAME = re.compile(r"[A-Za-z]{3}")


def _identity(value: int) -> int:
    return value


@dataclass(frozen=True)
class FieldSpec:
    """How one field reads: its input range, optional names, and how input maps to storage."""

    name: str
    low: int
    high: int
    # "*" spans star_low..star_high in input numbering; differs from low/high only where an
    # alias would duplicate a value (standard day-of-week 7 == 0).
    star_low: int
    star_high: int
    names: tuple[str, ...] = ()
    name_base: int = 0  # the input number of names[0]
    store: Callable[[int], int] = _identity

    @cached_property
    def every(self) -> frozenset[int]:
        """The stored values of "*", built once per field rather than on every parse."""
        return frozenset(self.store(v) for v in range(self.star_low, self.star_high + 1))

    def value(self, token: str) -> int:
        """One number or name, range-checked, in input numbering."""
        if _NUMBER.fullmatch(token):
            number = int(token)
        elif self.names and _NAME.fullmatch(token) and token.upper() in self.names:
            return self.names.index(token.upper()) + self.name_base
        elif _NAME.fullmatch(token) and self.names:
            raise ScheduleError(
                f"{self.name}: {token!r} is not a known name",
                hint="use " + ", ".join(self.names),
            )
        else:
            raise ScheduleError(f"{self.name}: {token!r} is not a valid value")
        if not self.low <= number <= self.high:
            raise ScheduleError(f"{self.name}: {number} is out of range {self.low}-{self.high}")
        return number


def _dow_standard(value: int) -> int:
    # Standard cron accepts 7 as a second spelling of Sunday.
    return 0 if value == 7 else value


def _dow_aws(value: int) -> int:
    # AWS numbers 1=SUN..7=SAT; storage is 0=SUN..6=SAT.
    return value - 1


MINUTE = FieldSpec("minute", 0, 59, 0, 59)
HOUR = FieldSpec("hour", 0, 23, 0, 23)
DAY_OF_MONTH = FieldSpec("day-of-month", 1, 31, 1, 31)
MONTH = FieldSpec("month", 1, 12, 1, 12, MONTH_NAMES, 1)
STD_DAY_OF_WEEK = FieldSpec("day-of-week", 0, 7, 0, 6, DOW_NAMES, 0, _dow_standard)
AWS_DAY_OF_WEEK = FieldSpec("day-of-week", 1, 7, 1, 7, DOW_NAMES, 1, _dow_aws)
YEAR = FieldSpec("year", YEAR_MIN, YEAR_MAX, YEAR_MIN, YEAR_MAX)


def _step(spec: FieldSpec, text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise ScheduleError(f"{spec.name}: step {text!r} is not a whole number")
    step = int(text)
    if step == 0:
        raise ScheduleError(f"{spec.name}: step 0 is not allowed", hint="use a step of 1 or more")
    return step


def _term(spec: FieldSpec, term: str) -> set[int]:
    if term.isascii() and term.isdigit():  # the commonest term, one plain number
        return {spec.store(spec.value(term))}
    base, slash, step_text = term.partition("/")
    if "/" in step_text:
        raise ScheduleError(f"{spec.name}: {term!r} has more than one '/'")
    step = _step(spec, step_text) if slash else 1
    if base == "*":
        first, last = spec.star_low, spec.star_high
    elif "-" in base:
        lo_text, _, hi_text = base.partition("-")
        if not lo_text or not hi_text:
            raise ScheduleError(f"{spec.name}: {term!r} is not a valid range")
        first, last = spec.value(lo_text), spec.value(hi_text)
        if first > last:
            raise ScheduleError(
                f"{spec.name}: range {base} runs backwards",
                hint="write the low value first, or list both ends separately",
            )
    else:
        first = spec.value(base)
        # "a/n" means a, a+n, ... up to the field's top, as in AWS's documented "1/10".
        last = spec.star_high if slash else first
    return {spec.store(v) for v in range(first, last + 1, step)}


def parse_values(spec: FieldSpec, text: str) -> frozenset[int]:
    """Parse a comma list of plain terms into the set of stored values."""
    if text == "*":
        return spec.every
    if not text:
        raise ScheduleError(f"{spec.name}: empty field")
    values: set[int] = set()
    for term in text.split(","):
        if not term:
            raise ScheduleError(f"{spec.name}: empty item in list {text!r}")
        values |= _term(spec, term)
    return frozenset(values)
