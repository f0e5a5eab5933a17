"""Run a real `python -m augmem daemon run` process on a temporary data folder."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[2]


_WHISPER_BASE: Path | None = None
_RUNNING: set[DaemonProcess] = set()
"""Daemons this test process started and has not cleaned up: a `wait_for` that times out shows
their logs, since a test's data folder (where they are) is removed with it."""


def whisper_base() -> Path:
    """Whisper base joined once per test process (removed at exit), for data folders to link to."""
    global _WHISPER_BASE
    if _WHISPER_BASE is None:
        from augmem.derive.whisper import assemble_whisper_base

        folder = Path(tempfile.mkdtemp(prefix="augw-", dir="/tmp"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _WHISPER_BASE = assemble_whisper_base(folder / "whisper-base")
    return _WHISPER_BASE


def short_home(prefix: str = "augd-") -> Path:
    """A short AUGMEM_HOME (Unix socket paths are limited to ~104 bytes) with Whisper base linked in."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    models = home / "data" / "models"
    models.mkdir(parents=True)
    (models / "whisper-base").symlink_to(whisper_base(), target_is_directory=True)
    return home


def write_config(home: Path, **values) -> None:
    (home / "config.toml").write_text(tomli_w.dumps(values))


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUGMEM_")}
    env.update(
        AUGMEM_HOME=str(home),
        AUGMEM_LOAD_PLUGINS="",
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class DaemonProcess:
    def __init__(self, home: Path, **env: str):
        self.home = Path(home)
        self.env = env_for(self.home, **env)
        self.proc: subprocess.Popen | None = None
        self.out = self.home / "daemon-test.out"
        self.served = False
        """Its socket answered: from then on it exiting by itself is a failure `wait_for` reports."""

    @property
    def run_dir(self) -> Path:
        return self.home / "data" / "run"

    @property
    def socket(self) -> Path:
        return self.run_dir / "augmem.sock"

    def settings(self):
        from augmem.config import load_settings
        from augmem.paths import Paths

        return load_settings(Paths(config_dir=self.home, data_dir=self.home / "data", cache_dir=self.home / "cache"))

    def start(self, wait: float = 120.0) -> DaemonProcess:
        _RUNNING.add(self)
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "augmem", "daemon", "run"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=str(ROOT),
            )
        self.wait_socket(wait)
        return self

    def wait_socket(self, timeout: float) -> None:
        from augmem.daemon.client import connect

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}: {self.output()[-3000:]}")
            c = connect(self.settings(), timeout=1.0)
            if c is not None:
                c.close()
                self.served = True
                return
            time.sleep(0.1)
        raise TimeoutError(f"daemon socket did not answer: {self.output()[-3000:]}")

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`augmem ARGS` as its own process against this daemon's home, as a shell runs it."""
        return subprocess.run(
            [sys.executable, "-m", "augmem", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(ROOT),
        )

    def client(self):
        from augmem.daemon.client import connect

        c = connect(self.settings(), timeout=5.0)
        assert c is not None, self.output()[-3000:]
        return c

    def output(self) -> str:
        try:
            return self.out.read_text(errors="replace")
        except OSError:
            return ""

    def logs(self) -> str:
        """The end of what the daemon printed and of its log (both go with the data folder)."""
        try:
            log = (self.run_dir / "daemon.log").read_text(errors="replace")[-6000:]
        except OSError:
            log = "(no daemon.log)"
        return f"--- daemon {self.home} output ---\n{self.output()[-3000:]}\n--- its daemon.log ---\n{log}"

    def terminate(self, timeout: float = 120.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.proc = None
        return code

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        _RUNNING.discard(self)
        shutil.rmtree(self.home, ignore_errors=True)


def wait_for(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        for d in list(_RUNNING):  # a daemon that died will not bring it: say so now, not at the deadline
            if d.served and d.proc is not None and d.proc.poll() is not None:
                raise RuntimeError(f"the daemon exited ({d.proc.returncode}) while waiting for {what}\n{d.logs()}")
        time.sleep(interval)
    logs = "".join(f"\n{d.logs()}" for d in list(_RUNNING) if d.home.exists())
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}){logs}")
