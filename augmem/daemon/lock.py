"""One daemon per data folder: an exclusive fcntl lock on run_dir/daemon.lock that
also records the holder's pid. The lock dies with the process (even on kill -9), so a
stale lock file never blocks a new daemon."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from augmem.errors import DaemonError
from augmem.private import private_dir


class DaemonLock:
    """Hold `path` exclusively for this process; `acquire` raises DaemonError naming the holder."""

    def __init__(self, path: Path, data_dir: Path | None = None):
        self.path = Path(path)
        self.data_dir = data_dir or self.path.parent
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise DaemonError(f"cannot lock {self.path}: {exc.strerror}") from exc
            pid = holder_pid(self.path)
            who = f"pid {pid}" if pid else "another process"
            raise DaemonError(
                f"an augmem daemon ({who}) is already running for {self.data_dir}",
                hint="`augmem daemon status` to talk to it, `augmem daemon stop` to stop it, "
                "or set AUGMEM_HOME to use another data folder",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def holder_pid(path: Path, wait: float = 0.5) -> int | None:
    """The pid written in the lock file (waits briefly: a fresh holder writes it just after locking)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            text = ""
        if text.isdigit():
            return int(text)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def is_locked(path: Path) -> bool:
    """True while some process holds the daemon lock on `path`."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def running_pid(path: Path) -> int | None:
    """The pid of the daemon holding the lock, or None when no daemon runs."""
    if not is_locked(path):
        return None
    return holder_pid(path)
