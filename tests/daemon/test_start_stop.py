"""`augmem daemon start` detaches a daemon and returns once its socket answers;
`augmem daemon stop` stops it. The model here has no artifact, which the daemon
reports (status, log) without failing to start."""

from __future__ import annotations

import os
import subprocess
import sys

from augmem.daemon.lock import is_locked, running_pid
from tests.daemon.proc import ROOT, env_for, short_home, write_config


def cli(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "augmem", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=str(ROOT)
    )


def test_start_status_stop():
    home = short_home()
    write_config(home, model="aist-87m")  # no artifact anywhere (offline): reported, not fatal
    env = env_for(home)
    lock = home / "data" / "run" / "daemon.lock"
    try:
        r = cli(env, "daemon", "start")
        assert r.returncode == 0, r.stderr
        pid = running_pid(lock)
        assert pid and f"started (pid {pid})" in r.stdout
        assert os.getsid(pid) == pid  # its own session: detached from the terminal
        r = cli(env, "daemon", "status")
        assert f"up (pid {pid})" in r.stdout
        assert "no artifact for model 'aist-87m'" in r.stdout
        r = cli(env, "daemon", "stop")
        assert r.returncode == 0 and f"(pid {pid}) stopped" in r.stdout
        assert not is_locked(lock)
        log = (home / "data" / "run" / "daemon.log").read_text()
        assert "cannot load the model: no artifact" in log and "daemon stopped" in log
        r = cli(env, "daemon", "status")
        assert r.returncode == 1 and "down" in r.stdout
    finally:
        pid = running_pid(lock)
        if pid:
            os.kill(pid, 9)
        import shutil

        shutil.rmtree(home, ignore_errors=True)
