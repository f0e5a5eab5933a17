"""The daemon's local socket API: a Unix socket (owner-only, 0600 in a 0700 folder)
speaking newline-delimited JSON (see `augmem.daemon.protocol`). Each connection gets a
thread; requests are answered by a dispatch function supplied by the daemon."""

from __future__ import annotations

import logging
import os
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path

from augmem.daemon import protocol
from augmem.errors import AugmemError, DaemonError

log = logging.getLogger(__name__)

Dispatch = Callable[[dict], object]
"""dispatch(request) -> JSON-able result; raises AugmemError for a clean refusal."""

# AF_UNIX paths are limited to sizeof(sun_path) - 1 bytes (107 on Linux, 103 on macOS).
MAX_SOCKET_PATH = 103


class _Handler(socketserver.StreamRequestHandler):
    server: SocketServer

    def handle(self) -> None:
        allowed, why = protocol.peer_allowed(self.connection, self.server.owner_uid)
        if not allowed:
            log.warning("refused a socket connection: %s", why)
            try:  # answer the first request (rather than closing under the client's write)
                self.connection.settimeout(2.0)
                self.rfile.readline(protocol.MAX_LINE + 1)
            except OSError:
                pass
            self._send(
                protocol.error(f"connection refused: {why}", "only the user who runs the daemon may use its socket")
            )
            return
        while not self.server.closing:
            line = self.rfile.readline(protocol.MAX_LINE + 1)
            if not line:
                return
            if len(line) > protocol.MAX_LINE:
                self._send(protocol.error("request too long"))
                return
            if not line.strip():
                continue
            self._send(self.server.answer(line))

    def _send(self, reply: dict) -> None:
        try:
            self.wfile.write(protocol.encode(reply))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class SocketServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, path: Path, dispatch: Dispatch, owner_uid: int | None = None):
        self.path = Path(path)
        self.dispatch = dispatch
        self.owner_uid = os.getuid() if owner_uid is None else owner_uid
        self.closing = False
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise DaemonError(
                f"socket path too long for a Unix socket ({len(str(self.path))} bytes): {self.path}",
                hint="set AUGMEM_HOME to a shorter folder",
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        # Only the lock holder gets here, so a socket file left by a killed daemon is stale.
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        old = os.umask(0o177)  # created 0600: no window in which others could connect
        try:
            super().__init__(str(self.path), _Handler)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._thread: threading.Thread | None = None

    def answer(self, line: bytes) -> dict:
        try:
            request = protocol.decode(line)
        except ValueError as exc:
            return protocol.error(f"bad request: {exc}")
        op = request.get("op")
        if op not in protocol.OPS:
            return protocol.error(f"unknown op {op!r}", "ops: " + ", ".join(protocol.OPS))
        try:
            return protocol.ok(self.dispatch(request))
        except AugmemError as exc:
            return protocol.error(exc.message, exc.hint)
        except Exception as exc:  # a bug in one request must not take the daemon down
            log.exception("request %s failed", op)
            return protocol.error(f"{op} failed: {type(exc).__name__}: {exc}", "see the daemon log")

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="augmem-socket", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.closing = True
        self.shutdown()
        self.server_close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
