"""Ingest: reconcile files on disk against the store, embedding only what changed.

For each file: unchanged size + mtime (and already embedded in the active space) ->
skipped without reading it; otherwise its content sha256 decides between "only touched",
"same content as another memory" (duplicate), and a real (re-)embed. Files the active
model cannot embed are recorded as pending; unreadable ones as rejected with a reason.
Embedding is batched across files per modality.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from augmem.errors import RejectedItem
from augmem.ingest import files
from augmem.models.artifacts import sha256_file
from augmem.models.base import tier_view
from augmem.records import DEFAULT_SOURCE, IngestReport, Memory, Rejection, SourceRow

log = logging.getLogger(__name__)

FILES_PER_BATCH = 16

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, current_item)."""


def memory_id(path: str, index: int) -> str:
    return hashlib.sha256(f"{path}#{index}".encode()).hexdigest()[:32]


@dataclass
class _Job:
    found: files.Found
    sha: str
    source: str
    update: bool
    memories: list[Memory] = field(default_factory=list)
    payloads: list = field(default_factory=list)


class Ingestor:
    """One ingest run against one store and one embedding space."""

    def __init__(self, store, space: str, tiers: Sequence[int], get_embedder: Callable, modalities, settings, plugins=None):
        self.store = store
        self.space = space
        self.tiers = list(tiers)
        self.get_embedder = get_embedder
        self.modalities = set(modalities)
        self.settings = settings
        self.plugins = plugins

    def run(self, roots: Sequence[str | Path], *, source: str | None = None, progress: ProgressFn | None = None,
            forget_missing: bool = False, report: IngestReport | None = None, force: bool = False) -> IngestReport:
        report = report or IngestReport()
        self.store.ensure_space(self.space, self.tiers)
        ledger = self.store.get_sources()
        in_space = self.store.paths_in_space(self.space)
        sha_owner = {sha: p for p, sha in in_space.items()}
        seen: set[str] = set()
        jobs: list[_Job] = []
        now = time.time()
        ledger_updates = []

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
                if status in ("forgotten", "duplicate") or (status == "pending" and item.modality not in self.modalities):
                    report.skipped += 1
                    report.pending += status == "pending"
                    continue
                if status == "rejected":
                    report.rejected.append(Rejection(path, led.reason))
                    continue
            if item.size == 0:
                self._reject(report, path, "empty file (0 bytes)", ledger_updates, now)
                continue
            try:
                sha = sha256_file(item.path)
            except OSError as exc:
                self._reject(report, path, files._os_reason(exc), ledger_updates, now)
                continue
            base = SourceRow(path=path, source=src, modality=item.modality, size=item.size, mtime=item.mtime,
                             content_sha256=sha, updated_at=now, captured_at=(led.captured_at if led else 0.0) or item.mtime)
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
                ledger_updates.append(replace(base, status="pending",
                                              reason=f"the active model does not embed {item.modality}"))
                report.pending += 1
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

        if forget_missing and self.settings.forget_deleted:
            gone = [p for p in ledger if p not in seen and _under_any(p, roots) and not Path(p).exists()]
            if gone:
                self.store.delete(paths=gone)
                report.removed += len(gone)
        return report

    # -- helpers -----------------------------------------------------------------------------
    def _reject(self, report: IngestReport, path: str, reason: str, updates: list[SourceRow], now: float) -> None:
        log.warning("rejected %s: %s", path, reason)
        report.rejected.append(Rejection(path, reason))
        updates.append(SourceRow(path=path, status="rejected", reason=reason, updated_at=now))

    def _decode(self, job: _Job, embedder) -> None:
        f = job.found
        path = str(f.path)

        def mem(i, text="", span=(0, 0), captured=f.mtime):
            return Memory(id=memory_id(path, i), modality=f.modality, source=job.source, path=path,
                          content_sha256=job.sha, size=f.size, mtime=f.mtime, captured_at=captured,
                          text=text, chunk_start=span[0], chunk_end=span[1])

        if f.modality == "text":
            text = files.read_note(f.path, f.size)
            for i, (a, b) in enumerate(embedder.text_chunks(text)):
                job.memories.append(mem(i, text[a:b], (a, b)))
                job.payloads.append(text[a:b])
        elif f.modality == "image":
            image, when = files.load_photo(f.path, f.size)
            job.memories.append(mem(0, captured=when or f.mtime))
            job.payloads.append(image)
        else:
            sr = embedder.audio_sample_rate
            wave, duration = files.load_audio(f.path, f.size, sr)
            start = f.mtime - duration  # a recording's file is last written when it ends
            for i, (a, b) in enumerate(files.split_clips(wave, sr)):
                job.memories.append(mem(i, span=(a * 1000 // sr, b * 1000 // sr), captured=start + a / sr))
                job.payloads.append(wave[a:b])
        if not job.memories:
            raise RejectedItem("nothing to embed")
        if self.plugins is not None:
            for m in job.memories:
                extra = [t for t in self.plugins.hook.enrich_memory(memory=m, settings=self.settings) if t]
                if extra:
                    m.text = "\n".join([m.text, *extra]).strip()

    def _embed_batch(self, batch: list[_Job], report) -> None:
        embedder = self.get_embedder()
        ok: list[_Job] = []
        ledger: list[SourceRow] = []  # pending / rejected rows of this batch, written in one commit
        for job in batch:
            if job.found.modality not in embedder.modalities:
                # the model as loaded handles less than its spec (e.g. no tokenizer next to it)
                ledger.append(SourceRow(
                    path=str(job.found.path), source=job.source, modality=job.found.modality, size=job.found.size,
                    mtime=job.found.mtime, content_sha256=job.sha, status="pending",
                    reason=f"the loaded model does not embed {job.found.modality}",
                    captured_at=job.found.mtime, updated_at=time.time()))
                report.pending += 1
                continue
            try:
                self._decode(job, embedder)
                ok.append(job)
            except RejectedItem as exc:
                self._reject(report, str(job.found.path), exc.message, ledger, time.time())
        if ledger:
            self.store.upsert_sources(ledger)
        embed = {"text": embedder.embed_texts, "image": embedder.embed_images, "audio": embedder.embed_audio}
        for modality in ("text", "image", "audio"):
            group = [(j, k) for j in ok if j.found.modality == modality for k in range(len(j.payloads))]
            if not group:
                continue
            try:
                z = embed[modality]([j.payloads[k] for j, k in group])
            except Exception as exc:  # one bad batch must not lose the run: retry one by one
                log.warning("batch embedding failed (%s); retrying items one by one", exc)
                z = self._embed_one_by_one(group, embed[modality], report)
            for (j, k), vec in zip(group, z):
                if vec is None:
                    continue
                j.memories[k].vectors = {t: tier_view(vec, t) for t in self.tiers}
        done = [j for j in ok if all(m.vectors for m in j.memories)]
        if not done:
            return
        # one store commit and one ledger commit per batch: a crash loses at most this batch,
        # and the next run re-embeds it (the ledger still shows those files as not done)
        self.store.replace_paths(self.space, [m for j in done for m in j.memories])
        now = time.time()
        self.store.upsert_sources([SourceRow(
            path=str(j.found.path), source=j.source, modality=j.found.modality, size=j.found.size,
            mtime=j.found.mtime, content_sha256=j.sha, status="ok", captured_at=j.memories[0].captured_at,
            updated_at=now) for j in done])
        for job in done:
            report.memories += len(job.memories)
            if job.update:
                report.updated += 1
            else:
                report.added += 1
            job.payloads.clear()

    def _embed_one_by_one(self, group, fn, report):
        out, failed = [], set()
        for j, k in group:
            if id(j) in failed:
                out.append(None)
                continue
            try:
                out.append(fn([j.payloads[k]])[0])
            except Exception as exc:
                failed.add(id(j))
                self._reject(report, str(j.found.path), f"model failed on it: {exc}", updates := [], time.time())
                self.store.upsert_sources(updates)
                out.append(None)
        return out


def _under_any(path: str, roots) -> bool:
    for r in roots:
        r = str(Path(r).expanduser().absolute())
        if path == r or path.startswith(r.rstrip("/") + "/"):
            return True
    return False
