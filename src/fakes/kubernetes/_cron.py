"""Cron schedules as the cronjob controller reads them (robfig/cron v3's standard
parser, which kube-apiserver v1.37.2 also validates ``spec.schedule`` with): five
fields or a macro, and its error messages (measured)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import attrs

_NAMED = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
#: Years a schedule is searched for its next time before it counts as never.
_HORIZON_DAYS = 366 * 5


@attrs.frozen
class Schedule:
    """A standard cron schedule (five fields, or a macro such as ``@hourly``), read as
    the cronjob controller's parser reads it: day of month and day of week both
    restricted means either matches."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # either day field is "*": both must match

    @classmethod
    def parse(cls, text: str) -> Schedule:
        if text.startswith("@") and text not in _NAMED:
            raise ValueError(f"unrecognized descriptor: {text}")
        fields = _NAMED.get(text, text).split()
        if len(fields) != 5:
            raise ValueError(f"expected exactly 5 fields, found {len(fields)}: "
                             f"[{' '.join(fields)}]")
        minutes, hours, days, months, weekdays = (
            _field(f, low, high, names) for f, (low, high, names) in zip(fields, (
                (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 7, _DAYS)),
                strict=True))
        return cls(minutes, hours, days, months, frozenset(d % 7 for d in weekdays),
                   fields[2].startswith(("*", "?")) or fields[4].startswith(("*", "?")))

    def _day(self, day: date) -> bool:
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        return day.month in self.months and (
            in_month and in_week if self.any_day else in_month or in_week)

    def next_after(self, after: datetime) -> datetime | None:
        """The first time strictly after ``after`` (in its time zone) that matches."""
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        for _ in range(_HORIZON_DAYS):
            if self._day(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        at = datetime(day.year, day.month, day.day, hour, minute,
                                      tzinfo=after.tzinfo)
                        if at >= start:
                            return at
            day += timedelta(days=1)
        return None


def _field(text: str, low: int, high: int, names: Mapping[str, int]) -> frozenset[int]:
    def number(value: str) -> int:
        found = names.get(value.lower())
        if found is not None:
            return found
        if not value.lstrip("+-").isdigit():
            raise ValueError(f'failed to parse int from {value}: strconv.Atoi: parsing '
                             f'"{value}": invalid syntax')
        if int(value) < 0:
            raise ValueError(f"negative number ({int(value)}) not allowed: {value}")
        return int(value)

    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = number(step_text) if step_text else 1
        if span in ("*", "?"):
            first, last = low, high
        else:
            first_text, dash, last_text = span.partition("-")
            first = number(first_text)
            last = number(last_text) if dash else (high if step_text else first)
        if first < low:
            raise ValueError(f"beginning of range ({first}) below minimum ({low}): {part}")
        if last > high:
            raise ValueError(f"end of range ({last}) above maximum ({high}): {part}")
        if first > last:
            raise ValueError(f"beginning of range ({first}) beyond end of range ({last}): "
                             f"{part}")
        if step < 1:
            raise ValueError(f"step of range should be a positive number: {part}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


