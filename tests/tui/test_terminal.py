"""`augmem tui` in a real terminal (tmux): type a query, read the screen back."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.tui.test_startup import ROOT, probe_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout


def wait_screen(session: str, predicate, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if predicate(screen):
            return screen
        time.sleep(0.25)
    raise AssertionError(f"timed out; the terminal shows:\n{screen}")


def test_augmem_tui_in_tmux(user_dir, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(user_dir / "augmem", home)
    env = probe_env(home, user_dir)
    session = f"augmem-tui-{uuid.uuid4().hex[:8]}"
    keep = ("AUGMEM_", "HF_", "TRANSFORMERS_", "TOKENIZERS_", "PYTHONPATH", "HOME")
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith(keep))
    python = shlex.quote(sys.executable)
    command = f"cd {shlex.quote(str(ROOT))} && env {exports} TERM=xterm-256color {python} -m augmem tui"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", command], check=True)
    try:
        wait_screen(session, lambda s: "Describe what you remember" in s, timeout=60)
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "fixing a flat bicycle tyre"], check=True)
        screen = wait_screen(session, lambda s: " results" in s and "bike-flat-tyre-repair.txt" in s, timeout=240)
        lines = screen.splitlines()
        first = next(line for line in lines if "✎" in line and "ago" in line)
        assert "bike-flat-tyre-repair.txt" in first, screen
        # the top bar learns the model from status(), read in the background
        wait_screen(session, lambda s: "in-process · minilm" in s.splitlines()[0], timeout=60)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        wait_screen(session, lambda s: "Describe what you remember" not in s, timeout=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
