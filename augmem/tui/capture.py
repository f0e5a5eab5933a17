"""Whether the microphone is capturing right now, for the top bar of every screen: "● capturing",
"‖ paused until 14:30", "☾ quiet hours until 07:00". The app polls `backend.capture()` (cheap:
no store reads) every few seconds."""

from __future__ import annotations

from textual.content import Content
from textual.message import Message

from augmem.humanize import clock_time
from augmem.records import CaptureInfo

POLL_S = 3.0


class CaptureRead(Message):
    """A fresh `capture()` came back (None: the backend could not say)."""

    def __init__(self, info: CaptureInfo | None) -> None:
        super().__init__()
        self.info = info


def capture_badge(cap: CaptureInfo | None, is_daemon: bool, now: float) -> Content:
    """The top bar's word on capture. Without a daemon nothing captures, so only a pause or quiet
    hours the daemon will start with are shown (and nothing at all otherwise)."""
    if cap is None:
        return Content("")
    if cap.paused:
        until = f" until {clock_time(cap.paused_until, now)}" if cap.paused_until else ""
        return Content.from_markup("[$text-warning]‖ paused$u[/]", u=until)
    if cap.state == "quiet" or cap.quiet_until:
        until = f" until {clock_time(cap.quiet_until, now)}" if cap.quiet_until else ""
        return Content.from_markup("[$text-secondary]☾ quiet hours$u[/]", u=until)
    if not is_daemon:
        return Content("")
    if cap.state == "listening":
        return Content.from_markup("[b $text-success]● capturing[/]")
    if cap.state in ("unavailable", "error"):
        return Content.from_markup("[$text-error]✕ no microphone[/]")
    return Content.from_markup("[$text-muted]○ mic off[/]")
