"""Parsing the times people type: "2d", "1w", "3h", "today", "yesterday", "2026-05-01"."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}
_REL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d|w|mo|y)\s*(?:ago)?\s*$", re.I)


def parse_when(text: str, now: float | None = None) -> float:
    """Unix seconds for a relative span ("2d" = two days ago) or a date / date-time."""
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
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a time: use e.g. 2d, 1w, 3h, today, or 2026-05-01") from None
