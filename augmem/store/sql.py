"""SQL text and table names for the LanceDB store: predicates with escaped literals, the
recall filters as a predicate, and the error guard every store call runs under."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from augmem.errors import StoreError
from augmem.records import Filters
from augmem.store.faults import explain

SOURCES = "sources"
"""The sources ledger table."""
DERIVED = "derived"
"""The derived-text cache: transcripts and OCR text by (content sha256, kind, engine)."""
PURGE_QUEUE = "purge_queue"
"""Fragments with deleted rows that `purge` must rewrite."""
BATCH = 500
"""Values per IN (...) list: keeps SQL predicates a sane size."""


def table_name(space: str) -> str:
    """Table name for a space id "model:<sha256>": mem_<model slug>_<first 12 hex of the hash>."""
    m = re.fullmatch(r"(.+):([0-9a-fA-F]{12,})", space)
    model, digest = (m.group(1), m.group(2).lower()) if m else (space, hashlib.sha256(space.encode()).hexdigest())
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:48] or "space"
    return f"mem_{slug}_{digest[:12]}"


def lit(value: str) -> str:
    """SQL string literal: single quotes doubled (DataFusion treats backslashes literally)."""
    return "'" + str(value).replace("'", "''") + "'"


def in_list(column: str, values: Iterable[str]) -> str:
    """`column IN ('a', 'b')` with escaped literals."""
    return f"{column} IN ({', '.join(lit(v) for v in values)})"


def chunks(values: Iterable[Any], n: int = BATCH) -> Iterator[list[Any]]:
    """Split values into lists of at most n."""
    values = list(values)
    for i in range(0, len(values), n):
        yield values[i : i + n]


def filters_where(filters: Filters | None, exclude_ids: Iterable[str] = ()) -> str | None:
    """SQL predicate for recall filters (empty lists mean no constraint; since/until inclusive)."""
    parts = []
    f = filters or Filters()
    if f.modalities:
        parts.append(in_list("modality", f.modalities))
    if f.sources:
        parts.append(in_list("source", f.sources))
    if f.since is not None and math.isfinite(f.since):
        parts.append(f"captured_at >= {float(f.since)!r}")
    if f.until is not None and math.isfinite(f.until):
        parts.append(f"captured_at <= {float(f.until)!r}")
    if f.path_prefix:
        # starts_with, not LIKE: paths may contain % and _ which LIKE would treat as wildcards
        parts.append(f"starts_with(path, {lit(f.path_prefix)})")
    exclude = list(exclude_ids)
    if exclude:
        parts.append(f"NOT ({in_list('memory_id', exclude)})")
    return " AND ".join(f"({p})" for p in parts) or None


@contextmanager
def guard(what: str, hint: str | None = None) -> Iterator[None]:
    """Turn LanceDB/Arrow failures into StoreError with a human message."""
    try:
        yield
    except StoreError:
        raise
    except Exception as e:  # lancedb raises ValueError/RuntimeError/OSError/pyo3 panics alike
        said = explain(what, e)  # a full or read-only disk, in those words
        if said is not None:
            raise StoreError(*said) from e
        from augmem.store.objectstore import brief

        # an object-store failure is pages of Rust debug output: say its one-line reason instead
        raise StoreError(f"store: could not {what}: {brief(e) or e}", hint) from e


def num_partitions(n: int) -> int:
    """IVF partitions for n rows: ~sqrt(n), but at least 256 training rows per partition."""
    return max(1, min(int(math.sqrt(n)), n // 256))
