"""Numbers, times and paths the way a person reads them, for every surface: "3 days ago",
"~/notes/dog.md", "4.2 MiB", "5m02s". Stdlib only (the daemon client's surfaces use it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

KIND_NAMES = {"text": "note", "image": "photo", "audio": "audio"}
"""What a memory of each modality is called in tables."""
MODALITY_ICONS = {"text": "✎", "image": "▣", "audio": "♪"}
"""One-cell glyphs (emoji are two cells wide in most terminals and break alignment)."""

_AGES = (
    (60, "minute"),
    (60 * 60, "hour"),
    (24 * 60 * 60, "day"),
    (7 * 24 * 60 * 60, "week"),
    (30 * 24 * 60 * 60, "month"),
    (365 * 24 * 60 * 60, "year"),
)


def relative_time(ts: float, now: float | None = None) -> str:
    """A friendly age of `ts` seen from `now`: "just now", "5 minutes ago", "yesterday", "in 2 days"."""
    delta = (time.time() if now is None else now) - ts
    future = delta < 0
    delta = abs(delta)
    if delta < 45:
        return "just now"
    if not future and 24 * 3600 <= delta < 48 * 3600:
        return "yesterday"
    amount, unit = 1, "minute"
    for seconds, name in _AGES:
        if delta >= seconds:
            amount, unit = int(delta // seconds), name
    text = f"{amount} {unit}{'s' if amount != 1 else ''}"
    return f"in {text}" if future else f"{text} ago"


def icon(modality: str) -> str:
    return MODALITY_ICONS.get(modality, "•")


def short_path(path: str, width: int = 40) -> str:
    """`path` with the home folder as ~ and the middle elided to fit `width` cells."""
    home = os.path.expanduser("~")
    p = str(path)
    if home and home != "/" and (p == home or p.startswith(home.rstrip(os.sep) + os.sep)):
        p = "~" + p[len(home.rstrip(os.sep)) :]
    if len(p) <= width:
        return p
    name = Path(p).name
    if len(name) + 2 >= width:
        return "…" + name[-(width - 1) :]
    head = p[: width - len(name) - 2]
    return f"{head}…/{name}"


def human_size(n: float | None) -> str:
    """Bytes in binary units: "512 B", "4.2 MiB" ("?" when unknown, e.g. object storage)."""
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def duration(seconds: float | None) -> str:
    """A span of time: "7s", "5m02s", "1h02m" ("?" when unknown, e.g. an ETA with no rate yet)."""
    if seconds is None:
        return "?"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def media_time(seconds: float) -> str:
    """A position or length in a recording, as players show it: "0:07", "1:02:03"."""
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def not_here(path: str) -> str:
    """What every surface says of a memory whose file is not on this machine: with the store in
    a shared bucket, another device stored it (its absolute path is that device's)."""
    return f"stored on another device: {path} is not on this machine"


def snippet(text: str, width: int = 60) -> str:
    """The text on one line, cut to `width` with an ellipsis."""
    s = " ".join(text.split())
    return s if len(s) <= width else s[: width - 1] + "…"


_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `width` cells filled to `fraction` with eighth-cell precision."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    out = "█" * full + (_EIGHTHS[part] if part else "")
    return out.ljust(width)


def clock_time(ts: float, now: float | None = None) -> str:
    """When `ts` is, on a clock: "14:30" today, "tomorrow 07:00", "Tue 14:30" within a week,
    else "2026-05-01 14:30"."""
    from datetime import datetime, timedelta

    when = datetime.fromtimestamp(ts)
    today = datetime.fromtimestamp(time.time() if now is None else now).date()
    hm = when.strftime("%H:%M")
    if when.date() == today:
        return hm
    if when.date() == today + timedelta(days=1):
        return f"tomorrow {hm}"
    if when.date() == today - timedelta(days=1):
        return f"yesterday {hm}"
    if abs((when.date() - today).days) < 7:
        return f"{when.strftime('%a')} {hm}"
    return when.strftime("%Y-%m-%d %H:%M")


def stretch(since: float | None, until: float | None, now: float | None = None) -> str:
    """A stretch of time in words: "since 14:20", "between 09:00 and 10:30", "until yesterday 18:00"."""
    if since is not None and until is not None:
        return f"between {clock_time(since, now)} and {clock_time(until, now)}"
    if since is not None:
        return f"since {clock_time(since, now)}"
    if until is not None:
        return f"until {clock_time(until, now)}"
    return "at any time"


def capture_words(cap: object, now: float | None = None) -> str:
    """Whether the microphone captures right now, in words: "capturing — listening on X",
    "paused until 14:30", "quiet hours until 07:00", "off — why" (`cap`: a CaptureInfo)."""
    state = getattr(cap, "state", "off")
    message = getattr(cap, "message", "")
    paused_until = getattr(cap, "paused_until", None)
    quiet_until = getattr(cap, "quiet_until", None)
    if getattr(cap, "paused", False):
        return f"paused until {clock_time(paused_until, now)}" if paused_until else "paused until you resume it"
    if state == "quiet" or quiet_until:
        return f"quiet hours until {clock_time(quiet_until, now)}" if quiet_until else "quiet hours"
    if state == "listening":
        return "capturing" + (f" — {message}" if message else "")
    return state + (f" — {message}" if message else "")
