"""Small JSON state files in run_dir that outlive the daemon process, so `augmem status`
can say whether capture is paused (and why it is off) without a running daemon."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from augmem.private import private_dir, write_private
from augmem.records import CaptureInfo
from augmem.schedule import QuietHours, Window, window

CAPTURE_STATE = "capture.json"


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_private(tmp, json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_capture_state(run_dir: Path) -> dict[str, Any]:
    """{"state": "off"|"starting"|"listening"|"paused"|"unavailable"|"error", "paused": bool,
    "message": str, "device": str, "clips": int, "updated": unix seconds} (empty if never written)."""
    return read_json(Path(run_dir) / CAPTURE_STATE)


def write_capture_state(run_dir: Path, **fields: Any) -> dict[str, Any]:
    state = read_capture_state(run_dir)
    state.update(fields)
    state["updated"] = time.time()
    write_json_atomic(Path(run_dir) / CAPTURE_STATE, state)
    return state


def capture_paused(run_dir: Path, now: float | None = None) -> bool:
    """Pause survives restarts: a paused microphone stays off until `augmem daemon resume`, or
    until the end of a timed pause (`augmem daemon pause 30m`)."""
    return capture_window(run_dir, now=now).reason == "paused"


def capture_window(run_dir: Path, quiet: QuietHours | None = None, now: float | None = None) -> Window:
    """Whether the microphone may listen at `now`, after the pause written down and `quiet`."""
    st = read_capture_state(run_dir)
    until = st.get("paused_until")
    return window(
        time.time() if now is None else now,
        paused=bool(st.get("paused")),
        paused_until=float(until) if isinstance(until, (int, float)) else None,
        quiet=quiet or QuietHours(),
    )


def capture_info(run_dir: Path, quiet: QuietHours | None = None, now: float | None = None) -> CaptureInfo:
    """The last capture state a daemon wrote (state "off" when none ever ran), with the pause
    and quiet hours as they stand at `now` (a timed pause that ran out no longer counts)."""
    st = read_capture_state(run_dir)
    w = capture_window(run_dir, quiet, now)
    return CaptureInfo(
        state=str(st.get("state") or "off"),
        paused=w.reason == "paused",
        paused_until=w.until if w.reason == "paused" else None,
        quiet_hours=str(quiet or ""),
        quiet_until=w.until if w.reason == "quiet" else None,
        message=str(st.get("message") or ""),
        device=str(st.get("device") or ""),
        clips=int(st.get("clips") or 0),
    )
