"""Talk to a running daemon: the same calls the CLI and TUI make on `augmem.core.Augmem`,
answered by the daemon's warm model.

Importing this module is cheap on purpose (stdlib + augmem's plain-data modules): a
recall answered by the daemon must not import torch, lancedb or numpy in the client.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from augmem.daemon import protocol
from augmem.errors import AugmemError, DaemonError
from augmem.records import Filters, Hit

if TYPE_CHECKING:
    from augmem.config import Settings
    from augmem.core import IngestReport, RecallResult

SOCKET_NAME = "augmem.sock"


def socket_path(settings: Settings) -> Path:
    return settings.paths.run_dir / SOCKET_NAME


class DaemonClient:
    """A connection to the daemon of one data folder. Thread-safe (one request at a time)."""

    def __init__(self, path: str | Path, *, timeout: float = 2.0, call_timeout: float = 300.0):
        self.path = Path(path)
        self.call_timeout = call_timeout
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(str(self.path))
        except OSError:
            self._sock.close()
            raise
        self._file = self._sock.makefile("rb")

    # -- plumbing ----------------------------------------------------------------------------
    def call(self, op: str, timeout: float | None = None, **args: Any) -> Any:
        """Send one request and return its result; a refusal raises AugmemError(message, hint)."""
        with self._lock:
            try:
                self._sock.settimeout(timeout if timeout is not None else self.call_timeout)
                try:
                    self._sock.sendall(protocol.encode({"op": op, **args}))
                except BrokenPipeError:
                    pass  # the daemon may have answered (a refusal) and closed: read it below
                line = self._file.readline(protocol.MAX_LINE + 1)
            except TimeoutError as exc:
                raise DaemonError(f"the daemon did not answer {op!r} in time",
                                  hint="see `augmem daemon status` and the daemon log") from exc
            except OSError as exc:
                raise DaemonError(f"lost the connection to the daemon: {exc}",
                                  hint="`augmem daemon status`; restart it with `augmem daemon start`") from exc
        if not line:
            raise DaemonError("the daemon closed the connection",
                              hint="it may be shutting down; see the daemon log")
        reply = protocol.decode(line)
        if not reply.get("ok"):
            raise AugmemError(reply.get("error") or "the daemon refused the request", reply.get("hint"))
        return reply.get("result")

    def close(self) -> None:
        try:
            self._file.close()
        finally:
            self._sock.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the core's calls ------------------------------------------------------------------------
    def ping(self) -> dict:
        return self.call("ping", timeout=5.0)

    def recall(
        self,
        query: str | None = None,
        *,
        like: str | Path | None = None,
        like_id: str | None = None,
        filters: Filters | None = None,
        limit: int = 10,
        instruction: str | None = None,
    ) -> RecallResult:
        """Same as `Augmem.recall`, answered by the daemon's warm model."""
        from augmem.core import RecallResult  # plain dataclasses; augmem.core defers its heavy imports

        result = self.call(
            "recall",
            query=query,
            like=str(Path(like).expanduser().resolve()) if like else None,
            like_id=like_id,
            filters=asdict(filters) if filters else None,
            limit=limit,
            instruction=instruction,
        )
        return RecallResult(
            hits=[Hit.from_json(h) for h in result.get("hits", [])],
            space=result.get("space", ""),
            not_migrated=result.get("not_migrated", 0),
            pending=result.get("pending", 0),
            notice=result.get("notice", ""),
        )

    def status(self) -> dict:
        """The core's status plus "daemon", "capture" and "migration" sections."""
        return self.call("status", timeout=60.0)

    def forget(self, *, ids: Sequence[str] = (), paths: Sequence[str] = ()) -> int:
        return int(self.call("forget", ids=list(ids),
                             paths=[str(Path(p).expanduser().absolute()) for p in paths]))

    def timeline(self, filters: Filters | None = None) -> list[tuple[str, dict[str, int]]]:
        rows = self.call("timeline", filters=asdict(filters) if filters else None)
        return [(day, counts) for day, counts in rows]

    def ingest(self, paths: Sequence[str | Path], *, source: str | None = None,
               forget_missing: bool = False, wait: bool = True) -> IngestReport | dict:
        """Ingest through the daemon; with `wait`, returns the IngestReport, else {"queued": n}."""
        result = self.call("ingest", paths=[str(Path(p).expanduser().absolute()) for p in paths],
                           source=source, forget_missing=forget_missing, wait=wait,
                           timeout=None if wait else 30.0)
        if not wait:
            return result
        from augmem.core import IngestReport

        report = IngestReport(**{k: v for k, v in result.items() if k != "rejected"})
        report.rejected = [(r["path"], r["reason"]) for r in result.get("rejected", [])]
        return report

    def pause(self) -> dict:
        """Pause microphone capture; returns the capture state."""
        return self.call("pause", timeout=30.0)

    def resume(self) -> dict:
        """Resume microphone capture; returns the capture state."""
        return self.call("resume", timeout=30.0)

    def reembed(self) -> dict:
        """Start (or nudge) re-embedding into the active space; returns migration progress."""
        return self.call("reembed", timeout=30.0)

    def reload(self) -> dict:
        """Re-read the config file (watch list, model, capture settings)."""
        return self.call("reload", timeout=120.0)

    def migration_state(self) -> tuple[int, int]:
        m = self.status().get("migration", {})
        return int(m.get("done", 0)), int(m.get("total", 0))


def connect(settings: Settings | None = None, timeout: float = 1.0) -> DaemonClient | None:
    """A client for the data folder's daemon, or None when no daemon answers."""
    if settings is None:
        from augmem.config import load_settings

        settings = load_settings()
    path = socket_path(settings)
    if not hasattr(socket, "AF_UNIX") or not path.exists():
        return None
    try:
        client = DaemonClient(path, timeout=timeout)
    except OSError:
        return None
    try:
        client.call("ping", timeout=timeout)
    except AugmemError:
        client.close()
        return None
    return client


def daemon_pid(settings: Settings) -> int | None:
    """The pid of the daemon holding this data folder's lock (None when none runs)."""
    from augmem.daemon.lock import running_pid

    return running_pid(settings.paths.run_dir / "daemon.lock")


__all__ = ["DaemonClient", "connect", "daemon_pid", "socket_path"]
