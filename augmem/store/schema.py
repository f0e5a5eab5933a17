"""The Arrow layout of augmem's LanceDB tables, and turning their rows into records."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import numpy as np

from augmem.records import Hit, SourceRow

Table = Any
"""A lancedb table handle (lancedb is used untyped: its own hints are incomplete)."""
ArrowTable = Any
"""A pyarrow.Table (pyarrow ships no type information)."""

HIT_COLS = ["id", "modality", "source", "path", "captured_at", "text", "chunk_start", "chunk_end", "size"]
"""The columns a Hit is made of."""
SOURCE_COLS = {f.name: f.type for f in fields(SourceRow)}


def arrow() -> Any:
    """pyarrow, imported on first use so importing augmem.store stays cheap."""
    import pyarrow

    return pyarrow


def mem_schema(space: str, tiers: list[int]) -> Any:
    """Arrow schema of a space table; the space id and tiers live in the schema metadata."""
    pa = arrow()
    s, i, f = pa.string(), pa.int64(), pa.float64()
    cols = [("id", s), ("modality", s), ("source", s), ("path", s), ("content_sha256", s), ("size", i),
            ("mtime", f), ("captured_at", f), ("text", s), ("chunk_start", i), ("chunk_end", i), ("space", s)]
    cols += [(f"vec_{k}", pa.list_(pa.float32(), k)) for k in tiers]
    meta = {b"augmem.space": space.encode(), b"augmem.tiers": json.dumps(tiers).encode(), b"augmem.layout": b"1"}
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


def hit_from_row(row: dict[str, Any], score: float) -> Hit:
    """Hit from a row dict."""
    return Hit(id=row["id"], modality=row["modality"], source=row["source"], path=row["path"], score=float(score),
               captured_at=row["captured_at"], text=row["text"] or "", chunk_start=row["chunk_start"],
               chunk_end=row["chunk_end"], size=row["size"])
