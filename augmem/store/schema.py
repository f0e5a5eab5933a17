"""The Arrow layout of augmem's LanceDB tables, and turning their rows into records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from augmem import codec
from augmem.records import DerivedDetail, DerivedText, Hit, SourceRow

Table = Any
"""A lancedb table handle (lancedb is used untyped: its own hints are incomplete)."""
ArrowTable = Any
"""A pyarrow.Table (pyarrow ships no type information)."""

HIT_COLS = [
    "id",
    "memory_id",
    "facet",
    "modality",
    "source",
    "path",
    "captured_at",
    "text",
    "chunk_start",
    "chunk_end",
    "size",
    "detail",
]
"""The columns a Hit is made of."""
LAYOUT = b"2"
"""Space-table layout: 2 added memory_id, facet and detail (derived-text facets of a memory)."""
SOURCE_COLS = {f.name: f.type for f in fields(SourceRow)}
DERIVED_COLS = {f.name: f.type for f in fields(DerivedText)}


def arrow() -> Any:
    """pyarrow, imported on first use so importing augmem.store stays cheap."""
    import pyarrow

    return pyarrow


def mem_schema(space: str, tiers: list[int]) -> Any:
    """Arrow schema of a space table; the space id and tiers live in the schema metadata."""
    pa = arrow()
    s, i, f = pa.string(), pa.int64(), pa.float64()
    cols = [
        ("id", s),
        ("modality", s),
        ("source", s),
        ("path", s),
        ("content_sha256", s),
        ("size", i),
        ("mtime", f),
        ("captured_at", f),
        ("text", s),
        ("chunk_start", i),
        ("chunk_end", i),
        ("space", s),
        ("memory_id", s),
        ("facet", s),
        ("detail", s),
    ]
    cols += [(f"vec_{k}", pa.list_(pa.float32(), k)) for k in tiers]
    meta = {b"augmem.space": space.encode(), b"augmem.tiers": json.dumps(tiers).encode(), b"augmem.layout": LAYOUT}
    return pa.schema(cols, metadata=meta)


def sources_schema() -> Any:
    """Arrow schema of the sources ledger."""
    pa = arrow()
    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64()}
    return pa.schema([(k, types[str(t)]) for k, t in SOURCE_COLS.items()])


def matrix(column: Any, dim: int) -> np.ndarray:
    """FixedSizeList<float32> column -> (n, dim) float32 array."""
    arr = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    return np.asarray(arr.flatten().to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)


def unit(v: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n == 0, 1, n)


def hit_from_rows(best: dict[str, Any], score: float, facets: Sequence[dict[str, Any]] = ()) -> Hit:
    """One Hit per memory: `best` is the row (facet) that matched, `facets` every derived-text row
    of the same memory (its transcript or OCR text, shown with the hit whichever facet matched)."""
    hit = Hit(
        id=best["memory_id"] or best["id"],
        modality=best["modality"],
        source=best["source"],
        path=best["path"],
        score=float(score),
        captured_at=best["captured_at"],
        text=best["text"] or "",
        chunk_start=best["chunk_start"],
        chunk_end=best["chunk_end"],
        size=best["size"],
        facet=best["facet"] or best["modality"],
    )
    for row in sorted(facets, key=lambda r: r["id"]):
        detail = codec.loads(DerivedDetail, row["detail"], "a facet's detail")
        if row["facet"] == "transcript":
            hit.transcript = " ".join(filter(None, [hit.transcript, row["text"]]))
            hit.segments += detail.segments  # only a clip's first part carries them
            hit.language = hit.language or detail.language
        elif row["facet"] == "ocr":
            hit.ocr_text = "\n".join(filter(None, [hit.ocr_text, row["text"]]))
    hit.segments.sort(key=lambda s: s.start)
    return hit


def derived_schema() -> Any:
    """Arrow schema of the derived-text cache."""
    pa = arrow()
    types = {"str": pa.string(), "float": pa.float64()}
    return pa.schema([(k, types[str(t)]) for k, t in DERIVED_COLS.items()])
