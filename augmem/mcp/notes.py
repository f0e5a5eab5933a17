"""The notes folder augmem owns: where an assistant's `remember` writes a note as a file.

A remembered note is a plain Markdown file in `<data>/notes/`, ingested like every other
note (chunked, embedded, deduplicated by content, forgotten when deleted), so nothing about
it is special once it is on disk. The folder is 0700 and each file 0600 (memories are
private), written to a temp file and renamed so a crash never leaves half a note that the
next reconcile would ingest.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from augmem.errors import AugmemError

MAX_NOTE_BYTES = 1024 * 1024
"""Longest note `remember` takes: the same order as a long document, far below ingest's limit."""
SLUG_WORDS = 6
SLUG_CHARS = 48


def slug(text: str) -> str:
    """File-name-safe words from the start of `text`: "Call Ana about the lentil soup" ->
    "call-ana-about-the-lentil-soup" (ASCII letters and digits only; "note" when none are left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())[:SLUG_WORDS]
    out = "-".join(words)[:SLUG_CHARS].strip("-")
    return out or "note"


def ensure_folder(folder: Path) -> Path:
    """Create the notes folder (0700) if needed; tighten it if someone loosened it."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def write_note(folder: Path, text: str, title: str | None = None, now: float | None = None) -> Path:
    """Write `text` (under a `# title` heading when given) as a new note file and return its path.

    Named `YYYY-MM-DD-HHMMSS-<slug>.md` from the local time and the first words, so the folder
    reads as a diary and sorts by time; a clash in the same second gets `-2`, `-3`, …"""
    body = text.strip()
    if not body:
        raise AugmemError("nothing to remember: the text is empty")
    heading = " ".join((title or "").split())
    content = (f"# {heading}\n\n{body}\n" if heading else f"{body}\n").encode("utf-8")
    if len(content) > MAX_NOTE_BYTES:
        raise AugmemError(
            f"the note is too long ({len(content):,} bytes; at most {MAX_NOTE_BYTES:,})",
            hint="split it into several notes",
        )
    ensure_folder(folder)
    stamp = time.strftime("%Y-%m-%d-%H%M%S", time.localtime(time.time() if now is None else now))
    base = f"{stamp}-{slug(heading or body)}"
    fd, tmp = tempfile.mkstemp(prefix=".remember-", suffix=".tmp", dir=folder)  # 0600, hidden from ingest
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        for n in range(1, 1000):
            target = folder / (f"{base}.md" if n == 1 else f"{base}-{n}.md")
            try:
                os.link(tmp, target)  # atomic and never overwrites another note, unlike rename
            except FileExistsError:
                continue
            return target
        raise AugmemError(f"{folder}: too many notes named {base}")
    finally:
        os.unlink(tmp)


def owns(folder: Path, path: str) -> bool:
    """Whether `path` is a note augmem wrote into `folder` (forgetting it also deletes the file)."""
    try:
        return Path(path).resolve().parent == folder.resolve()
    except OSError:
        return False
