"""Store upkeep: building, dropping and rebuilding indices, compaction, and purging deleted memories.

Module-level functions that take a MemoryStore; MemoryStore keeps thin methods of the same names.
The table layout (schemas, table names) stays in augmem.store.lance.
"""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from augmem import checkpoints
from augmem.errors import StoreError
from augmem.store.schema import Table
from augmem.store.sql import DERIVED, PURGE_QUEUE, SOURCES, guard, lit, num_partitions, table_name

if TYPE_CHECKING:
    from augmem.store.lance import MemoryStore

ANN_TYPES = ("IVF_HNSW_SQ", "IVF_PQ")
_SCALAR = {SOURCES: (("path", "btree"),), DERIVED: (("content_sha256", "btree"),)}
"""Scalar indices per table: (column, "btree" or "bitmap")."""
_SPACE_SCALAR = (
    ("id", "btree"),
    ("path", "btree"),
    ("memory_id", "btree"),
    ("captured_at", "btree"),
    ("modality", "bitmap"),
    ("source", "bitmap"),
)
"""A space table's. Recall's filter columns are indexed so that full-text search, which filters
before it ranks, reads an index instead of every row: at 100k rows a BM25 query under `-m audio`
took 15.7 ms without and 5.3 ms with (bench/recall.py's store). A bitmap suits a column of a few
values."""
_MIN_ANN_ROWS = 256  # fewer rows cannot train IVF centroids / PQ codebooks


def has_ann_index(store: MemoryStore, space: str, tier: int | None = None) -> bool:
    """True when a vector index covers the tier's column (any tier when None)."""
    t = store.space_table(space, required=False)
    if t is None:
        return False
    cols = {c for c, kind in store.index_columns(t).items() if c.startswith("vec_")}
    return bool(cols) if tier is None else f"vec_{tier}" in cols


def drop_ann_index(store: MemoryStore, space: str, tier: int | None = None) -> None:
    """Drop the vector index of a tier (every tier when None); the next optimize() builds it anew."""
    t = store.space_table(space, required=False)
    if t is None:
        return
    for idx in t.list_indices():
        if idx.columns and idx.columns[0].startswith("vec_") and tier in (None, int(idx.columns[0][4:])):
            with guard(f"drop index {idx.name}"), store._writing(t.name, None, moves_rows=True):
                t.drop_index(idx.name)


def optimize(
    store: MemoryStore,
    space: str | None = None,
    ann_threshold: int = 50_000,
    *,
    ann_tier: int | None = None,
    ann_type: str = "IVF_HNSW_SQ",
) -> dict[str, list[str]]:
    """Build missing indices (ANN past ann_threshold rows, unless a resident tier serves the table:
    augmem.store.resident), fold new rows into them, compact; returns actions."""
    from lancedb.index import FTS, Bitmap, BTree

    if ann_type not in ANN_TYPES:
        raise StoreError(f"store: unknown ANN index type {ann_type!r}; choose one of {ANN_TYPES}")
    names = [table_name(space)] if space else [*store.mem_tables(), SOURCES, DERIVED]
    report: dict[str, list[str]] = {}
    for name in names:
        t = store.open_table(name)
        if t is None:
            continue
        actions: list[str] = []
        # indices and compaction change no memory, but compaction moves rows: the resident tier
        # answers from its snapshot (read at its version) while it reloads
        moving = store._writing(name, None, moves_rows=True) if name.startswith("mem_") else nullcontext()
        with guard(f"optimize {name}"), moving:
            n = t.count_rows()
            have = store.index_columns(t)
            if name.startswith("mem_"):
                tiers = json.loads(t.schema.metadata[b"augmem.tiers"])
                col = f"vec_{ann_tier or tiers[-1]}"
                resident = store.resident is not None and name in store.resident.holds()
                if n > max(ann_threshold, _MIN_ANN_ROWS) and col not in have and not resident:
                    t.create_index(col, config=_ann_config(ann_type, int(col[4:]), n))
                    actions.append(f"ann:{col}")
                if "text" not in have:
                    t.create_index("text", config=FTS())
                    actions.append("fts")
            for c, kind in _SCALAR.get(name, _SPACE_SCALAR):
                if n and c not in have:
                    t.create_index(c, config=Bitmap() if kind == "bitmap" else BTree())
                    actions.append(f"{kind}:{c}")
            # compaction + folding unindexed rows into every index + pruning old versions, in one call
            t.optimize(cleanup_older_than=store.cleanup_older_than)
            actions.append("compact")
        report[name] = actions
        checkpoints.reached("compact.table")  # tests kill -9 here: one table compacted, the next ones not
    return report


def purge(store: MemoryStore, *, delete_unverified: bool = False) -> None:
    """Make deleted memories unrecoverable: rewrite touched fragments, rebuild FTS, drop old versions."""
    q = store.open_table(PURGE_QUEUE)
    queue = store.scan(q, ["tbl", "fragment"]).to_pylist() if q is not None else []
    dirty: dict[str, set[int]] = defaultdict(set)
    for r in queue:
        dirty[r["tbl"]].add(r["fragment"])
    for name in [*store.mem_tables(), SOURCES, DERIVED, PURGE_QUEUE]:
        t = store.open_table(name)
        if t is None:
            continue
        # the rewrite and pruning move rows and drop old versions: the resident tier reloads
        moving = store._writing(name, None, moves_rows=True) if name.startswith("mem_") else nullcontext()
        with guard(f"purge {name}"), moving:
            if dirty.get(name):
                # compaction keeps a fragment with few deletions as is; rewriting its live rows
                # (a no-op update) moves them to a new fragment so the old file becomes garbage
                col = "created_at" if name == DERIVED else "size"  # any column every table of that kind has
                t.update(where=_fragment_ranges(dirty[name]), values_sql={col: col})
                _rebuild_indices(t)
                checkpoints.reached("purge.rewritten")  # tests kill -9 here: old versions still hold the rows
            if name == PURGE_QUEUE and queue:
                for tbl, frags in dirty.items():
                    t.delete(f"tbl = {lit(tbl)} AND fragment IN ({', '.join(map(str, sorted(frags)))})")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lancedb warns that cleanup_older_than=0 is drastic: it is meant
                # optimize prunes before its own index commit; the second pass prunes that version too
                for _ in range(2):
                    t.optimize(cleanup_older_than=timedelta(0), delete_unverified=delete_unverified)


def _fragment_ranges(frags: Iterable[int]) -> str:
    """Predicate selecting every row of the given fragments by row address (fragment id << 32 | offset)."""
    return " OR ".join(f"(_rowaddr >= {f << 32} AND _rowaddr < {(f + 1) << 32})" for f in sorted(frags))


def _rebuild_indices(t: Table) -> None:
    """Re-create every index of a table: old index segments still hold keys and codes of deleted rows."""
    from lancedb.index import FTS, Bitmap, BTree

    n = t.count_rows()
    for idx in t.list_indices():
        col, kind = idx.columns[0], str(idx.index_type)
        if kind == "FTS":
            config = FTS()
        elif col.startswith("vec_") and n < _MIN_ANN_ROWS:
            t.drop_index(idx.name)
            continue
        elif col.startswith("vec_"):
            config = _ann_config("IVF_PQ" if "Pq" in kind else "IVF_HNSW_SQ", int(col[4:]), n)
        else:
            config = Bitmap() if kind == "Bitmap" else BTree()
        t.create_index(col, config=config, replace=True)


def _ann_config(kind: str, dim: int, n: int) -> Any:
    """Index config for a cosine ANN index on a dim-sized column of n rows."""
    from lancedb.index import HnswSq, IvfPq

    parts = num_partitions(n)
    if kind == "IVF_PQ":
        # 8-dim sub-vectors (PQ codes of dim/8 bytes); fall back to the largest divisor that fits
        sub = next(d for d in (8, 4, 2, 1, dim) if dim % d == 0)
        return IvfPq(distance_type="cosine", num_partitions=parts, num_sub_vectors=dim // sub)
    return HnswSq(distance_type="cosine", num_partitions=max(1, parts // 8))
