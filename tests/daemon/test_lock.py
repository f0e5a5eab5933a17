"""One daemon per data folder: the lock is held by a live process, names it, and dies with it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from augmem.daemon.lock import DaemonLock, holder_pid, is_locked, running_pid
from augmem.errors import DaemonError
from tests.daemon.proc import ROOT

HOLD = (
    "import sys, time; sys.path.insert(0, {root!r});"
    "from augmem.daemon.lock import DaemonLock; from pathlib import Path;"
    "l = DaemonLock(Path({path!r}), Path({data!r})); l.acquire(); print('held', flush=True); time.sleep(60)"
)


def hold(path, data):
    p = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(root=str(ROOT), path=str(path), data=str(data))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_second_holder_is_refused_with_the_pid_and_folder(tmp_path):
    lock_file = tmp_path / "run" / "daemon.lock"
    p = hold(lock_file, tmp_path)
    try:
        assert is_locked(lock_file) and running_pid(lock_file) == p.pid
        with pytest.raises(DaemonError) as err:
            DaemonLock(lock_file, tmp_path).acquire()
        assert f"pid {p.pid}" in err.value.message and str(tmp_path) in err.value.message
        assert "augmem daemon stop" in err.value.hint
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    # kill -9 leaves the file behind, with the dead pid in it, but not the lock
    assert lock_file.exists() and holder_pid(lock_file) == p.pid
    assert not is_locked(lock_file) and running_pid(lock_file) is None
    with DaemonLock(lock_file, tmp_path) as lock:
        assert lock.held and holder_pid(lock_file) > 0
    assert not is_locked(lock_file)


def test_no_lock_file_means_no_daemon(tmp_path):
    assert not is_locked(tmp_path / "nope.lock") and running_pid(tmp_path / "nope.lock") is None
    t0 = time.monotonic()
    assert holder_pid(tmp_path / "nope.lock", wait=0.1) is None
    assert time.monotonic() - t0 < 1
