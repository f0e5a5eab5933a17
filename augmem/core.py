"""The headless core shared by the CLI, the TUI and the daemon: one `Augmem` object per
data folder that owns the settings, the model registry, the active embedder and the
store. Nothing here prints or exits; surfaces turn results and AugmemErrors into output.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from augmem.config import Settings, load_settings
from augmem.records import Filters, Hit

log = logging.getLogger(__name__)


@dataclass
class RecallResult:
    hits: list[Hit]
    space: str
    """The active space the hits come from."""
    not_migrated: int = 0
    """Memories that exist but have no vector in the active space yet (re-embedding runs)."""
    pending: int = 0
    """Memories the active model cannot embed (e.g. photos under a text-only model)."""
    notice: str = ""
    """A one-line message for the user (e.g. which model is active and why)."""

    def to_json(self) -> dict:
        return {
            "hits": [h.to_json() for h in self.hits],
            "space": self.space,
            "not_migrated": self.not_migrated,
            "pending": self.pending,
            "notice": self.notice,
        }


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    pending: int = 0
    removed: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(path, one-line reason) for every item that could not be ingested."""
    memories: int = 0
    """Rows written (a note may give several chunks, a recording several clips)."""

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["rejected"] = [{"path": p, "reason": r} for p, r in self.rejected]
        return d


ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, current_item)."""


class Augmem:
    """augmem for one data folder: ingest, recall, status, forget, re-embedding.

    Thread-safe for the daemon's use: the embedder is built once under a lock, and
    store writes are serialised by `self.write_lock`.
    """

    def __init__(self, settings: Settings | None = None, *, plugin_manager=None):
        self.settings = settings or load_settings()
        self._pm = plugin_manager
        self._registry = None
        self._embedder = None
        self._store = None
        self._lock = threading.RLock()
        self.write_lock = threading.RLock()

    # -- wiring -------------------------------------------------------------------------
    @property
    def plugins(self):
        """The plugin manager (loaded on first use)."""
        raise NotImplementedError

    @property
    def registry(self):
        """The model registry, filled through the `register_models` hook."""
        raise NotImplementedError

    @property
    def active_model(self) -> str:
        """Name of the active model ("auto" resolved)."""
        raise NotImplementedError

    def active_space(self) -> str:
        """`name:sha256` of the active model's artifact, without loading the model."""
        raise NotImplementedError

    def embedder(self):
        """The active model, built on first use (this is where torch gets imported)."""
        raise NotImplementedError

    @property
    def store(self):
        """The MemoryStore (augmem.store.lance)."""
        raise NotImplementedError

    # -- the main jobs --------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        source: str | None = None,
        progress: ProgressFn | None = None,
        forget_missing: bool = False,
    ) -> IngestReport:
        """Reconcile files/folders (recursively) into the store: add new, re-embed changed,
        skip unchanged (size + mtime, then content hash), record pending and rejected;
        with `forget_missing`, forget stored memories under these folders whose files are gone."""
        raise NotImplementedError

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
        """Text query (or a file / stored memory as the example) -> ranked hits of the active space."""
        raise NotImplementedError

    def status(self) -> dict:
        """Counts per modality and space, pending, not migrated, store size, model and hash."""
        raise NotImplementedError

    def forget(self, *, ids: Sequence[str] = (), paths: Sequence[str] = ()) -> int:
        """Delete memories by id or source path, then purge them from the store's files."""
        raise NotImplementedError

    def timeline(self, filters: Filters | None = None) -> list[tuple[str, dict[str, int]]]:
        """(YYYY-MM-DD, {modality: count}) per day, newest first."""
        raise NotImplementedError

    def migration_state(self) -> tuple[int, int]:
        """(memories in the active space, memories in all) — for re-embedding progress."""
        raise NotImplementedError

    def migrate_batch(self, batch_size: int = 32) -> int:
        """Re-embed up to `batch_size` sources that have no rows in the active space; returns how many."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
