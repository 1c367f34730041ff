"""Moderation hours: when moderators are on duty, as a site writes them in MODQ_DUTY_HOURS.

    "mon-fri 08:00-20:00, sat-sun 10:00-16:00"     days (ranges or single days) and hours
    "mon-sun 22:00-06:00"                          a shift past midnight belongs to its start day
    ""                                             always on duty (the default)

Pure: the zone is applied by the caller (MODQ_DUTY_TIMEZONE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    """The hours cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class Shift:
    """Moderators are on duty on these weekdays (0 = Monday) from `start` to `end`."""

    days: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        """True when the local `moment` falls in this shift."""
        day, now = moment.weekday(), moment.time()
        if self.start < self.end:
            return day in self.days and self.start <= now < self.end
        after_start = day in self.days and now >= self.start  # the shift's first evening
        before_end = (day - 1) % 7 in self.days and now < self.end  # its next morning
        return after_start or before_end


@dataclass(frozen=True)
class DutyHours:
    """Every shift; none means moderators are always on duty."""

    shifts: tuple[Shift, ...] = ()
    text: str = ""

    def on_duty(self, local: datetime) -> bool:
        """True when a moderator is on duty at this local time."""
        return not self.shifts or any(s.covers(local) for s in self.shifts)


def parse(text: str) -> DutyHours:
    """The hours a site wrote, or HoursError."""
    shifts = tuple(_shift(part.strip()) for part in text.split(",") if part.strip())
    return DutyHours(shifts, text.strip())


def _shift(part: str) -> Shift:
    try:
        days, hours = part.split()
        start, end = (_time(t) for t in hours.split("-"))
    except ValueError:
        raise HoursError(f"{part!r}: expected days and hours, like 'mon-fri 08:00-20:00'") from None
    if start == end:
        raise HoursError(f"{part!r}: a shift cannot start and end at the same time")
    return Shift(_days(days, part), start, end)


def _days(text: str, part: str) -> frozenset[int]:
    first, _, last = text.lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise HoursError(f"{part!r}: days are {', '.join(DAYS)} or a range like mon-fri")
    a, b = DAYS.index(first), DAYS.index(last or first)
    return frozenset((a + i) % 7 for i in range((b - a) % 7 + 1))


def _time(text: str) -> time:
    try:
        return datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise HoursError(f"{text!r} is not a time like 08:00") from None
