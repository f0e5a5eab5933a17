"""What a failed store call means for a person: a full disk or a store they cannot write is
said in those words, with what to do, instead of lance's own text (which ends in a path
inside the Rust registry of the machine lance was built on)."""

from __future__ import annotations

import errno
import re

FULL = "full"
READ_ONLY = "read-only"

_LANCE_OS_ERROR = re.compile(r"\(os error (\d+)\)")
_KINDS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EROFS: READ_ONLY,
    errno.EACCES: READ_ONLY,
    errno.EPERM: READ_ONLY,
}
_WORDS = {
    FULL: (
        "the disk the store is on is full",
        "free some space there and run it again: what was stored before is complete, nothing half-written "
        "shows, and the rest goes in then",
    ),
    READ_ONLY: (
        "the store is read-only here (a read-only disk or folder, or another user's files)",
        "recall still answers from it; to add or forget memories, make the store folder writable for "
        "you (or set store_uri to a folder you can write)",
    ),
}


def kind_of(exc: BaseException) -> str | None:
    """FULL or READ_ONLY when that is why `exc` happened (Python's OSError or lance's text); else None."""
    code = getattr(exc, "errno", None)
    if code is None:
        m = _LANCE_OS_ERROR.search(str(exc))
        code = int(m.group(1)) if m else None
    if code in _KINDS:
        return _KINDS[code]
    text = str(exc)
    if "No space left on device" in text or "Disk quota exceeded" in text:
        return FULL
    if "Read-only file system" in text or "Permission denied" in text:
        return READ_ONLY
    return None


def explain(what: str, exc: BaseException) -> tuple[str, str] | None:
    """(one-line message, hint) for a store call `what` that failed on a full or read-only disk."""
    kind = kind_of(exc)
    if kind is None:
        return None
    problem, hint = _WORDS[kind]
    return f"{problem}: could not {what}", hint
