"""Hand a memory's source to the desktop: open it in the default app, or show its folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class LaunchError(Exception):
    """The desktop cannot open this (no opener installed, file gone)."""


def _opener() -> list[str]:
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform == "win32":
        return ["explorer"]
    for cmd in ("xdg-open", "gio", "wslview"):
        if shutil.which(cmd):
            return [cmd, "open"] if cmd == "gio" else [cmd]
    raise LaunchError("no program to open files with (install xdg-utils for xdg-open)")


def _spawn(argv: list[str]) -> None:
    # Detached and silent: the opener must neither die with the TUI nor scribble on its screen.
    subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def open_path(path: str) -> None:
    """Open `path` with the system's default application."""
    if not os.path.exists(path):
        raise LaunchError(f"{path} no longer exists")
    _spawn([*_opener(), path])


def reveal_path(path: str) -> None:
    """Show `path` in the file manager (selected where the platform can do that)."""
    p = Path(path)
    if sys.platform == "darwin":
        if not p.exists():
            raise LaunchError(f"{path} no longer exists")
        _spawn(["open", "-R", str(p)])
        return
    if sys.platform == "win32":
        _spawn(["explorer", f"/select,{p}"])
        return
    folder = p if p.is_dir() else p.parent
    if not folder.exists():
        raise LaunchError(f"{folder} no longer exists")
    _spawn([*_opener(), str(folder)])
