"""Deriving text from media, in batches that can stop and resume anywhere: what each
recording says (a transcript with segment times) and what each photo shows in writing (OCR).

The work list is the ledger itself: every valid photo or recording (status ok or pending)
whose content has no derivation by the current engine yet. Each batch commits its
derivations to the cache in one write, then stores them as facets of the memories in the
active space, so a crash loses at most one batch and the next run picks up where it was.
A new engine (another Whisper size, other OCR languages) has nothing done yet, so
everything is derived again, in the background, like a model change; the old engine's
cache goes once the new one has caught up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augmem import codec
from augmem.errors import RejectedItem
from augmem.ingest import files
from augmem.records import DERIVED_KIND, DerivedDetail, DerivedText, DeriveInfo, SourceRow

log = logging.getLogger(__name__)

MODALITY_OF = {kind: modality for modality, kind in DERIVED_KIND.items()}
"""The modality each derived kind is made from (transcript: audio, ocr: image)."""
BATCH = 8
"""Files per batch: small, since a recording takes a second or more to transcribe."""

ProgressFn = Callable[[int, int, str], None]


@dataclass
class Engine:
    """A transcriber (`transcribe(wave)`) or a text reader (`read(image)`) and its kind."""

    kind: str
    engine_id: str
    impl: Any


def candidates(store: Any, kind: str, paths: Sequence[str] | None = None) -> list[SourceRow]:
    """Valid photos (ocr) or recordings (transcript) in the ledger, under `paths` when given."""
    modality = MODALITY_OF[kind]
    return [
        r
        for r in store.get_sources().values()
        if r.modality == modality
        and r.status in ("ok", "pending")
        and r.content_sha256
        and (paths is None or _under(r.path, paths))
    ]


def todo(store: Any, kind: str, engine_id: str, paths: Sequence[str] | None = None) -> list[SourceRow]:
    """The ledger rows still to derive with this engine, one per content, newest memories
    first (what a person most likely looks for); limited to `paths` (and below) when given."""
    done = store.derived_shas(kind, engine_id)
    rows = {
        r.content_sha256: r
        for r in sorted(candidates(store, kind, paths), key=lambda r: (r.captured_at, r.path), reverse=True)
        if r.content_sha256 not in done
    }
    return sorted(rows.values(), key=lambda r: (-r.captured_at, r.path))


def cached_without_facets(
    store: Any, space: str, kind: str, engine_id: str, paths: Sequence[str] | None = None
) -> list[SourceRow]:
    """Files whose text this engine found (cached) but whose memories have no facets in `space`."""
    found = store.derived_shas(kind, engine_id)
    with_facets = store.facet_paths(space)
    return [r for r in candidates(store, kind, paths) if found.get(r.content_sha256) and r.path not in with_facets]


def info(store: Any, kind: str, engine: Callable[[], tuple[str | None, str]]) -> DeriveInfo:
    """How far derivation of `kind` is (counts over the ledger); `engine()` gives the engine id
    and why there is none, asked only when there are files of that kind (it may cost a look at
    the engine's files)."""
    rows = candidates(store, kind)
    engine_id, error = engine() if rows else (None, "")
    out = DeriveInfo(kind=kind, engine=engine_id or "", error=error)
    if engine_id is None:
        out.waiting = len(rows)
        return out
    found = store.derived_shas(kind, engine_id)
    for r in rows:
        if r.content_sha256 in found:
            out.done += 1
            out.found += found[r.content_sha256]
        else:
            out.waiting += 1
    return out


def derive_rows(rows: Sequence[SourceRow], engine: Engine) -> list[DerivedText]:
    """Derive the text of these files. A file that changed since the ledger saw it is left
    for the next reconcile; one that cannot be read gets an empty derivation (with the
    reason in its detail), so it is not tried again and again."""
    out = []
    for row in rows:
        p = Path(row.path)
        try:
            st = p.stat()
        except OSError:
            continue  # gone: the next reconcile forgets it
        if st.st_size != row.size or st.st_mtime != row.mtime:
            continue  # changed: re-ingest first, then it gets a new content hash to derive
        t0 = time.monotonic()
        try:
            text, detail = _derive_one(p, row.size, engine)
        except RejectedItem as exc:
            log.warning("%s of %s failed: %s", engine.kind, row.path, exc.message)
            text, detail = "", DerivedDetail(error=exc.message)
        except Exception as exc:  # an engine's own failure on one file must not stall all the others
            log.exception("%s of %s failed", engine.kind, row.path)
            text, detail = "", DerivedDetail(error=f"{type(exc).__name__}: {exc}")
        detail.seconds = round(time.monotonic() - t0, 3)
        out.append(
            DerivedText(
                content_sha256=row.content_sha256,
                kind=engine.kind,
                engine=engine.engine_id,
                text=text,
                detail=codec.dumps(detail),
                created_at=time.time(),
            )
        )
    return out


def _derive_one(path: Path, size: int, engine: Engine) -> tuple[str, DerivedDetail]:
    if engine.kind == "transcript":
        rate = engine.impl.sample_rate
        wave, duration = files.load_audio(path, size, rate)
        try:
            t = engine.impl.transcribe(wave)
        except ValueError as exc:
            raise RejectedItem(f"cannot transcribe: {exc}") from exc
        return t.text, DerivedDetail(language=t.language, duration=round(duration, 3), segments=list(t.segments))
    image, _when = files.load_photo(path, size)
    o = engine.impl.read(image)
    return o.text, DerivedDetail(words=o.words, languages=list(o.languages))


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)
