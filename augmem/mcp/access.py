"""Which backend answers an assistant's call: the running daemon when it answers (warm model,
and it is the one writer of the store), else augmem in this process.

An MCP server lives as long as the assistant's session, often for days, while the daemon may
start or stop under it. So the choice is made again for every call: a ping on the socket
when one exists (a millisecond), else the in-process core, which is kept (its model stays
loaded) until a daemon shows up. Calls are serialised: the daemon client talks one request
at a time, and the in-process core must not race itself on writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from augmem.backend import open_backend
from augmem.config import Settings
from augmem.contract import Backend
from augmem.errors import DaemonError

log = logging.getLogger(__name__)

T = TypeVar("T")


class Access:
    """Runs one backend call at a time on the daemon or, when none answers, in process."""

    def __init__(self, settings: Settings, *, use_daemon: bool = True):
        self.settings = settings
        self.use_daemon = use_daemon
        self._lock = threading.Lock()
        self._local: Backend | None = None

    def _daemon(self) -> Backend | None:
        if not self.use_daemon:
            return None
        from augmem.daemon.client import connect

        return connect(self.settings)

    def _in_process(self) -> Backend:
        if self._local is None:
            self._local = open_backend(self.settings, use_daemon=False)
        return self._local

    def call(self, fn: Callable[[Backend], T], *, idempotent: bool = True) -> T:
        """`fn(backend)`; a read that loses the daemon mid-call (it stopped) is answered in process."""
        with self._lock:
            daemon = self._daemon()
            if daemon is None:
                return fn(self._in_process())
            if self._local is not None:  # the daemon came up: let it own the model and the writes
                self._local.close()
                self._local = None
            try:
                return fn(daemon)
            except DaemonError as exc:
                if not idempotent:
                    raise
                log.warning("the daemon went away (%s); answering in process", exc.message)
                return fn(self._in_process())
            finally:
                daemon.close()

    def close(self) -> None:
        with self._lock:
            if self._local is not None:
                self._local.close()
                self._local = None
