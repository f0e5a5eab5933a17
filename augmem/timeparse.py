"""Parsing the times people type, the same way on every surface: "2d", "1w", "3h", "10m",
"today", "yesterday", "now", "2026-05-01", "2026-05-01 14:30"."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}
_REL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|mo|m|h|d|w|y)\s*(?:ago)?\s*$", re.I)
_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")

FORMS = "2d, 1w, 3h, 10m, today, yesterday, 14:30 (today), 2026-05-01 or 2026-05-01 14:30"
"""What people may type, for help texts and error messages."""


def parse_when(text: str, now: float | None = None) -> float:
    """Unix seconds for a relative span ("2d" = two days ago) or a local date / date-time."""
    now = time.time() if now is None else now
    t = text.strip().lower()
    m = _REL.match(t)
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2).lower()]
    midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if t == "today":
        return midnight.timestamp()
    if t == "yesterday":
        return (midnight - timedelta(days=1)).timestamp()
    if t == "now":
        return now
    clock = _CLOCK.match(t)
    if clock:  # a time of day: today at that time
        return midnight.replace(hour=int(clock.group(1)), minute=int(clock.group(2))).timestamp()
    try:
        return datetime.fromisoformat(text.strip()).astimezone().timestamp()
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a time: use e.g. {FORMS}") from None


def parse_span(since: str | None, until: str | None, now: float | None = None) -> tuple[float | None, float | None]:
    """(since, until) in unix seconds from what a person typed; either may be empty.

    `until` given as a bare date means the end of that day, so "--until 2026-05-01" includes
    the 1st of May, on the CLI and in the TUI alike. Raises ValueError for unreadable text or
    an until that does not come after since."""
    t0 = parse_when(since, now) if since and since.strip() else None
    t1 = parse_when(until, now) if until and until.strip() else None
    if t1 is not None and until and _DATE.match(until):
        t1 = (datetime.fromisoformat(until.strip()) + timedelta(days=1)).astimezone().timestamp()
    if t0 is not None and t1 is not None and t1 <= t0:
        raise ValueError("'until' must come after 'since'")
    return t0, t1


DURATION_FORMS = "30m, 2h, 1h30m, 90s, 1d"


def parse_duration(text: str) -> float:
    """Seconds in a span a person typed: "30m", "2h", "1h30m", "1.5h", "90s", "1d"."""
    t = text.strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+(?:\.\d+)?)(s|min|mo|m|h|d|w)", t)
    if not t or not parts or "".join(a + u for a, u in parts) != t:
        raise ValueError(f"cannot read {text!r} as a duration: use e.g. {DURATION_FORMS}")
    seconds = sum(float(a) * _UNITS[u] for a, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds
