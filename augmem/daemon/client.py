"""Talk to a running daemon: the `augmem.contract.Backend` calls, answered by the daemon's
warm model.

The client's contract methods are built from the Protocol itself (`_remote`): every
argument the contract names is sent, path arguments made absolute first, and the reply
is decoded into the contract's return type. Importing this module is cheap on purpose
(stdlib + augmem's plain-data modules): a recall answered by the daemon must not import
torch, lancedb or numpy in the client.
"""

from __future__ import annotations

import inspect
import math
import os
import socket
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from augmem import codec, contract
from augmem.contract import Backend
from augmem.daemon import protocol
from augmem.errors import AugmemError, DaemonError

if TYPE_CHECKING:
    from augmem.config import Settings

SOCKET_NAME = "augmem.sock"

F = TypeVar("F", bound=Callable[..., Any])


def socket_path(settings: Settings) -> Path:
    return settings.paths.run_dir / SOCKET_NAME


def _absolute(value: Any) -> Any:
    """A local path argument (or a list of them) as absolute paths, `~` expanded."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_absolute(v) for v in value]
    return os.path.abspath(os.path.expanduser(str(value)))


def _remote(method: F) -> F:
    """A client method with the signature of the contract's `method`: it sends every bound
    argument to the daemon operation of the same name and decodes the reply."""
    op = method.__name__
    sig = inspect.signature(method)
    timeout = OP_TIMEOUTS.get(op)

    @wraps(method)
    def call(self: DaemonClient, *args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        hints = contract.op_hints(op)
        params = {}
        for name, value in list(bound.arguments.items())[1:]:
            if contract.is_local_path(hints[name]):
                value = _absolute(value)
            params[name] = codec.to_json(value)
        reply = self.call(op, params, timeout=timeout)
        try:
            return codec.from_json(hints["return"], reply, op)
        except codec.CodecError as exc:
            raise DaemonError(
                f"the daemon answered {op!r} in a shape this augmem does not read ({exc})",
                hint="the daemon runs another version of augmem: restart it with "
                "`augmem daemon stop && augmem daemon start`",
            ) from exc

    return call  # type: ignore[return-value]


OP_TIMEOUTS: dict[str, float] = {
    "status": 60.0,
    "forget_plan": 60.0,
    "pause": 30.0,
    "capture": 10.0,
    "resume": 30.0,
    "reembed": 30.0,
    "timeline": 60.0,
    "ingest": math.inf,  # as long as the files take
}
"""Seconds a call may take before the client gives up (default: DaemonClient.call_timeout)."""


class DaemonClient:
    """A connection to the daemon of one data folder: a `Backend`. Thread-safe (one request
    at a time)."""

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
    def call(self, op: str, args: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Send one request and return its result; a refusal raises AugmemError(message, hint).
        `timeout` in seconds (default `call_timeout`; math.inf waits as long as it takes)."""
        wait = self.call_timeout if timeout is None else timeout
        with self._lock:
            try:
                self._sock.settimeout(None if math.isinf(wait) else wait)
                try:
                    self._sock.sendall(protocol.encode({"op": op, **(args or {})}))
                except BrokenPipeError:
                    pass  # the daemon may have answered (a refusal) and closed: read it below
                line = self._file.readline(protocol.MAX_LINE + 1)
            except TimeoutError as exc:
                raise DaemonError(
                    f"the daemon did not answer {op!r} in time", hint="see `augmem daemon status` and the daemon log"
                ) from exc
            except OSError as exc:
                raise DaemonError(
                    f"lost the connection to the daemon: {exc}",
                    hint="`augmem daemon status`; restart it with `augmem daemon start`",
                ) from exc
        if not line:
            raise DaemonError("the daemon closed the connection", hint="it may be shutting down; see the daemon log")
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

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the contract (built from augmem.contract.Backend) ---------------------------------------
    recall = _remote(Backend.recall)
    ingest = _remote(Backend.ingest)
    forget = _remote(Backend.forget)
    forget_plan = _remote(Backend.forget_plan)
    status = _remote(Backend.status)
    memory = _remote(Backend.memory)
    timeline = _remote(Backend.timeline)
    pause = _remote(Backend.pause)
    capture = _remote(Backend.capture)
    resume = _remote(Backend.resume)
    reembed = _remote(Backend.reembed)

    # -- the daemon's own calls ------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("ping", timeout=5.0)
        return result

    def reload(self) -> dict[str, Any]:
        """Re-read the config file (watch list, model, capture settings)."""
        result: dict[str, Any] = self.call("reload", timeout=120.0)
        return result


if TYPE_CHECKING:

    def _is_a_backend(client: DaemonClient) -> Backend:
        return client  # mypy: the client implements the whole contract


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
