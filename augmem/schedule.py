"""When the microphone may listen: quiet hours (a daily schedule, e.g. "22:00-07:00") and a
pause that ends by itself. Times are local wall-clock times; every function takes `now`
(unix seconds), so callers pass their own clock and tests a controllable one.

Stdlib only, and it raises plain ValueError: augmem.config turns that into a ConfigError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_SPAN = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]?\d|2[0-3]|24):([0-5]\d)\s*$")
FORM = '"22:00-07:00" (overnight is fine), several as "12:30-13:30, 22:00-07:00", "" for none'


@dataclass(frozen=True)
class QuietHours:
    """Daily spans in which nothing is captured: (start, end) in minutes after midnight; an end
    before its start runs over midnight."""

    spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """From the `mic_quiet_hours` setting; ValueError (one line) for anything else."""
        spans = []
        for part in (p for p in (text or "").split(",") if p.strip()):
            m = _SPAN.match(part)
            if not m:
                raise ValueError(f"{part.strip()!r} is not a span of hours: use {FORM}")
            start, end = int(m.group(1)) * 60 + int(m.group(2)), int(m.group(3)) * 60 + int(m.group(4))
            if end > 24 * 60:
                raise ValueError(f"{part.strip()!r}: 24:{m.group(4)} is not a time of day")
            if start == end:
                raise ValueError(f"{part.strip()!r} starts when it ends: use {FORM}")
            spans.append((start, end))
        return cls(tuple(spans))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __str__(self) -> str:
        return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in self.spans)

    def until(self, now: float) -> float | None:
        """Inside quiet hours at `now`: when they end (overlapping spans end together); else None."""
        end = None
        t = now
        for _ in range(len(self.spans) + 1):  # a span may start just as another ends
            nxt = self._end_of_span_at(t)
            if nxt is None:
                break
            end, t = nxt, nxt
        return end

    def _end_of_span_at(self, ts: float) -> float | None:
        local = datetime.fromtimestamp(ts)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
        ends = []
        for start, end in self.spans:
            if start < end and start <= minute < end:
                ends.append(_at(midnight, end))
            elif start > end and minute >= start:  # the evening part of an overnight span
                ends.append(_at(midnight + timedelta(days=1), end))
            elif start > end and minute < end:  # its morning part
                ends.append(_at(midnight, end))
        return max(ends) if ends else None


def _at(midnight: datetime, minutes: int) -> float:
    return (midnight + timedelta(minutes=minutes)).timestamp()


@dataclass(frozen=True)
class Window:
    """Whether capture may run at one moment, and until when that holds (None: until changed)."""

    listen: bool
    reason: str = ""
    """"" when it may listen; else "paused" or "quiet"."""
    until: float | None = None


def window(now: float, *, paused: bool, paused_until: float | None, quiet: QuietHours) -> Window:
    """What the microphone should do at `now`: a pause (until resumed, or until `paused_until`)
    comes first, then quiet hours."""
    if paused and (paused_until is None or now < paused_until):
        return Window(False, "paused", paused_until)
    end = quiet.until(now)
    if end is not None:
        return Window(False, "quiet", end)
    return Window(True)
