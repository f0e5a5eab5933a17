"""Numbers and paths the way a person reads them: "3 days ago", "~/notes/dog.md", "4.2 MB"."""

from __future__ import annotations

import os
from pathlib import Path

MODALITY_ICONS = {"text": "✎", "image": "▣", "audio": "♪"}
"""One-cell glyphs (emoji are two cells wide in most terminals and break alignment)."""

_UNITS = (
    (60, "minute"),
    (60 * 60, "hour"),
    (24 * 60 * 60, "day"),
    (7 * 24 * 60 * 60, "week"),
    (30 * 24 * 60 * 60, "month"),
    (365 * 24 * 60 * 60, "year"),
)


def relative_time(ts: float, now: float) -> str:
    """A friendly age of `ts` seen from `now`: "just now", "5 minutes ago", "yesterday", "in 2 days"."""
    delta = now - ts
    future = delta < 0
    delta = abs(delta)
    if delta < 45:
        return "just now"
    if not future and 24 * 3600 <= delta < 48 * 3600:
        return "yesterday"
    amount, unit = 1, "minute"
    for seconds, name in _UNITS:
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
        p = "~" + p[len(home.rstrip(os.sep)):]
    if len(p) <= width:
        return p
    name = Path(p).name
    if len(name) + 2 >= width:
        return "…" + name[-(width - 1):]
    head = p[: width - len(name) - 2]
    return f"{head}…/{name}"


def human_size(n: float) -> str:
    """Bytes as "512 B", "4.2 MB"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `width` cells filled to `fraction` with eighth-cell precision."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    out = "█" * full + (_EIGHTHS[part] if part else "")
    return out.ljust(width)


def duration(seconds: float) -> str:
    """Seconds as "0:07" or "1:02:03"."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
