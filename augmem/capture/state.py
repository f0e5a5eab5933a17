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


def capture_paused(run_dir: Path) -> bool:
    """Pause survives restarts: a paused microphone stays off until `augmem daemon resume`."""
    return bool(read_capture_state(run_dir).get("paused", False))


def capture_info(run_dir: Path) -> CaptureInfo:
    """The last capture state a daemon wrote (state "off" when none ever ran)."""
    st = read_capture_state(run_dir)
    return CaptureInfo(state=str(st.get("state") or "off"), paused=bool(st.get("paused")),
                       message=str(st.get("message") or ""), device=str(st.get("device") or ""),
                       clips=int(st.get("clips") or 0))
