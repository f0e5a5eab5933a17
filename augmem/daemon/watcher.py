"""Folder watchers: watchdog observers push raw events onto a queue; a debouncer thread
coalesces each path's events (an editor's save is often write + rename + chmod + a
probe file) and hands settled paths on. Nothing is read or embedded on the observer
thread. Watchers only make ingest happen sooner: the periodic reconcile would find
the same changes."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from augmem.ingest.files import is_ignored

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 1.0


@dataclass(frozen=True)
class Settled:
    """A path whose events have gone quiet: `gone` if it no longer exists."""

    path: str
    root: str
    kind: str
    gone: bool
    is_dir: bool


def ignored(path: str, root: str, exclude: Sequence[str] = ()) -> bool:
    """Hidden files and folders (below the watched root), editors' temp/swap files, and the user's excludes."""
    rel = os.path.relpath(path, root)
    parts = [] if rel == "." else rel.split(os.sep)
    if any(p.startswith(".") for p in parts):
        return True
    return is_ignored(Path(path), exclude)  # the same temp-file list and excludes as ingest's walk


class _Handler:
    """watchdog event handler: record (path, root) on the raw queue and return at once."""

    def __init__(self, root: str, kind: str, raw: queue.Queue):
        self.root, self.kind, self.raw = root, kind, raw

    def dispatch(self, event) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's own "modified" only echoes events of its children
        now = time.monotonic()
        self.raw.put((os.fsdecode(event.src_path), self.root, self.kind, event.is_directory, now))
        dest = getattr(event, "dest_path", "")
        if dest:
            self.raw.put((os.fsdecode(dest), self.root, self.kind, event.is_directory, now))


class FolderWatcher:
    """Watch folders recursively; call `emit(batch)` with settled paths, ~debounce s after their last event."""

    def __init__(
        self, emit: Callable[[list[Settled]], None], *, exclude: Sequence[str] = (), debounce: float = DEBOUNCE_SECONDS
    ):
        self.emit = emit
        self.exclude = list(exclude)
        self.debounce = debounce
        self._raw: queue.Queue = queue.Queue()
        self._observer = None
        self._watches: dict[str, object] = {}
        self._kinds: dict[str, str] = {}
        self._pending: dict[str, tuple[float, str, str, bool]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: dict[str, str] = {}

    def start(self) -> None:
        from watchdog.observers import Observer

        self._observer = Observer(timeout=0.5)
        self._observer.daemon = True
        self._observer.start()
        self._thread = threading.Thread(target=self._debounce_loop, name="augmem-debounce", daemon=True)
        self._thread.start()

    def set_folders(self, folders: Sequence[tuple[str, str]]) -> None:
        """Watch exactly these (path, kind) folders; missing or unreadable ones are reported, not fatal."""
        wanted = {str(Path(p).expanduser().absolute()): kind for p, kind in folders}
        for path in list(self._watches):
            if path not in wanted:
                self._observer.unschedule(self._watches.pop(path))
                self._kinds.pop(path, None)
                log.info("stopped watching %s", path)
        for path, kind in wanted.items():
            if path in self._watches:
                self._kinds[path] = kind
                continue
            if not os.path.isdir(path):
                self.errors[path] = "not a folder (missing?)"
                log.warning("cannot watch %s: not a folder (it will be watched after a reload once it exists)", path)
                continue
            try:
                self._watches[path] = self._observer.schedule(_Handler(path, kind, self._raw), path, recursive=True)
            except OSError as exc:
                self.errors[path] = exc.strerror or str(exc)
                log.warning("cannot watch %s: %s", path, self.errors[path])
                continue
            self.errors.pop(path, None)
            self._kinds[path] = kind
            log.info("watching %s (%s)", path, kind)

    @property
    def folders(self) -> dict[str, str]:
        return dict(self._kinds)

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- debouncing ------------------------------------------------------------------------
    def _debounce_loop(self) -> None:
        while not self._stop.is_set():
            timeout = 0.25
            if self._pending:
                timeout = max(0.01, min(d for d, *_ in self._pending.values()) - time.monotonic())
                timeout = min(timeout, 0.25)
            try:
                item = self._raw.get(timeout=timeout)
                self._note(*item)
                while True:  # drain whatever else arrived
                    self._note(*self._raw.get_nowait())
            except queue.Empty:
                pass
            self._flush_due()

    def _note(self, path: str, root: str, kind: str, is_dir: bool, when: float) -> None:
        if ignored(path, root, self.exclude):
            return
        self._pending[path] = (when + self.debounce, root, kind, is_dir)

    def _flush_due(self) -> None:
        now = time.monotonic()
        due = [p for p, (deadline, *_r) in self._pending.items() if deadline <= now]
        if not due:
            return
        batch = []
        for p in due:
            _deadline, root, kind, is_dir = self._pending.pop(p)
            exists = os.path.lexists(p)
            batch.append(
                Settled(
                    p, root, self._kinds.get(root, kind), gone=not exists, is_dir=os.path.isdir(p) if exists else is_dir
                )
            )
        try:
            self.emit(batch)
        except Exception:
            log.exception("handing on watched changes failed")
