"""The parsed schedule model shared by every schedule form, and its error type.

One frozen dataclass covers standard cron, AWS cron, @macros, rate() and at(), so the
translator, the evaluator and the describer each handle a single shape. Cron fields are
stored as sets of allowed integers; AWS-only day specials (L, LW, nW, nL, n#k) are kept
beside the sets because they depend on the month and cannot be flattened into them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["cron", "rate", "at"]
Dialect = Literal["standard", "aws", "macro", "rate", "at"]
RateUnit = Literal["minute", "hour", "day"]

# AWS documents the year field as 1970-2199; standard cron has no year, and we bound it the
# same way so both forms translate to the same AWS "*" year and end at the same point.
YEAR_MIN = 1970
YEAR_MAX = 2199

# (low, high) per field; day-of-week is stored 0=Sunday..6=Saturday whatever the input
# numbering, so both dialects meet in one representation.
MINUTE_RANGE = (0, 59)
HOUR_RANGE = (0, 23)
DOM_RANGE = (1, 31)
MONTH_RANGE = (1, 12)
DOW_RANGE = (0, 6)
YEAR_RANGE = (YEAR_MIN, YEAR_MAX)

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DOW_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

RATE_UNIT_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}


def _full(bounds: tuple[int, int]) -> frozenset[int]:
    return frozenset(range(bounds[0], bounds[1] + 1))


ALL_MINUTES = _full(MINUTE_RANGE)
ALL_HOURS = _full(HOUR_RANGE)
ALL_DAYS = _full(DOM_RANGE)
ALL_MONTHS = _full(MONTH_RANGE)
ALL_WEEKDAYS = _full(DOW_RANGE)
ALL_YEARS = _full(YEAR_RANGE)
_ALL_YEARS_SORTED = tuple(range(YEAR_MIN, YEAR_MAX + 1))


def _sorted_years(years: frozenset[int]) -> tuple[int, ...]:
    # Almost every schedule has every year; skip sorting 230 numbers for those.
    return _ALL_YEARS_SORTED if years is ALL_YEARS or years == ALL_YEARS else tuple(sorted(years))


class ScheduleError(ValueError):
    """Bad schedule text.

    ``message`` is one line saying what is wrong and names the cron field
    (e.g. ``"minute: 61 is out of range 0-59"``); ``hint`` optionally says how to fix it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message if hint is None else f"{message} (hint: {hint})")
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule. Build it with ``parse_schedule``; treat it as read-only.

    Day rule for cron: a day fires when it matches the day-of-month part if only that part
    is restricted, the day-of-week part if only that is restricted, either part if both are
    restricted (standard cron OR semantics; AWS input can never restrict both), and every
    day if neither is.
    """

    source: str
    kind: Kind
    dialect: Dialect
    # --- cron ---
    minutes: frozenset[int] = ALL_MINUTES
    hours: frozenset[int] = ALL_HOURS
    months: frozenset[int] = ALL_MONTHS
    years: frozenset[int] = ALL_YEARS
    # None means the field is unrestricted ("*" or "?"); an empty set is never stored.
    days_of_month: frozenset[int] | None = None
    days_of_week: frozenset[int] | None = None  # 0=Sunday..6=Saturday
    last_day_of_month: bool = False  # dom "L"
    last_weekday_of_month: bool = False  # dom "LW"
    nearest_weekday: int | None = None  # dom "nW": weekday nearest day n, same month
    last_weekday_in_month: int | None = None  # dow "nL": last <weekday> of the month
    nth_weekday: tuple[int, int] | None = None  # dow "d#k": (weekday, k) k-th <weekday>
    # --- rate ---
    rate_value: int | None = None
    rate_unit: RateUnit | None = None
    # --- at ---
    at: datetime | None = None  # naive wall-clock time, read in the evaluation time zone
    # --- derived, for the evaluator: each cron set sorted once here rather than on every
    # next-fire call (sorting the 230 years alone dominated a short evaluation). Not part of
    # equality, hashing or repr: they are functions of the sets above.
    sorted_minutes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    sorted_hours: tuple[int, ...] = field(init=False, repr=False, compare=False)
    sorted_months: tuple[int, ...] = field(init=False, repr=False, compare=False)
    sorted_years: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # days_of_month sorted, when it is the only day restriction (no L, W, weekday part).
    plain_days_of_month: tuple[int, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own fields through object.__setattr__ too.
        object.__setattr__(self, "sorted_minutes", tuple(sorted(self.minutes)))
        object.__setattr__(self, "sorted_hours", tuple(sorted(self.hours)))
        object.__setattr__(self, "sorted_months", tuple(sorted(self.months)))
        object.__setattr__(self, "sorted_years", _sorted_years(self.years))
        plain = None
        if (
            self.days_of_month is not None
            and not self.last_day_of_month
            and not self.last_weekday_of_month
            and self.nearest_weekday is None
            and not self.dow_restricted
        ):
            plain = tuple(sorted(self.days_of_month))
        object.__setattr__(self, "plain_days_of_month", plain)

    @property
    def dom_restricted(self) -> bool:
        return (
            self.days_of_month is not None
            or self.last_day_of_month
            or self.last_weekday_of_month
            or self.nearest_weekday is not None
        )

    @property
    def dow_restricted(self) -> bool:
        return (
            self.days_of_week is not None
            or self.last_weekday_in_month is not None
            or self.nth_weekday is not None
        )

    @property
    def rate_seconds(self) -> int | None:
        if self.rate_value is None or self.rate_unit is None:
            return None
        return self.rate_value * RATE_UNIT_SECONDS[self.rate_unit]
