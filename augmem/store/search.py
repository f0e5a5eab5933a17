"""Recall's search over one space table: tiered vector candidates (a small Matryoshka tier),
exact rerank on the full vector, full-text hits fused by reciprocal rank."""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from augmem.errors import StoreError
from augmem.records import Filters, Hit
from augmem.store.schema import ArrowTable, Table, matrix, unit
from augmem.store.sql import filters_where, guard, num_partitions

if TYPE_CHECKING:
    from augmem.store.lance import MemoryStore

RRF_K = 60
"""Reciprocal-rank-fusion constant (the usual 60 of Cormack et al.)."""


def search(
    store: MemoryStore,
    space: str,
    query_vec: np.ndarray,
    *,
    limit: int = 10,
    filters: Filters | None = None,
    text_query: str | None = None,
    candidate_tier: int | None = None,
    candidates: int = 200,
    exclude_ids: Iterable[str] = (),
) -> list[Hit]:
    """Two-stage tiered vector search (+ optional FTS fused by RRF); Hit.score = full-vector cosine."""
    t = store.space_table(space, required=False)
    if t is None or limit <= 0:
        return []
    tiers = store.tiers(space)
    full = tiers[0]
    q = np.asarray(query_vec, dtype=np.float32).ravel()
    if q.shape[0] != full or not np.isfinite(q).all():
        raise StoreError(f"store: query vector has {q.shape[0]} dims, space {space} expects {full}")
    q = unit(q)
    k = candidate_tier or full
    if k not in tiers:
        raise StoreError(f"store: space {space} has no tier {k}; it has {tiers}")
    where = filters_where(filters, exclude_ids)
    indexed = store.index_columns(t)
    # a memory may have several rows (its own facet, transcript or OCR text): ask for more
    # candidates than hits, then keep one hit per memory at its best facet
    n = max(candidates, limit)
    cols = ["id", "memory_id", f"vec_{full}"]
    vq = t.search(unit(q[:k]), vector_column_name=f"vec_{k}").distance_type("cosine")
    vq = vq.limit(n).select([*cols, "_distance"])
    kind = indexed.get(f"vec_{k}", "")
    if kind:
        parts = num_partitions(t.count_rows())
        # a floor of probes for recall; no ceiling, so a narrow filter may probe on until it fills `n`
        if "Hnsw" in kind:
            vq = vq.minimum_nprobes(max(4, math.ceil(parts / 32))).maximum_nprobes(0).ef(max(2 * n, 100))
        else:
            vq = vq.minimum_nprobes(max(20, math.ceil(parts / 10))).maximum_nprobes(0).refine_factor(5)
    if where:
        vq = vq.where(where, prefilter=True)
    with guard("search vectors"):
        pools = [vq.to_arrow()]
    fts_memories: list[str] = []
    if text_query and text_query.strip():
        fts = _fts(t, indexed, text_query, where, cols, max(2 * limit, 20))
        if fts is not None:
            pools.append(fts)
            fts_memories = fts.column("memory_id").to_pylist()
    top, score, best = rank(pools, full, q, fts_memories, limit)
    return store.memories(space, top, scores=score, best=best)


def rank(
    pools: list[ArrowTable],
    full: int,
    q: np.ndarray,
    fts_memories: list[str],
    limit: int,
    exclude: frozenset[str] = frozenset(),
) -> tuple[list[str], dict[str, float], dict[str, str]]:
    """The `limit` best memories of candidate rows (`pools`: tables of id, memory_id, vec_<full>): one
    per memory at its best facet by exact full-vector cosine, fused with the full-text ranking
    (`fts_memories`, best first) by RRF. Returns (memory ids in order, memory id -> cosine, memory id
    -> best row id); memories in `exclude` are left out."""
    rows: list[tuple[str, str, float]] = []
    for tab in pools:
        if tab.num_rows:
            sims = (matrix(tab.column(f"vec_{full}"), full) @ q).tolist()
            rows += zip(tab.column("id").to_pylist(), tab.column("memory_id").to_pylist(), sims)
    return rank_scored(rows, fts_memories, limit, exclude)


K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)


def rank_scored(
    rows: Iterable[tuple[R, K, float]], fts_memories: list[K], limit: int, exclude: Collection[K] = ()
) -> tuple[list[K], dict[K, float], dict[K, R]]:
    """`rank` over (row key, memory key, cosine) triples: the one ranking rule, shared by the table
    search and the resident tier (augmem.store.resident, which keys memories by a hash)."""
    score: dict[K, float] = {}
    best: dict[K, R] = {}
    for row_id, mid, sim in rows:
        if sim > score.get(mid, -2.0) and mid not in exclude:
            score[mid], best[mid] = sim, row_id
    order = sorted(score, key=lambda i: -score[i])
    if fts_memories:
        # RRF decides the order only; the displayed score stays the exact cosine
        text_rank = {i: r for r, i in enumerate(dict.fromkeys(fts_memories), 1)}
        fused = {
            i: 1 / (RRF_K + r) + (1 / (RRF_K + text_rank[i]) if i in text_rank else 0) for r, i in enumerate(order, 1)
        }
        order = sorted(order, key=lambda i: (-fused[i], -score[i]))
    return order[:limit], score, best


def ensure_text_index(t: Table, indexed: dict[str, str]) -> bool:
    """Whether `t` has a full-text index, building it when rows have text and there is none yet.
    `indexed`: the table's index columns (MemoryStore.index_columns)."""
    from lancedb.index import FTS

    if "text" in indexed:
        return True
    try:
        if t.count_rows("text <> ''") == 0:
            return False
        t.create_index("text", config=FTS(), replace=False)
        return True
    except Exception:  # a read-only store or a racing index build: no full text this time
        return False


def _fts(
    t: Table, indexed: dict[str, str], text: str, where: str | None, cols: list[str], n: int, *, row_ids: bool = False
) -> ArrowTable | None:
    """Full-text hits (ranked by BM25) or None when there is no usable text index; `row_ids` adds
    each hit's `_rowid` (its row address)."""
    from lancedb.query import MatchQuery

    if not ensure_text_index(t, indexed):
        return None
    try:
        q = t.search(MatchQuery(text, "text"), query_type="fts").limit(n).select([*cols, "_score"])
        if row_ids:
            q = q.with_row_id(True)
        return (q.where(where, prefilter=True) if where else q).to_arrow()
    except Exception:  # a read-only store or a racing index build: fall back to vector ranking only
        return None
