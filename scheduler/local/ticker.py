"""The local ticker: fire what is deployed in the emulator, at its scheduled time.

moto stores rules and schedules but never fires them. The ticker reads the *deployed* set
back (rules by name prefix with their targets; schedules in the stage's group and its
retries group: triggers.py), keeps the recurring ones in a heap by next fire time, builds
each target's input as AWS would and hands a ``Firing`` to a callback. Disabled rules and schedules
do not fire; one-time ``at()`` schedules fire once and are deleted when their
ActionAfterCompletion is DELETE. The deployed set is re-read every ``rescan`` seconds, so a
redeploy takes effect within a minute; the retries group is re-read more often, because
retries and `run --local` must start within seconds. Time comes from an injected Clock;
the caller decides how to wait (real time in `local up`, virtual time in `simulate`).
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scheduler import names
from scheduler.clock import Clock
from scheduler.local.triggers import (
    Firing,
    Trigger,
    build_input,
    due_times,
    one_time_instant,
    parse_trigger_schedule,
    read_named_schedules,
    read_rules,
    read_schedules,
)
from scheduler.schedule import Schedule, next_fire_times

__all__ = [  # the trigger half lives in triggers.py; importers of the ticker keep working
    "DEFAULT_RESCAN",
    "DEFAULT_RETRY_RESCAN",
    "FireCallback",
    "Firing",
    "Ticker",
    "Trigger",
    "build_input",
    "due_times",
    "one_time_instant",
    "parse_trigger_schedule",
    "read_rules",
    "read_schedules",
]

log = logging.getLogger(__name__)

DEFAULT_RESCAN = timedelta(seconds=15)
DEFAULT_RETRY_RESCAN = timedelta(seconds=2)


FireCallback = Callable[[Firing], None]

_MAIN, _RETRIES = "main", "retries"  # where a trigger was read from (each re-read alone)


@dataclass(eq=False)
class _Recurring:
    """One recurring trigger and its first fire time after the ticker's cursor."""

    trigger: Trigger
    schedule: Schedule
    upcoming: datetime | None = None  # None: it will not fire again (window end, no time)
    live: bool = True  # False once a re-read of its source no longer holds it


class Ticker:
    """Computes and delivers due firings of the deployed set; call ``tick`` repeatedly.

    Recurring triggers wait in a heap ordered by their next fire time, so finding the next
    due time and the due firings costs O(log n) per fire instead of evaluating every
    trigger's schedule at every step (a simulated day of 100 jobs fires 28,800 times).
    """

    def __init__(
        self,
        clients: Any,
        *,
        prefix: str,
        stage: str,
        clock: Clock,
        fire: FireCallback,
        start: datetime | None = None,
        rescan: timedelta = DEFAULT_RESCAN,
        retry_rescan: timedelta = DEFAULT_RETRY_RESCAN,
        recurring_before: datetime | None = None,
    ) -> None:
        # Recurring fires at or after this instant are ignored (a simulation's end); one-time
        # schedules (retries) still fire, so every run in the window completes its story.
        self._recurring_before = recurring_before
        self._clients = clients
        self.prefix = prefix
        self.stage = stage
        self._clock = clock
        self._fire = fire
        self._rescan = rescan
        self._retry_rescan = retry_rescan
        self.cursor = start or clock.now()  # everything at or before this has been handled
        self._recurring: dict[str, list[_Recurring]] = {_MAIN: [], _RETRIES: []}
        self._heap: list[tuple[datetime, int, _Recurring]] = []
        self._order = itertools.count()  # heap tie-breaker: entries never compare
        self._one_time: dict[str, tuple[Trigger, Schedule]] = {}
        self._instants: dict[tuple[str, str, str], datetime | None] = {}
        self._fired_one_time: set[str] = set()
        self._last_scan: datetime | None = None
        self._last_retry_scan: datetime | None = None
        self._account = ""
        self._region = ""

    @property
    def retry_group(self) -> str:
        return names.retry_schedule_group(self.prefix, self.stage)

    @property
    def schedule_group(self) -> str:
        return names.schedule_group(self.prefix, self.stage)

    @property
    def last_full_scan(self) -> datetime | None:
        return self._last_scan

    def triggers(self) -> list[Trigger]:
        recurring = [e.trigger for entries in self._recurring.values() for e in entries]
        return recurring + [t for t, _ in self._one_time.values()]

    # --- scanning --------------------------------------------------------------------------
    def refresh(self, *, full: bool = True) -> None:
        """Re-read the deployed set (``full``) or just the retries group."""
        now = self._clock.now()
        if not self._account:
            self._region = self._clients.region_name
            self._account = self._clients.account_id()
        scheduler = self._clients.client("scheduler")
        known = {t.key: t for t in self.triggers()}
        if full:
            found = read_rules(self._clients.client("events"), self.prefix, self.stage)
            found += read_schedules(scheduler, self.schedule_group, known)
            self._set_triggers(found, source=_MAIN)
            self._last_scan = now
        retries = read_schedules(scheduler, self.retry_group, known)
        self._set_triggers(retries, source=_RETRIES)
        self._last_retry_scan = now

    def add_retries(self, names: Iterable[str]) -> None:
        """Read just these schedules, newly created in the retries group, instead of listing
        the group: what ``refresh(full=False)`` finds when the caller saw every create (and
        no delete but the ticker's own). One GetSchedule each, no ListSchedules."""
        new = read_named_schedules(self._clients.client("scheduler"), self.retry_group, names)
        kept = [e.trigger for e in self._recurring[_RETRIES]]
        kept += [
            trigger
            for key, (trigger, _) in self._one_time.items()
            if trigger.group == self.retry_group
            # fired and deleted by this ticker: a listing would not show it any more
            and not (key in self._fired_one_time and trigger.delete_after_completion)
        ]
        merged = {t.key: t for t in kept} | {t.key: t for t in new}
        self._set_triggers(merged.values(), source=_RETRIES)

    def pending(self, group: str, name: str) -> bool:
        """Whether the schedule ``group``/``name`` is one this ticker may still fire."""
        key = f"schedule:{group}:{name}"
        if key in self._one_time:
            return key not in self._fired_one_time
        return any(e.trigger.key == key for e in self._recurring[_RETRIES])

    def _set_triggers(self, found: Iterable[Trigger], *, source: str) -> None:
        """Replace the triggers read from ``source``; the other source's are kept."""
        previous: dict[str, list[_Recurring]] = {}
        for entry in self._recurring[source]:
            entry.live = False  # its heap items become stale and are dropped when met
            previous.setdefault(entry.trigger.key, []).append(entry)
        recurring: list[_Recurring] = []
        one_time: dict[str, tuple[Trigger, Schedule]] = {}
        for trigger in found:
            schedule = parse_trigger_schedule(trigger)
            if schedule is None:
                continue
            if schedule.kind == "at":
                one_time[trigger.key] = (trigger, schedule)
                continue
            entry = _Recurring(trigger, schedule)
            same = [e for e in previous.get(trigger.key, ()) if e.trigger == trigger]
            # An unchanged trigger keeps its computed next fire: a rescan costs no evaluation.
            entry.upcoming = same[0].upcoming if same else self._first_after(entry, self.cursor)
            recurring.append(entry)
            self._push(entry)
        self._recurring[source] = recurring
        in_retries = source == _RETRIES
        kept = {
            k: v
            for k, v in self._one_time.items()
            if (v[0].group == self.retry_group) != in_retries
        }
        self._one_time = kept | one_time
        # Forget fired one-time schedules that no longer exist, so the set stays small.
        self._fired_one_time &= set(self._one_time)

    def _first_after(self, entry: _Recurring, after: datetime) -> datetime | None:
        trigger = entry.trigger
        if not trigger.enabled or trigger.function_name is None:
            return None
        upcoming = next_fire_times(entry.schedule, timezone=trigger.timezone, after=after, count=1)
        if not upcoming:
            return None
        if self._recurring_before is not None and upcoming[0] >= self._recurring_before:
            return None
        return upcoming[0]

    def _push(self, entry: _Recurring) -> None:
        if entry.upcoming is not None:
            heapq.heappush(self._heap, (entry.upcoming, next(self._order), entry))

    def _instant(self, trigger: Trigger, schedule: Schedule) -> datetime | None:
        key = (trigger.key, trigger.expression, trigger.timezone)
        if key not in self._instants:
            if len(self._instants) > 4 * len(self._one_time) + 64:
                self._instants.clear()  # retries come and go: keep the cache bounded
            self._instants[key] = one_time_instant(trigger, schedule)
        return self._instants[key]

    def maybe_refresh(self) -> None:
        now = self._clock.now()
        if self._last_scan is None or now - self._last_scan >= self._rescan:
            self.refresh(full=True)
        elif self._last_retry_scan is None or now - self._last_retry_scan >= self._retry_rescan:
            self.refresh(full=False)

    # --- firing ---------------------------------------------------------------------------
    def _take_due(
        self, until: datetime
    ) -> tuple[list[Firing], list[tuple[_Recurring, datetime | None]]]:
        """Firings in (cursor, until], and the recurring entries popped off the heap for
        them, each with its first fire after ``until`` (found while stepping anyway)."""
        found: list[Firing] = []
        taken: list[tuple[_Recurring, datetime | None]] = []
        while self._heap and self._heap[0][0] <= until:
            when, _, entry = heapq.heappop(self._heap)
            if not entry.live or entry.upcoming != when:
                continue  # stale: re-read away, or already rescheduled
            moment: datetime | None = when  # its first fire after the cursor
            while moment is not None and moment <= until:
                found.append(self._firing(entry.trigger, moment))
                moment = self._first_after(entry, moment)
            taken.append((entry, moment))
        for key, (trigger, schedule) in self._one_time.items():
            if key in self._fired_one_time or not trigger.enabled:
                continue
            instant = self._instant(trigger, schedule)
            if instant is not None and instant <= until and trigger.function_name is not None:
                found.append(self._firing(trigger, instant))
        found.sort(key=lambda f: (f.scheduled_time, f.trigger.key))
        return found, taken

    def due(self, until: datetime) -> list[Firing]:
        """Every firing in (cursor, until] (one-time: any unfired at or before ``until``)."""
        found, taken = self._take_due(until)
        for entry, _following in taken:
            self._push(entry)  # only looking: the heap is left as it was
        return found

    def next_due_time(self) -> datetime | None:
        """The earliest firing after the cursor (for a simulation to jump to)."""
        best: datetime | None = None
        while self._heap:
            when, _, entry = self._heap[0]
            if entry.live and entry.upcoming == when:
                best = when
                break
            heapq.heappop(self._heap)
        for key, (trigger, schedule) in self._one_time.items():
            if key in self._fired_one_time or not trigger.enabled:
                continue
            instant = self._instant(trigger, schedule)
            if instant is not None:
                instant = max(instant, self.cursor)
                best = instant if best is None or instant < best else best
        return best

    def fire_due(self, until: datetime | None = None) -> list[Firing]:
        """Deliver everything due up to ``until`` (default: now) and advance the cursor."""
        until = until or self._clock.now()
        firings, taken = self._take_due(until)
        cursor = max(self.cursor, until)
        for entry, following in taken:
            if entry.live:
                behind = following is not None and following <= cursor  # ``until`` was
                entry.upcoming = self._first_after(entry, cursor) if behind else following
                self._push(entry)
        for firing in firings:
            if firing.trigger.key in self._one_time:
                self._fired_one_time.add(firing.trigger.key)
                if firing.trigger.delete_after_completion:
                    self._delete_schedule(firing.trigger)
            self._fire(firing)
        self.cursor = cursor
        return firings

    def tick(self) -> list[Firing]:
        """One cycle of `local up`: rescan when due, then fire what is due now."""
        self.maybe_refresh()
        return self.fire_due()

    def _firing(self, trigger: Trigger, when: datetime) -> Firing:
        assert trigger.function_name is not None
        text = build_input(trigger, when, account=self._account, region=self._region)
        return Firing(
            trigger=trigger,
            scheduled_time=when,
            function_name=trigger.function_name,
            input_text=text,
        )

    def _delete_schedule(self, trigger: Trigger) -> None:
        try:
            self._clients.client("scheduler").delete_schedule(
                GroupName=trigger.group, Name=trigger.name
            )
        except Exception as exc:  # already gone: same outcome
            log.debug("delete_schedule %s/%s: %s", trigger.group, trigger.name, exc)
