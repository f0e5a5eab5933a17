"""The headless core shared by the CLI, the TUI and the daemon: one `Augmem` object per
data folder that owns the settings, the model registry, the active embedder and the
store. Nothing here prints or exits; surfaces turn results and AugmemErrors into output.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from augmem.config import Settings, load_settings
from augmem.errors import ArtifactError, AugmemError
from augmem.records import (
    CaptureInfo,
    DayCount,
    Filters,
    Hit,
    IngestReport,
    MigrationInfo,
    RecallResult,
    Space,
    Status,
)

if TYPE_CHECKING:
    import numpy as np

    from augmem.ingest.pipeline import ProgressFn
    from augmem.models.artifacts import ArtifactLocation
    from augmem.models.base import Embedder
    from augmem.models.registry import ModelRegistry, ModelSpec
    from augmem.plugins import PluginManager
    from augmem.store import MemoryStore

log = logging.getLogger(__name__)




class Augmem:
    """augmem for one data folder: ingest, recall, status, forget, re-embedding. It is the
    in-process `augmem.contract.Backend`; the daemon serves the same calls over its socket.

    Thread-safe for the daemon's use: the embedder is built once under a lock, and
    store writes are serialised by `self.write_lock`.
    """

    def __init__(self, settings: Settings | None = None, *, plugin_manager: PluginManager | None = None):
        self.settings = settings or load_settings()
        self._pm = plugin_manager
        self._registry: ModelRegistry | None = None
        self._embedder: Embedder | None = None
        self._store: MemoryStore | None = None
        self._space: tuple[tuple[str, str, str], str] | None = None
        self._books: tuple[tuple[str, tuple[int, int]], tuple[int, int, int]] | None = None
        self._lock = threading.RLock()
        self.write_lock = threading.RLock()

    # -- wiring -------------------------------------------------------------------------
    @property
    def plugins(self) -> PluginManager:
        """The plugin manager (loaded on first use)."""
        if self._pm is None:
            from augmem.plugins import load_plugins

            self._pm = load_plugins(self.settings.paths.config_dir)
        return self._pm

    @property
    def registry(self) -> ModelRegistry:
        """The model registry, filled through the `register_models` hook."""
        if self._registry is None:
            from augmem.models.registry import ModelRegistry

            self._registry = ModelRegistry.from_plugins(self.plugins)
        return self._registry

    @property
    def active_model(self) -> str:
        """Name of the active model ("auto" resolved)."""
        return self.registry.active_name(self.settings)

    @property
    def spec(self) -> ModelSpec:
        return self.registry.get(self.active_model)

    def artifact(self) -> ArtifactLocation:
        """Where the active model's artifact is."""
        return self.registry.locate(self.spec, self.settings)

    def active_space(self) -> str:
        """`name:sha256` of the active model's artifact, without loading the model."""
        spec, where = self.spec, self.artifact()
        if not where.present or where.path is None:
            raise ArtifactError(
                f"no artifact for model {spec.name!r} (looked in: {'; '.join(where.looked)})",
                hint=f"`augmem models pull {spec.name}`, or `augmem models use {spec.name} --artifact FILE`",
            )
        from augmem.models.artifacts import signature

        options = self.registry.options(spec, self.settings)
        key = (str(where.path), repr(signature(where.path)), repr(sorted(options.items())))
        if self._space is None or self._space[0] != key:
            self._space = (key, self.registry.space(spec, where.path, self.settings))
        return self._space[1]

    def tiers(self) -> list[int]:
        """Stored tiers: the configured ones the model supports (always incl. the full dim)."""
        spec = self.spec
        wanted = [t for t in self.settings.tiers if 0 < t <= spec.dim] or list(spec.storage_tiers)
        return sorted({spec.dim, *wanted}, reverse=True)

    def embedder(self) -> Embedder:
        """The active model, built on first use (this is where torch gets imported)."""
        with self._lock:
            space = self.active_space()
            if self._embedder is None or self._embedder.space != space:
                if self._embedder is not None:
                    self._embedder.close()
                self._embedder = self.registry.load(self.active_model, self.settings)
            return self._embedder

    @property
    def store(self) -> MemoryStore:
        """The MemoryStore (augmem.store)."""
        if self._store is None:
            from augmem.store import MemoryStore

            self._store = MemoryStore(self.settings.effective_store_uri, storage_options=self.settings.store_options)
        return self._store

    def notice(self) -> str:
        """What the user should know about the model choice (empty when all is well)."""
        if self.settings.model == "auto" and self.active_model != "aist-87m":
            return (
                f"AIST-87M weights not found, using the text-only {self.active_model} model: photos and audio are "
                "kept pending. Get them with `augmem models pull aist-87m` (or `augmem models use aist-87m "
                "--artifact FILE`)."
            )
        return ""

    # -- the Backend contract ------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        source: str | None = None,
        forget_missing: bool = True,
        force: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Reconcile files/folders (recursively) into the store: add new, re-embed changed,
        skip unchanged (size + mtime, then content hash), record pending and rejected;
        with `forget_missing` (and the forget_deleted setting), forget stored memories under
        these folders whose files are gone."""
        from augmem.ingest.pipeline import Ingestor

        with self.write_lock:
            ing = Ingestor(self.store, self.active_space(), self.tiers(), self.embedder,
                           self.spec.modalities, self.settings, self.plugins)
            return ing.run(paths, source=source, progress=progress, forget_missing=forget_missing, force=force)

    def embed_query(self, query: str | None, like: str | Path | None, like_id: str | None,
                    instruction: str | None = None) -> np.ndarray:
        """The query vector (full dim) for a text, an example file, or a stored memory."""
        import numpy as np

        from augmem.errors import RejectedItem
        from augmem.ingest import files

        space = self.active_space()
        if like_id:
            vecs = self.store.get_vectors(space, [like_id])
            if like_id not in vecs:
                raise AugmemError(f"no memory with id {like_id!r} in the active space")
            return np.asarray(vecs[like_id], np.float32)
        emb = self.embedder()
        if like:
            p = Path(like).expanduser()
            modality = files.modality_for(p)
            if modality is None or not p.is_file():
                raise AugmemError(f"{p}: not a note, photo or audio file", hint="--like takes a file")
            if modality not in emb.modalities:
                raise AugmemError(f"the active model {emb.name!r} cannot embed {modality}",
                                  hint="use a multimodal model: `augmem models use aist-87m`")
            size = p.stat().st_size
            try:
                if modality == "text":
                    text = files.read_note(p, size)
                    a, b = (emb.text_chunks(text) or [(0, len(text))])[0]
                    z = emb.embed_texts([text[a:b]])
                elif modality == "image":
                    z = emb.embed_images([files.load_photo(p, size)[0]])
                else:
                    wave, _ = files.load_audio(p, size, emb.audio_sample_rate)
                    a, b = files.split_clips(wave, emb.audio_sample_rate)[0]
                    z = emb.embed_audio([wave[a:b]])
                return np.asarray(z[0], np.float32)
            except RejectedItem as exc:
                raise AugmemError(f"{p}: {exc.message}") from exc
        if not query or not query.strip():
            raise AugmemError("nothing to recall: give a query, --like FILE, or a memory id")
        if instruction and getattr(emb, "instruction_aware", False):
            z = emb.embed_texts([query], query=True, instruction=instruction)  # type: ignore[call-arg]
        else:
            z = emb.embed_texts([query], query=True)
        return np.asarray(z[0], np.float32)

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
        """Text query (or a file / stored memory as the example) -> ranked hits of the active space.
        With no query at all but some filter (e.g. one day), the matching memories, newest first."""
        space = self.active_space()
        if not (query and query.strip()) and not like and not like_id and filters is not None and filters.any():
            done, total, pending = self._bookkeeping()
            return RecallResult(hits=self.store.browse(space, filters, limit), space=space,
                                not_migrated=max(0, total - done), pending=pending)
        vec = self.embed_query(query, like, like_id, instruction)
        tiers = self.tiers()
        small = min(tiers)
        hits = self.store.search(
            space, vec, limit=limit, filters=filters, text_query=query if (query and not like and not like_id) else None,
            candidate_tier=small if small < self.spec.dim else None, candidates=max(100, limit * 20),
            exclude_ids=(like_id,) if like_id else (),
        )
        from augmem.plugins import chain

        hits = chain(self.plugins.hook.recall_postprocess, "hits", hits, query=query, settings=self.settings)
        done, total, pending = self._bookkeeping()
        return RecallResult(hits=hits[:limit], space=space, not_migrated=max(0, total - done),
                            pending=pending, notice=self.notice() if pending else "")

    def status(self) -> Status:
        """Counts per modality and space, pending, not migrated, store size, model and hash."""
        from augmem.capture.state import capture_info

        where = self.artifact()
        out = Status(model=self.active_model, model_setting=self.settings.model,
                     artifact=str(where.path) if where.path else None, artifact_origin=where.origin,
                     tiers=self.tiers(), store_uri=self.settings.effective_store_uri, notice=self.notice(),
                     capture=capture_info(self.settings.paths.run_dir))
        if where.present:
            try:  # a bad option or pin: report it with everything else, don't fail the whole status
                out.space = self.active_space()
            except AugmemError as exc:
                out.notice = " ".join(filter(None, [out.notice, str(exc)]))
        store = self.store
        for space in store.spaces():
            counts = store.count(space)
            out.spaces.append(Space(id=space, rows=sum(counts.values())))
            if space == out.space:
                out.counts = counts
        for row in store.get_sources().values():
            out.sources[row.status] = out.sources.get(row.status, 0) + 1
            if row.status == "pending":
                out.pending_by_modality[row.modality] = out.pending_by_modality.get(row.modality, 0) + 1
        if out.space:
            out.migrated, total = self.migration_state()
            out.not_migrated = max(0, total - out.migrated)
        out.store_bytes = store.size_bytes()
        return out

    def forget(self, *, ids: Sequence[str] = (), paths: Sequence[str] = ()) -> int:
        """Forget whole memories (a note with all its chunks, a recording with all its clips)
        by memory id or source path, then purge them from the store's files. A forgotten file
        that is still on disk stays forgotten until its content changes."""
        with self.write_lock:
            store = self.store
            targets = {str(p) for p in paths}
            if ids:
                for space in store.spaces():
                    for hit_id in ids:
                        hit = store.get(space, hit_id)
                        if hit:
                            targets.add(hit.path)
            if not targets:
                return 0
            ledger = store.get_sources(sorted(targets))
            store.delete(paths=sorted(targets))
            now = time.time()
            keep = [replace(row, status="forgotten", reason="forgotten by the user", updated_at=now)
                    for p, row in ledger.items() if Path(p).exists()]
            if keep:
                store.upsert_sources(keep)
            store.purge()
            return len(targets)

    def memory(self, id: str) -> Hit | None:
        """One stored memory of the active space by id (score 1.0), or None."""
        return self.store.get(self.active_space(), id)

    def timeline(self, filters: Filters | None = None) -> list[DayCount]:
        """Memories per local day (YYYY-MM-DD) by modality, newest first."""
        return [DayCount(day, counts) for day, counts in self.store.timeline(self.active_space(), filters)]

    def pause(self) -> CaptureInfo:
        """Pause microphone capture: no daemon runs in this process, so the pause is written
        for the daemon to start that way."""
        return self._set_paused(True)

    def resume(self) -> CaptureInfo:
        """Resume microphone capture (when the daemon starts)."""
        return self._set_paused(False)

    def _set_paused(self, paused: bool) -> CaptureInfo:
        from augmem.capture.state import capture_info, write_capture_state

        write_capture_state(self.settings.paths.run_dir, paused=paused)
        return capture_info(self.settings.paths.run_dir)

    def reembed(self) -> MigrationInfo:
        """Re-embed, here and now, every memory not yet in the active space."""
        t0, (done0, _) = time.monotonic(), self.migration_state()
        while self.migrate_batch(32):
            pass
        done, total = self.migration_state()
        elapsed = time.monotonic() - t0
        return MigrationInfo(done=done, total=total, left=max(0, total - done), active=False,
                             rate=round((done - done0) / elapsed, 2) if elapsed > 0 else 0.0, eta_s=0.0,
                             space=self.active_space())

    def close(self) -> None:
        with self._lock:
            if self._embedder is not None:
                self._embedder.close()
                self._embedder = None

    # -- re-embedding ---------------------------------------------------------------------------
    def migration_state(self) -> tuple[int, int]:
        """(sources embedded in the active space, sources the active model can embed)."""
        done, total, _ = self._bookkeeping()
        return done, total

    def _bookkeeping(self) -> tuple[int, int, int]:
        """(migrated, embeddable, pending) sources; recomputed only when the ledger or the
        active space's table changed (recall calls this on every query)."""
        store, space = self.store, self.active_space()
        key = (space, store.versions(space))
        if self._books is not None and self._books[0] == key:
            return self._books[1]
        mods = set(self.spec.modalities)
        ledger = store.get_sources()
        ok = [p for p, row in ledger.items() if row.status == "ok" and row.modality in mods]
        in_space = store.paths_in_space(space)
        pending = sum(1 for row in ledger.values() if row.status == "pending")
        value = (sum(1 for p in ok if p in in_space), len(ok), pending)
        self._books = (key, value)
        return value

    def migrate_batch(self, batch_size: int = 32) -> int:
        """Re-embed up to `batch_size` sources that have no rows in the active space; once
        none is left, drop the other spaces' tables. Returns how many were re-embedded."""
        with self.write_lock:
            store, space = self.store, self.active_space()
            store.ensure_space(space, self.tiers())
            in_space = store.paths_in_space(space)
            mods = set(self.spec.modalities)
            todo = [p for p, row in store.get_sources().items()
                    if row.status in ("ok", "pending") and row.modality in mods and p not in in_space]
            batch = todo[:batch_size]
            if batch:
                self.ingest(batch, force=True)
            if len(todo) <= len(batch):
                for other in store.spaces():
                    if other != space:
                        store.drop_space(other)
            return len(batch)


if TYPE_CHECKING:
    from augmem.contract import Backend

    def _is_a_backend(core: Augmem) -> Backend:
        return core  # mypy: the in-process core implements the whole contract
