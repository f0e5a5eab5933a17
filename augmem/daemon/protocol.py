"""The daemon's wire format and who may speak it.

One request per line, one reply per line, both JSON:
`{"op": "recall", "query": "..."}` -> `{"ok": true, "result": ...}` or
`{"ok": false, "error": "one line", "hint": "what to do"}`.
Only the user who owns the daemon may connect (checked with the peer's credentials).
Stdlib (and augmem's plain-data modules) only: the client imports this, and the client must stay light.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
from typing import Any

from augmem import contract

DAEMON_OPS = ("ping", "reload", "cli")
"""Operations of the daemon itself, beside the contract's."""
OPS = contract.OPS + DAEMON_OPS
"""Every operation the socket answers: the `augmem.contract.Backend` methods, then the daemon's own."""
MAX_LINE = 8 * 1024 * 1024
"""Longest request or reply line accepted (recall replies with text run to a few hundred KB)."""


def encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), default=str).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    obj = json.loads(line.decode("utf-8"))
    if not isinstance(obj, dict):
        raise ValueError("a message must be a JSON object")
    return obj


def ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def error(message: str, hint: str | None = None) -> dict[str, Any]:
    return {"ok": False, "error": message, "hint": hint}


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket (None if the OS cannot say)."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux: struct ucred {pid_t pid; uid_t uid; gid_t gid;}
        fmt = "3i"
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(fmt))
        _pid, uid, _gid = struct.unpack(fmt, creds)
        return int(uid)
    if sys.platform == "darwin":  # LOCAL_PEERCRED (SOL_LOCAL=0, opt 1): struct xucred {u_int version; uid_t uid; ...}
        try:
            creds = sock.getsockopt(0, 0x001, 76)
            _version, uid = struct.unpack_from("Ii", creds)
            return int(uid)
        except OSError:
            return None
    return None


def peer_allowed(sock: socket.socket, owner_uid: int | None = None) -> tuple[bool, str]:
    """(allowed, reason): only the daemon's own user may talk to it."""
    owner = os.getuid() if owner_uid is None else owner_uid
    uid = peer_uid(sock)
    if uid is None:
        return False, "cannot determine the connecting user's uid"
    if uid != owner:
        return False, f"uid {uid} is not the daemon's owner (uid {owner})"
    return True, ""
