"""Formatting for the terminal: tables, relative times, sizes."""

from __future__ import annotations

import os
import time
from datetime import datetime

ICONS = {"text": "note", "image": "photo", "audio": "audio"}


def human_bytes(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def relative_time(ts: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    d = now - ts
    if d < 0:
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")
    for limit, div, unit in ((60, 1, "s"), (3600, 60, "min"), (86400, 3600, "h"), (7 * 86400, 86400, "d")):
        if d < limit:
            return f"{int(d // div)} {unit} ago" if unit != "s" else "just now"
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")


def short_path(path: str, width: int = 40) -> str:
    home = os.path.expanduser("~")
    if path.startswith(home + os.sep):
        path = "~" + path[len(home):]
    return path if len(path) <= width else "…" + path[-(width - 1):]


def snippet(text: str, width: int = 60) -> str:
    s = " ".join(text.split())
    return s if len(s) <= width else s[: width - 1] + "…"


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
