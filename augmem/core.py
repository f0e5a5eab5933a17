"""The headless core shared by the CLI, the TUI and the daemon: one `Augmem` object per
data folder that owns the settings, the model registry, the active embedder and the
store. Nothing here prints or exits; surfaces turn results and AugmemErrors into output.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from augmem.config import Settings, load_settings
from augmem.errors import ArtifactError, AugmemError
from augmem.private import secure_home
from augmem.records import (
    CaptureInfo,
    DayCount,
    DeriveInfo,
    Filters,
    ForgetPlan,
    Hit,
    IngestReport,
    MigrationInfo,
    RecallResult,
    Space,
    Status,
)

if TYPE_CHECKING:
    import numpy as np

    from augmem.derive.base import TranscriberRegistry
    from augmem.forgetting import Forgetter
    from augmem.ingest.derive import Engine
    from augmem.ingest.pipeline import Ingestor, ProgressFn
    from augmem.models.artifacts import ArtifactLocation
    from augmem.models.base import Embedder
    from augmem.models.registry import ModelRegistry, ModelSpec
    from augmem.plugins import PluginManager
    from augmem.store import MemoryStore

log = logging.getLogger(__name__)

BOOKS_SYNC_S = 0.25
"""A resident core counts migrated / pending memories in the background once a count takes longer."""


class Augmem:
    """augmem for one data folder: ingest, recall, status, forget, re-embedding. It is the
    in-process `augmem.contract.Backend`; the daemon serves the same calls over its socket.

    Thread-safe for the daemon's use: the embedder is built once under a lock, and
    store writes are serialised by `self.write_lock`.
    """

    def __init__(
        self, settings: Settings | None = None, *, plugin_manager: PluginManager | None = None, resident: bool = False
    ):
        """`resident`: keep recall's vector tiers in memory (augmem.store.resident) and count the
        bookkeeping in the background once counting gets slow: for a process that answers many
        recalls (the daemon)."""
        self.settings = settings or load_settings()
        said = secure_home(
            self.settings.paths, lambda: [w.path for w in self.settings.watch], store_uri=self.settings.store_uri
        )
        if said:
            log.warning("%s", said)
        self._resident = resident
        self._pm = plugin_manager
        self._registry: ModelRegistry | None = None
        self._embedder: Embedder | None = None
        self._embedder_key: tuple[str, str] | None = None
        self._store: MemoryStore | None = None
        self._space: tuple[tuple[str, str, str], str] | None = None
        self._books: tuple[tuple[str, tuple[int, int]], tuple[int, int, int]] | None = None
        self._books_seconds = 0.0
        self._books_counting: threading.Thread | None = None
        from augmem.models.query_cache import QueryCache

        self._queries = QueryCache()
        self._transcribers: TranscriberRegistry | None = None
        self._engines: dict[str, tuple[tuple[object, ...], Engine | None, str]] = {}
        """kind -> (the settings it was built for, the engine or None, why none)."""
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
            # options that leave the space alone (a query prompt, the precision) still rebuild it
            key = (self.active_space(), repr(sorted(self.registry.options(self.spec, self.settings).items())))
            if self._embedder is None or self._embedder_key != key:
                if self._embedder is not None:
                    self._embedder.close()
                self._embedder = self.registry.load(self.active_model, self.settings)
                self._embedder_key = key
            return self._embedder

    @property
    def store(self) -> MemoryStore:
        """The MemoryStore (augmem.store)."""
        if self._store is None:
            from augmem.store import MemoryStore
            from augmem.store.objectstore import is_object_store

            uri = self.settings.effective_store_uri
            # the resident tier follows this process's writes row by row and reloads on any other
            # commit: on a bucket other devices write to, it would mostly be reloading (hundreds of
            # MB each time) while recall fell back to an index-less scan, so a shared object store
            # keeps the table search and its ANN index
            self._store = MemoryStore(
                uri,
                storage_options=self.settings.store_options,
                resident=self._resident and not is_object_store(uri),
            )
        return self._store

    def notice(self) -> str:
        """What the user should know about the model choice (empty when all is well)."""
        if self.settings.model == "auto" and self.active_model != "aist-87m":
            return (
                f"AIST-87M weights not found, using the text-only {self.active_model} model: photos and recordings "
                "are recalled by their words (transcripts, text in photos) and stay pending for their own vectors. "
                "Get the weights with `augmem models pull aist-87m` (or `augmem models use aist-87m --artifact FILE`)."
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
        derive: bool = True,
    ) -> IngestReport:
        """Reconcile files/folders (recursively) into the store: add new, re-embed changed,
        skip unchanged (size + mtime, then content hash), record pending and rejected;
        with `forget_missing` (and the forget_deleted setting), forget stored memories under
        these folders whose files are gone. With `derive`, then transcribe and OCR what came
        in (the daemon leaves that to its background job)."""
        with self.write_lock:
            self._forgetter().resume()  # an interrupted forget first: nothing it took comes back
            report = self._ingestor().run(
                paths, source=source, progress=progress, forget_missing=forget_missing, force=force
            )
            if derive:
                roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]  # as files.walk names them
                report.transcribed = self.derive(paths=roots, progress=progress, kinds=("transcript",))
                report.read = self.derive(paths=roots, progress=progress, kinds=("ocr",))
            return report

    def _ingestor(self) -> Ingestor:
        from augmem.ingest.pipeline import Ingestor

        return Ingestor(
            self.store,
            self.active_space(),
            self.tiers(),
            self.embedder,
            self.spec.modalities,
            self.settings,
            self.plugins,
            engines=self.engine_id,
        )

    # -- derived text (transcripts, OCR) ----------------------------------------------------------
    @property
    def transcribers(self) -> TranscriberRegistry:
        """Transcribers by name: augmem's Whisper sizes and the `register_transcribers` hook's."""
        if self._transcribers is None:
            from augmem.derive.base import TranscriberRegistry

            reg = TranscriberRegistry()
            self.plugins.hook.register_transcribers(register=reg.register)
            self._transcribers = reg
        return self._transcribers

    def _engine_key(self, kind: str) -> tuple[object, ...]:
        s = self.settings
        return (s.transcriber,) if kind == "transcript" else (tuple(s.ocr_languages),)

    def engine(self, kind: str) -> Engine | None:
        """The loaded transcriber ("transcript") or text reader ("ocr"), built on first use; None
        when the config turns it off or it cannot load (`engine_error(kind)` says why)."""
        from augmem.ingest.derive import Engine

        with self._lock:
            key = self._engine_key(kind)
            cached = self._engines.get(kind)
            if cached is not None and cached[0] == key and (cached[1] is None or cached[1].impl is not None):
                return cached[1]
            if cached is not None and cached[1] is not None and cached[1].impl is not None:
                cached[1].impl.close()
            impl, error = None, ""
            try:
                impl = self._load_engine(kind)
            except AugmemError as exc:
                error = str(exc)
                log.warning("no %s: %s", kind, exc)
            engine = Engine(kind, impl.engine_id, impl) if impl is not None else None
            self._engines[kind] = (key, engine, error)
            return engine

    def _load_engine(self, kind: str) -> Any:
        from augmem.models.artifacts import HashCache

        s = self.settings
        if self.engine_off(kind):
            return None
        if kind == "transcript":
            return self.transcribers.load(s.transcriber, s.paths.models_dir, HashCache(s.paths.hash_cache_file))
        from augmem.derive.ocr import TesseractReader

        return TesseractReader(tuple(s.ocr_languages), hash_cache=HashCache(s.paths.hash_cache_file))

    def engine_id(self, kind: str) -> str | None:
        """The id of the engine deriving `kind` (its cached text is what facets are built from);
        None when there is none. A transcriber whose spec can say its id is not loaded for this
        (its files are checked, and Whisper base joined from its packages the first time); the
        OCR reader is (it is cheap)."""
        with self._lock:
            cached = self._engines.get(kind)
            if cached is not None and cached[0] == self._engine_key(kind):
                return cached[1].engine_id if cached[1] is not None else None
            if kind != "transcript":
                engine = self.engine(kind)
                return engine.engine_id if engine else None
            s = self.settings
            if self.engine_off(kind):
                return None
            from augmem.ingest.derive import Engine
            from augmem.models.artifacts import HashCache

            try:
                spec = self.transcribers.get(s.transcriber)
                eid = (
                    self.transcribers.engine_id(s.transcriber, s.paths.models_dir, HashCache(s.paths.hash_cache_file))
                    if spec.variant is not None
                    else None
                )  # no variant: only the loaded engine knows its id
            except AugmemError as exc:
                self._engines[kind] = (self._engine_key(kind), None, str(exc))
                return None
            if eid is None:
                engine = self.engine(kind)  # not there (loading it says why), or its id needs it loaded
                return engine.engine_id if engine else None
            # known, not loaded: `engine()` loads it when there is work
            self._engines[kind] = (self._engine_key(kind), Engine(kind, eid, None), "")
            return eid

    def engine_error(self, kind: str) -> str:
        cached = self._engines.get(kind)
        return cached[2] if cached is not None else ""

    def derive(
        self,
        *,
        paths: Sequence[str] | None = None,
        limit: int | None = None,
        progress: ProgressFn | None = None,
        kinds: Sequence[str] = ("transcript", "ocr"),
    ) -> int:
        """Transcribe recordings and read the text in photos that have no derivation by the
        current engines yet (all of them, or those under `paths`; at most `limit` per kind), and
        store that text as facets of their memories. Returns how many files were derived."""
        from augmem.ingest import derive

        done = 0
        with self.write_lock:
            store = self.store
            for kind in kinds:
                if not derive.candidates(store, kind, paths):
                    continue  # nothing of that kind: no engine is looked at, let alone loaded
                eid = self.engine_id(kind)
                if eid is None:
                    continue
                self._restore_facets(kind, eid, paths)
                rows = derive.todo(store, kind, eid, paths)
                if not rows:
                    if paths is None:
                        store.drop_derived_engines(kind, keep=eid)  # caught up: the old engine's text goes
                    continue
                engine = self.engine(kind)
                if engine is None:
                    continue
                batch_rows = rows if limit is None else rows[:limit]
                for i in range(0, len(batch_rows), derive.BATCH):
                    batch = batch_rows[i : i + derive.BATCH]
                    found = derive.derive_rows(batch, engine)
                    # facets first, then the cache: a crash between the two derives the batch again,
                    # rather than leaving it "done" but not recallable by its words
                    self._ingestor().refresh_facets(batch, {d.content_sha256: d for d in found})
                    store.put_derived(found)
                    done += len(found)
                    if progress:
                        progress(min(i + derive.BATCH, len(batch_rows)), len(batch_rows), batch[-1].path)
                    if not found:
                        break  # files changed or gone since the ledger saw them: the next reconcile first
                if paths is None and not derive.todo(store, kind, eid):
                    store.drop_derived_engines(kind, keep=eid)  # caught up: the old engine's text goes
        return done

    def _restore_facets(self, kind: str, engine_id: str, paths: Sequence[str] | None) -> None:
        """Facets for files whose text is cached but not in the active space (a model switch, or
        a run stopped between storing facets and caching): no engine needed, only the text tower."""
        from augmem.ingest import derive

        rows = derive.cached_without_facets(self.store, self.active_space(), kind, engine_id, paths)
        for i in range(0, len(rows), derive.BATCH * 8):
            batch = rows[i : i + derive.BATCH * 8]
            cached = self.store.get_derived(kind, engine_id, [r.content_sha256 for r in batch])
            self._ingestor().refresh_facets(batch, cached)

    def engine_off(self, kind: str) -> str:
        """Why the config turns `kind` off ("" when it is on)."""
        s = self.settings
        if kind == "transcript" and s.transcriber.lower() in ("", "none", "off"):
            return f"off (transcriber = {s.transcriber!r})"
        if kind == "ocr" and not s.ocr_languages:
            return "off (ocr_languages = [])"
        return ""

    def derive_info(self, kind: str) -> DeriveInfo:
        """How far transcription ("transcript") or OCR ("ocr") of the memories is."""
        from augmem.ingest import derive

        off = self.engine_off(kind)
        if off:  # what was derived before stays recallable; nothing waits
            return DeriveInfo(kind=kind, error=off)

        def engine() -> tuple[str | None, str]:
            eid = self.engine_id(kind)
            return eid, self.engine_error(kind)

        return derive.info(self.store, kind, engine)

    def embed_query(
        self, query: str | None, like: str | Path | None, like_id: str | None, instruction: str | None = None
    ) -> np.ndarray:
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
                raise AugmemError(
                    f"the active model {emb.name!r} cannot embed {modality}",
                    hint="use a multimodal model: `augmem models use aist-87m`",
                )
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

        def embed() -> np.ndarray:
            from augmem.models.threads import one_thread

            with one_thread():  # one short text: thread barriers cost more than they save
                if instruction and getattr(emb, "instruction_aware", False):
                    z = emb.embed_texts([query], query=True, instruction=instruction)  # type: ignore[call-arg]
                else:
                    z = emb.embed_texts([query], query=True)
            return np.asarray(z[0], np.float32)

        # search-as-you-type repeats itself: recent query vectors are kept (augmem.models.query_cache)
        return self._queries.get(space, self._embedder_key, query, instruction, embed)

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
            return RecallResult(
                hits=self.store.browse(space, filters, limit),
                space=space,
                not_migrated=max(0, total - done),
                pending=pending,
            )
        hits = self.store.search(
            space,
            lambda: self.embed_query(query, like, like_id, instruction),  # overlaps full text (resident tier)
            limit=limit,
            filters=filters,
            text_query=query if (query and not like and not like_id) else None,
            candidate_tier=self.registry.candidate_tier(self.spec, self.settings, self.tiers()),
            candidates=max(100, limit * 20),
            exclude_ids=(like_id,) if like_id else (),
            scan_tier=min(self.spec.tiers),
        )
        from augmem.plugins import chain

        hits = chain(self.plugins.hook.recall_postprocess, "hits", hits, query=query, settings=self.settings)
        done, total, pending = self._bookkeeping()
        return RecallResult(
            hits=hits[:limit],
            space=space,
            not_migrated=max(0, total - done),
            pending=pending,
            notice=self.notice() if pending else "",
        )

    def prepare_recall(self, *, count: bool = True) -> None:
        """Get recall ready before the first query: in a resident core, start loading the active
        space's resident tier (in the background; it needs no model), then (`count`) count the
        bookkeeping once."""
        space = self.active_space()
        resident = self.store.resident
        if resident is not None:
            resident.tier(
                space, self.registry.candidate_tier(self.spec, self.settings, self.tiers()), min(self.spec.tiers)
            )
        if count:
            self._bookkeeping()

    def status(self) -> Status:
        """Counts per modality and space, pending, not migrated, store size, model and hash."""
        where = self.artifact()
        out = Status(
            model=self.active_model,
            model_setting=self.settings.model,
            artifact=str(where.path) if where.path else None,
            artifact_origin=where.origin,
            tiers=self.tiers(),
            store_uri=self.settings.effective_store_uri,
            notice=self.notice(),
            capture=self.capture(),
        )
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
            out.stored_files = len(store.paths_in_space(out.space).keys() | store.facet_paths(out.space).keys())
            out.migrated, total = self.migration_state()
            out.not_migrated = max(0, total - out.migrated)
        out.transcripts, out.ocr = self.derive_info("transcript"), self.derive_info("ocr")
        out.store_bytes = store.size_bytes()
        return out

    def forget(self, *, ids: Sequence[str] = (), paths: Sequence[str] = (), filters: Filters | None = None) -> int:
        """Forget whole memories (a note with all its chunks, a recording with all its clips)
        by memory id, source path, or every memory matching `filters` (a stretch of time,
        modalities, sources), then purge them from the store's files. Files augmem captured
        itself (microphone clips) are deleted from disk; a person's own file stays on disk,
        forgotten until its content changes. Resumable: see `augmem.forgetting`."""
        with self.write_lock:
            forgetter = self._forgetter()
            forgetter.resume()
            store = self.store
            targets = {str(p) for p in paths}
            if ids:
                for space in store.spaces():
                    for hit_id in ids:
                        hit = store.get(space, hit_id)
                        if hit:
                            targets.add(hit.path)
            if filters is not None:
                targets.update(forgetter.matching(filters))
            return forgetter.forget(targets)

    def forget_plan(self, filters: Filters, examples: int = 5) -> ForgetPlan:
        """What `forget(filters=filters)` would forget: how many files, how many of them augmem
        captured itself (deleted from disk), and the newest few."""
        return self._forgetter().plan(filters, examples)

    def finish_forgetting(self) -> int:
        """Finish a forget that a crash interrupted (see `augmem.forgetting`); returns how many
        files it forgot (0: there was none)."""
        with self.write_lock:
            return self._forgetter().resume()

    def _forgetter(self) -> Forgetter:
        from augmem.forgetting import Forgetter

        return Forgetter(self.store, self.settings.paths)

    def memory(self, id: str) -> Hit | None:
        """One stored memory of the active space by id (score 1.0), or None."""
        return self.store.get(self.active_space(), id)

    def timeline(self, filters: Filters | None = None) -> list[DayCount]:
        """Memories per local day (YYYY-MM-DD) by modality, newest first."""
        return [DayCount(day, counts) for day, counts in self.store.timeline(self.active_space(), filters)]

    def pause(self, *, until: float | None = None) -> CaptureInfo:
        """Pause microphone capture (until resumed, or until `until`): no daemon runs in this
        process, so the pause is written for the daemon to start that way."""
        return self._set_paused(True, until)

    def resume(self) -> CaptureInfo:
        """Resume microphone capture (when the daemon starts)."""
        return self._set_paused(False)

    def capture(self) -> CaptureInfo:
        """What the capture state file says (no daemon answers here: it is the last a daemon wrote),
        with the pause and the quiet hours as they stand now."""
        from augmem.capture.state import capture_info
        from augmem.schedule import QuietHours

        return capture_info(self.settings.paths.run_dir, QuietHours.parse(self.settings.mic_quiet_hours))

    def _set_paused(self, paused: bool, until: float | None = None) -> CaptureInfo:
        from augmem.capture.state import write_capture_state

        write_capture_state(self.settings.paths.run_dir, paused=paused, paused_until=until if paused else None)
        return self.capture()

    def reembed(self) -> MigrationInfo:
        """Re-embed, here and now, every memory not yet in the active space."""
        t0, (done0, _) = time.monotonic(), self.migration_state()
        while self.migrate_batch(32):
            pass
        done, total = self.migration_state()
        elapsed = time.monotonic() - t0
        return MigrationInfo(
            done=done,
            total=total,
            left=max(0, total - done),
            active=False,
            rate=round((done - done0) / elapsed, 2) if elapsed > 0 else 0.0,
            eta_s=0.0,
            space=self.active_space(),
        )

    def close(self) -> None:
        with self._lock:
            if self._embedder is not None:
                self._embedder.close()
                self._embedder = None
            for _key, engine, _why in self._engines.values():
                if engine is not None and engine.impl is not None:
                    engine.impl.close()
            self._engines.clear()

    # -- re-embedding ---------------------------------------------------------------------------
    def migration_state(self) -> tuple[int, int]:
        """(sources embedded in the active space, sources the active model can embed)."""
        done, total, _ = self._bookkeeping()
        return done, total

    def _bookkeeping(self) -> tuple[int, int, int]:
        """(migrated, embeddable, pending) sources; recomputed only when the ledger or the
        active space's table changed (recall calls this on every query). In a resident core
        (the daemon), once a count takes longer than BOOKS_SYNC_S (a large store: ~4 s at a
        million memories), recall answers with the last count while the next runs in the
        background, instead of stalling the first recall after every write."""
        store, space = self.store, self.active_space()
        key = (space, store.versions(space))
        books = self._books
        if books is not None and books[0] == key:
            return books[1]
        if self._resident and books is not None and books[0][0] == space and self._books_seconds > BOOKS_SYNC_S:
            with self._lock:
                if self._books_counting is None or not self._books_counting.is_alive():
                    self._books_counting = threading.Thread(
                        target=self._count_books, args=(key,), daemon=True, name="augmem-books"
                    )
                    self._books_counting.start()
            return books[1]
        return self._count_books(key)

    def _count_books(self, key: tuple[str, tuple[int, int]]) -> tuple[int, int, int]:
        from augmem.store.books import migration_counts

        t0 = time.monotonic()
        value = migration_counts(self.store, key[0], set(self.spec.modalities))
        self._books_seconds = time.monotonic() - t0
        with self._lock:
            # counts run on several threads (recall, status, the daemon's migration job): one of an
            # older version that finishes last must not replace a newer one (progress went backwards)
            have = self._books
            if have is None or have[0][0] != key[0] or have[0][1] <= key[1]:
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
            todo = [
                p
                for p, row in store.get_sources().items()
                if row.status in ("ok", "pending") and row.modality in mods and p not in in_space
            ]
            batch = todo[:batch_size]
            if batch:
                self.ingest(batch, force=True, derive=False)
            if len(todo) <= len(batch):
                for other in store.spaces():
                    if other != space:
                        store.drop_space(other)
            return len(batch)


if TYPE_CHECKING:
    from augmem.contract import Backend

    def _is_a_backend(core: Augmem) -> Backend:
        return core  # mypy: the in-process core implements the whole contract
