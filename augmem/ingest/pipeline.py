"""Ingest: reconcile files on disk against the store, embedding only what changed.

For each file: unchanged size + mtime (and already embedded in the active space) ->
skipped without reading it; otherwise its content sha256 decides between "only touched",
"same content as another memory" (duplicate), and a real (re-)embed. Every photo and
recording is decoded whatever the active model, so a broken one is rejected with a reason
at once; a valid one the model cannot embed is recorded as pending. Embedding is batched
across files per kind of payload (text, image, audio).

A memory is stored as rows of one space: its own facet (the note chunk, the photo's or the
clip's vector) and, for photos and clips, derived-text facets (OCR text, transcript) taken
from the derived-text cache and embedded with the model's text tower. Deriving that text
(transcribing, OCR) is not done here: `augmem.ingest.derive` does it, then asks
`Ingestor.refresh_facets` to store the facets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from augmem import checkpoints, codec
from augmem.errors import RejectedItem
from augmem.ingest import files
from augmem.models.artifacts import sha256_file
from augmem.models.base import tier_view
from augmem.records import (
    DEFAULT_SOURCE,
    DERIVED_FACETS,
    DERIVED_KIND,
    LIVE_STATUSES,
    DerivedDetail,
    DerivedText,
    IngestReport,
    Memory,
    Rejection,
    SourceRow,
)

log = logging.getLogger(__name__)

FILES_PER_BATCH = 16

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, current_item)."""


def memory_id(path: str, index: int) -> str:
    return hashlib.sha256(f"{path}#{index}".encode()).hexdigest()[:32]


def facet_id(path: str, index: int, facet: str, part: int) -> str:
    """The row id of part `part` of a derived-text facet of memory (path, index)."""
    return hashlib.sha256(f"{path}#{index}#{facet}#{part}".encode()).hexdigest()[:32]


@dataclass
class _Job:
    found: files.Found
    sha: str
    source: str
    update: bool
    media: bool = True
    """Embed the file's own content (False: only its derived text, e.g. a photo under a text-only model)."""
    captured_at: float | None = None
    memories: list[Memory] = field(default_factory=list)
    payloads: list[tuple[str, Any]] = field(default_factory=list)
    """(kind of payload: text | image | audio, the payload) per memory row."""


class Ingestor:
    """One ingest run against one store and one embedding space.

    `engines(kind)` gives, for a derived kind ("transcript", "ocr"), the id of the engine whose
    cached text the facets are built from (None: no facets of that kind)."""

    def __init__(
        self,
        store: Any,
        space: str,
        tiers: Sequence[int],
        get_embedder: Callable[[], Any],
        modalities: Sequence[str],
        settings: Any,
        plugins: Any = None,
        engines: Callable[[str], str | None] | None = None,
    ):
        self.store = store
        self.space = space
        self.tiers = list(tiers)
        self.get_embedder = get_embedder
        self.modalities = set(modalities)
        self.settings = settings
        self.plugins = plugins
        self.engines = engines or (lambda kind: None)

    def run(
        self,
        roots: Sequence[str | Path],
        *,
        source: str | None = None,
        progress: ProgressFn | None = None,
        forget_missing: bool = False,
        report: IngestReport | None = None,
        force: bool = False,
    ) -> IngestReport:
        report = report or IngestReport()
        self.store.ensure_space(self.space, self.tiers)
        ledger = self.store.get_sources()
        in_space = self.store.paths_in_space(self.space)
        # a pending photo or clip owns its content as much as an embedded one: its copy is a duplicate
        sha_owner = {r.content_sha256: p for p, r in ledger.items() if r.status == "pending" and r.content_sha256}
        sha_owner.update((sha, p) for p, sha in in_space.items())
        seen: set[str] = set()
        jobs: list[_Job] = []
        now = time.time()
        ledger_updates: list[SourceRow] = []

        for item in files.walk(roots, self.settings.exclude):
            if isinstance(item, tuple):
                self._reject(report, item[0], item[1], ledger_updates, now)
                seen.add(item[0])
                continue
            path = str(item.path)
            if path in seen:  # a folder and a file inside it were both given
                continue
            seen.add(path)
            led = ledger.get(path)
            src = source or (led.source if led else "") or DEFAULT_SOURCE[item.modality]
            unchanged = led is not None and led.size == item.size and led.mtime == item.mtime
            if unchanged and not force:
                status = led.status
                if status == "ok" and path in in_space:
                    report.skipped += 1
                    continue
                if status in ("forgotten", "duplicate") or (
                    status == "pending" and item.modality not in self.modalities
                ):
                    report.skipped += 1
                    report.pending += status == "pending"
                    continue
                if status == "rejected":
                    report.rejected.append(Rejection(path, led.reason))
                    continue
            if item.size == 0:
                self._reject(report, path, "empty file (0 bytes)", ledger_updates, now, item)
                continue
            try:
                sha = sha256_file(item.path)
            except OSError as exc:
                self._reject(report, path, files.os_reason(exc), ledger_updates, now, item)
                continue
            base = SourceRow(
                path=path,
                source=src,
                modality=item.modality,
                size=item.size,
                mtime=item.mtime,
                content_sha256=sha,
                updated_at=now,
                captured_at=(led.captured_at if led else 0.0) or item.mtime,
            )
            if led and led.content_sha256 == sha and not force:
                if led.status == "ok" and in_space.get(path) == sha:
                    ledger_updates.append(replace(base, status="ok"))  # touched only
                    report.skipped += 1
                    continue
                if led.status == "forgotten":
                    ledger_updates.append(replace(base, status="forgotten", reason=led.reason))
                    report.skipped += 1
                    continue
            owner = sha_owner.get(sha)
            if owner and owner != path and Path(owner).exists():
                ledger_updates.append(replace(base, status="duplicate", reason=f"same content as {owner}"))
                report.skipped += 1
                continue
            if item.modality not in self.modalities:
                # decoded all the same: "pending" means a valid file waiting for a model of its kind
                try:
                    captured = self._check(item)
                except RejectedItem as exc:
                    self._reject(report, path, exc.message, ledger_updates, now, item)
                    continue
                ledger_updates.append(
                    replace(
                        base,
                        status="pending",
                        captured_at=captured or base.captured_at,
                        reason=f"the active model does not embed {item.modality}",
                    )
                )
                report.pending += 1
                sha_owner.setdefault(sha, path)
                if self._has_facets(item.modality):  # its derived text can be recalled meanwhile
                    jobs.append(_Job(item, sha, src, update=False, media=False, captured_at=captured))
                continue
            jobs.append(_Job(item, sha, src, update=path in in_space or bool(led and led.status == "ok")))
            sha_owner.setdefault(sha, path)

        if ledger_updates:
            self.store.upsert_sources(ledger_updates)

        total = len(jobs)
        for start in range(0, total, FILES_PER_BATCH):
            batch = jobs[start : start + FILES_PER_BATCH]
            self._embed_batch(batch, report)
            if progress:
                progress(min(start + FILES_PER_BATCH, total), total, str(batch[-1].found.path))

        # a file that was fine and now is not (cut off, overwritten with junk) leaves the store
        broken = [r.path for r in report.rejected if (led := ledger.get(r.path)) and led.status in LIVE_STATUSES]
        if broken:
            self.store.delete(paths=broken, ledger=False)
        if forget_missing and self.settings.forget_deleted:
            gone = [p for p in ledger if p not in seen and _under_any(p, roots) and not Path(p).exists()]
            if gone:
                self.store.delete(paths=gone)
                report.removed += len(gone)
        return report

    def refresh_facets(self, rows: Sequence[SourceRow], derived: Mapping[str, DerivedText]) -> int:
        """Store the derived-text facets of these ledger rows (photos, clips) from `derived`
        (content sha256 -> derivation), replacing the ones they had; their own facets stay.
        Returns how many facet rows were written."""
        embedder = self.get_embedder()
        if "text" not in embedder.modalities or not rows:
            return 0
        memories: list[Memory] = []
        for row in rows:
            d = derived.get(row.content_sha256)
            if d is not None and d.text:
                memories += self._facets(
                    row.path,
                    row.modality,
                    row.source,
                    row.content_sha256,
                    row.size,
                    row.mtime,
                    row.captured_at,
                    d,
                    embedder,
                )
        if memories:
            vecs = embedder.embed_texts([m.text for m in memories])
            for m, vec in zip(memories, vecs, strict=True):
                m.vectors = {t: tier_view(vec, t) for t in self.tiers}
        self.store.ensure_space(self.space, self.tiers)
        return int(self.store.replace_facets(self.space, [r.path for r in rows], memories))

    # -- helpers -----------------------------------------------------------------------------
    def _has_facets(self, modality: str) -> bool:
        kind = DERIVED_KIND.get(modality)
        return "text" in self.modalities and kind is not None and self.engines(kind) is not None

    def _check(self, f: files.Found) -> float | None:
        """Decode a photo or recording the active model will not embed; its capture time."""
        if f.modality == "image":
            return files.check_photo(f.path, f.size).captured_at
        if f.modality == "audio":
            info = files.check_audio(f.path, f.size)
            return f.mtime - info.duration_s
        return None

    def _reject(
        self,
        report: IngestReport,
        path: str,
        reason: str,
        updates: list[SourceRow],
        now: float,
        found: files.Found | None = None,
    ) -> None:
        """Record a file that cannot be used; with its size and mtime, an unchanged one is not
        read again on the next reconcile (a 1 GB file is not hashed every half hour)."""
        log.warning("rejected %s: %s", path, reason)
        report.rejected.append(Rejection(path, reason))
        updates.append(
            SourceRow(
                path=path,
                status="rejected",
                reason=reason,
                updated_at=now,
                size=found.size if found else 0,
                mtime=found.mtime if found else 0.0,
                modality=found.modality if found else "",
            )
        )

    def _decode(self, job: _Job, embedder: Any, cached: Mapping[str, DerivedText]) -> None:
        f = job.found
        path = str(f.path)

        def mem(i: int, text: str = "", span: tuple[int, int] = (0, 0), captured: float = f.mtime) -> Memory:
            return Memory(
                id=memory_id(path, i),
                modality=f.modality,
                source=job.source,
                path=path,
                content_sha256=job.sha,
                size=f.size,
                mtime=f.mtime,
                captured_at=captured,
                text=text,
                chunk_start=span[0],
                chunk_end=span[1],
            )

        captured_at = f.mtime
        if not job.media:
            captured_at = job.captured_at or f.mtime
        elif f.modality == "text":
            text = files.read_note(f.path, f.size)
            for i, (a, b) in enumerate(embedder.text_chunks(text)):
                job.memories.append(mem(i, text[a:b], (a, b)))
                job.payloads.append(("text", text[a:b]))
        elif f.modality == "image":
            image, when = files.load_photo(f.path, f.size)
            captured_at = when or f.mtime
            job.memories.append(mem(0, captured=captured_at))
            job.payloads.append(("image", image))
        else:
            sr = embedder.audio_sample_rate
            wave, duration = files.load_audio(f.path, f.size, sr)
            captured_at = f.mtime - duration  # a recording's file is last written when it ends
            for i, (a, b) in enumerate(files.split_clips(wave, sr)):
                job.memories.append(mem(i, span=(a * 1000 // sr, b * 1000 // sr), captured=captured_at + a / sr))
                job.payloads.append(("audio", wave[a:b]))
        if self.plugins is not None:
            for m in job.memories:
                extra = [t for t in self.plugins.hook.enrich_memory(memory=m, settings=self.settings) if t]
                if extra:
                    m.text = "\n".join([m.text, *extra]).strip()
        kind = DERIVED_KIND.get(f.modality)
        if kind:
            derived = cached.get(f"{kind}:{job.sha}")
            if derived is not None and derived.text:
                for m in self._facets(
                    path, f.modality, job.source, job.sha, f.size, f.mtime, captured_at, derived, embedder
                ):
                    job.memories.append(m)
                    job.payloads.append(("text", m.text))
        if not job.memories and job.media:
            raise RejectedItem("nothing to embed")

    def _facets(
        self,
        path: str,
        modality: str,
        source: str,
        sha: str,
        size: int,
        mtime: float,
        captured_at: float,
        derived: DerivedText,
        embedder: Any,
    ) -> list[Memory]:
        """Derived-text rows of a photo (its OCR text) or a recording (per clip, the transcript
        segments that fall in it), chunked to the text tower's context."""
        detail = codec.loads(DerivedDetail, derived.detail, f"the derived text of {path}")
        if modality == "image":
            parts = [(0, (0, 0), derived.text, DerivedDetail(words=detail.words), captured_at)]
        else:
            # the same clips as the audio vectors: spans from the recording's length in ms
            duration_ms = round(detail.duration * 1000)
            parts = []
            for i, (a, b) in enumerate(files.split_clips_ms(duration_ms)):
                mine = [
                    s
                    for s in detail.segments
                    if a <= 500 * (s.start + s.end) < b or (b == duration_ms and 500 * (s.start + s.end) >= b)
                ]
                text = " ".join(s.text.strip() for s in mine).strip()
                if text:
                    parts.append(
                        (
                            i,
                            (a, b),
                            text,
                            DerivedDetail(language=detail.language, segments=mine),
                            captured_at + a / 1000,
                        )
                    )
        facet = derived.kind
        out = []
        for index, span, text, info, when in parts:
            for k, (a, b) in enumerate(embedder.text_chunks(text) or [(0, len(text))]):
                # segments go with the clip's first part only: a hit joins the parts' details
                part_info = info if k == 0 else DerivedDetail(language=info.language, words=info.words)
                out.append(
                    Memory(
                        id=facet_id(path, index, facet, k),
                        memory_id=memory_id(path, index),
                        facet=facet,
                        modality=modality,
                        source=source,
                        path=path,
                        content_sha256=sha,
                        size=size,
                        mtime=mtime,
                        captured_at=when,
                        text=text[a:b],
                        chunk_start=span[0],
                        chunk_end=span[1],
                        detail=codec.dumps(part_info),
                    )
                )
        return out

    def _cached_derivations(self, batch: list[_Job], embedder: Any) -> dict[str, DerivedText]:
        """ "kind:sha256" -> the cached derivation of the batch's photos and clips (one query per kind)."""
        out: dict[str, DerivedText] = {}
        if "text" not in embedder.modalities:
            return out
        for modality, kind in DERIVED_KIND.items():
            shas = [j.sha for j in batch if j.found.modality == modality]
            engine = self.engines(kind) if shas else None
            if engine:
                out.update((f"{kind}:{sha}", d) for sha, d in self.store.get_derived(kind, engine, shas).items())
        return out

    def _embed_batch(self, batch: list[_Job], report: IngestReport) -> None:
        embedder = self.get_embedder()
        cached = self._cached_derivations(batch, embedder)
        ok: list[_Job] = []
        ledger: list[SourceRow] = []  # pending / rejected rows of this batch, written in one commit
        for job in batch:
            if job.media and job.found.modality not in embedder.modalities:
                # the model as loaded handles less than its spec (e.g. no tokenizer next to it)
                ledger.append(
                    SourceRow(
                        path=str(job.found.path),
                        source=job.source,
                        modality=job.found.modality,
                        size=job.found.size,
                        mtime=job.found.mtime,
                        content_sha256=job.sha,
                        status="pending",
                        reason=f"the loaded model does not embed {job.found.modality}",
                        captured_at=job.found.mtime,
                        updated_at=time.time(),
                    )
                )
                report.pending += 1
                continue
            try:
                self._decode(job, embedder, cached)
                ok.append(job)
            except RejectedItem as exc:
                self._reject(report, str(job.found.path), exc.message, ledger, time.time(), job.found)
        if ledger:
            self.store.upsert_sources(ledger)
        embed = {"text": embedder.embed_texts, "image": embedder.embed_images, "audio": embedder.embed_audio}
        for kind in ("text", "image", "audio"):
            group = [(j, k) for j in ok for k in range(len(j.payloads)) if j.payloads[k][0] == kind]
            if not group:
                continue
            try:
                z = embed[kind]([j.payloads[k][1] for j, k in group])
            except Exception as exc:  # one bad batch must not lose the run: retry one by one
                log.warning("batch embedding failed (%s); retrying items one by one", exc)
                z = self._embed_one_by_one(group, embed[kind], report)
            for (j, k), vec in zip(group, z, strict=True):
                if vec is None:
                    continue
                j.memories[k].vectors = {t: tier_view(vec, t) for t in self.tiers}
        done = [j for j in ok if j.memories and all(m.vectors for m in j.memories)]
        if not done:
            return
        # one store commit and one ledger commit per batch: a crash loses at most this batch,
        # and the next run re-embeds it (the ledger still shows those files as not done)
        media = [j for j in done if j.media]
        facets_only = [j for j in done if not j.media]
        if media:
            self.store.replace_paths(self.space, [m for j in media for m in j.memories])
        if facets_only:
            self.store.replace_facets(
                self.space, [str(j.found.path) for j in facets_only], [m for j in facets_only for m in j.memories]
            )
        now = time.time()
        self.store.upsert_sources(
            [
                SourceRow(
                    path=str(j.found.path),
                    source=j.source,
                    modality=j.found.modality,
                    size=j.found.size,
                    mtime=j.found.mtime,
                    content_sha256=j.sha,
                    status="ok",
                    captured_at=j.memories[0].captured_at,
                    updated_at=now,
                )
                for j in media
            ]
        )
        checkpoints.reached("ingest.committed")  # tests kill -9 here: this batch is in, the next ones not
        for job in media:
            report.memories += sum(1 for m in job.memories if m.facet not in DERIVED_FACETS)
            if job.update:
                report.updated += 1
            else:
                report.added += 1
        for job in done:
            job.payloads.clear()

    def _embed_one_by_one(
        self, group: list[tuple[_Job, int]], fn: Callable[[list[Any]], Any], report: IngestReport
    ) -> list[Any]:
        out: list[Any] = []
        failed: set[int] = set()
        for j, k in group:
            if id(j) in failed:
                out.append(None)
                continue
            try:
                out.append(fn([j.payloads[k][1]])[0])
            except Exception as exc:
                failed.add(id(j))
                updates: list[SourceRow] = []
                self._reject(report, str(j.found.path), f"model failed on it: {exc}", updates, time.time(), j.found)
                self.store.upsert_sources(updates)
                out.append(None)
        return out


def _under_any(path: str, roots: Sequence[str | Path]) -> bool:
    for r in roots:
        root = os.path.abspath(os.path.expanduser(r))  # as walk() names files: ".." resolved
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return True
    return False
