"""Recall's vector tiers kept in memory: the daemon's answer to a million memories.

A store-level search asks LanceDB to scan a tier column on every recall (326 ms at 1M memories
on the project's 2-core machine), and an ANN index that would avoid the scan takes 27 minutes
to build there and, post-filtered, loses matches under a narrow filter. A warm process that
answers many recalls keeps instead, per row (facet) of the active space:

* the scan tier: the model's smallest trained Matryoshka prefix of the smallest stored tier
  (AIST-87M: the 32-d prefix of its 64-d tier, renormalised; it is trained for 32 dims) as
  float32, scanned exactly over every row a filter keeps: a matrix-vector product is memory
  bound, and 32 dims read half the bytes of 64 (bench/recall.py: 24 vs 55 ms at 1M rows);
* the candidate tier (AIST-87M: 256-d) as int8 codes with a per-row scale, to re-score the
  scan's shortlist (SCAN_SHORTLIST x candidates rows) at a quarter of the float32 bytes;
* the filter columns (modality, source, captured_at), so filters are exact masks applied before
  top-k: `--since 1w` or `-m audio` never loses matches the way a post-filtered ANN does;
* row addresses and memory-id hashes, so the survivors' full vectors come back from LanceDB in
  one take by row id (one column: every column of a take is its own random read) and are
  re-ranked exactly; full text is fused by RRF exactly as `augmem.store.search` does
  (`augmem.store.search.rank_scored`);
* the small hit columns (facet, chunk span, size) and a derived-facet flag, so the hits are
  built from one more take of five columns (ids, path, text, detail) for the best rows and their
  transcript / OCR rows, instead of a query by memory id over twelve.

Resident bytes per row for AIST-87M's 1280/256/64 tiers: 128 (scan) + 260 (candidate tier and
scale) + 8 row address + 8 captured_at + 1 modality + 4 source + 8 path hash + 8 memory hash + 1
derived flag + 1 facet + 24 chunk span and size + 1 live flag = 452 B, so 452 MB per million rows
(`row_bytes`; `ResidentTier.nbytes` counts the buffers, whose capacity grows by doubling).

Kept in step with the table's versions: the store wraps each of its own writes of a set of
paths in `writing` (recalls wait for it; the paths' rows are then re-read, so ingest and forget
are followed incrementally); a version the tier did not see (another process wrote, compaction
moved rows, a purge) makes it reload in the background, and until it is current again recall
answers through `augmem.store.search`. A result never comes from rows the table no longer has:
rows are fetched through a handle pinned at the tier's version.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from augmem.cpus import usable_cpus
from augmem.records import DERIVED_FACETS, Filters, Hit, ResidentInfo
from augmem.store.schema import ArrowTable, Table, hit_from_rows, matrix, unit
from augmem.store.sql import chunks, filters_where, guard, in_list, table_name

if TYPE_CHECKING:
    from augmem.store.lance import MemoryStore

log = logging.getLogger(__name__)

SCAN_SHORTLIST = 40
"""The scan keeps SCAN_SHORTLIST x candidates rows for the candidate tier to re-score (8,000 of
1M rows for recall's default 200). On the 1M bench store (bench/recall.py) the 32-d scan's top
8,000 held the candidate tier's top 200 for every query (recall@10 1.0; top 2,000: 0.975)."""
FETCH_PER_HIT = 10
"""Rows whose full vectors are fetched and re-ranked: FETCH_PER_HIT x limit, at least FETCH_MIN,
at most `candidates` (every row the filter keeps when `candidates` covers them all: then the
search is exact, as the table search is). The candidate tier's ranking is close to the full vector's but not equal
(1M bench store, limit 10: its top 10 alone give recall@10 0.63, its top 50 0.98, top 100 0.995,
top 200 1.0), and every fetched row is a random read of 5 KB (AIST-87M) from a table that may not
fit the page cache: 100 is where the curve flattens."""
FETCH_MIN = 100
SPLIT_SCAN_ROWS = 200_000
"""A scan of at least this many rows runs in two halves on two threads (ResidentTier._scan)."""


CORES = usable_cpus()
GATHER_BELOW = 0.05
"""A filter keeping less than this share of rows is scanned by gathering those rows; a broader
one scans every row and masks. A gather copies the rows it reads and reads them out of order:
at 1M rows a gather of the 17 % a source keeps took 13 ms, the full scan with its mask 14 ms."""
LOAD_BATCH = 65_536
_TAKEN = ("id", "memory_id", "path", "text", "detail")
"""The hit columns read from the table for the final hits (the others are held per row).
`detail` is read only when a derived-text row is among them: in a store whose rows have no detail
at all (notes only, or no transcript yet), LanceDB's random read of that all-empty column
decodes a whole page of it, 8.8 ms for 10 rows of 1M against 2.2 ms when 5 % of the rows hold
one (and 3.2 ms for the `id` column)."""
COMPACT_DEAD = 0.25
"""Dead rows (forgotten, replaced) are squeezed out once they are this share of the rows."""
WAIT_FOR_WRITER_S = 0.5
"""How long a recall waits for a store write under way (and the tier's update after it) before
answering through the store search instead."""
MEMORY_SHARE = 0.25
"""The most of the machine's physical memory a resident tier may take. A space whose tier would
not fit is searched in the table, through the ANN index the store's upkeep builds for it
(augmem.store.upkeep); one that fits gets no ANN index (it would cost its build, 27 minutes for
1M rows on 2 cores, for nothing). At 452 B a row that is ~13M rows on a 24 GB machine."""


def memory_budget() -> int:
    """Bytes a resident tier may hold (MEMORY_SHARE of physical memory)."""
    try:
        return int(MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):  # no sysconf: assume a small machine (8 GB)
        return int(MEMORY_SHARE * 8 * 2**30)


def row_bytes(scan_dims: int, mid_tier: int | None) -> int:
    """Resident bytes per row (see the module docstring)."""
    return 4 * scan_dims + ((mid_tier or 0) + 4 if mid_tier else 0) + 8 + 8 + 1 + 4 + 8 + 8 + 1 + 1 + 1 + 24


def _codes(values: list[str], table: dict[str, int]) -> np.ndarray:
    """Small integer codes for category strings, extending `table` with new ones."""
    return np.fromiter((table.setdefault(v, len(table)) for v in values), np.int32, len(values))


def _hashes(values: Iterable[str]) -> np.ndarray:
    # Python's str hash (64-bit SipHash, salted per process: fine for a structure that lives in
    # one process): 8 bytes per row stand in for a path or memory id when finding their rows
    return np.fromiter((hash(v) for v in values), np.int64)


def _quantize(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-row int8 codes and scales (v ~ codes * scale)."""
    scale = np.abs(v).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(v / scale[:, None]).astype(np.int8), scale.astype(np.float32)


@dataclass
class _Rows:
    """Row-aligned columns of some rows of the table."""

    addr: np.ndarray
    scan: np.ndarray
    mid: np.ndarray | None
    mid_scale: np.ndarray | None
    captured: np.ndarray
    modality: np.ndarray
    source: np.ndarray
    path_hash: np.ndarray
    mem_hash: np.ndarray
    derived: np.ndarray
    facet: np.ndarray
    """Codes of the facet column (`_Snap.facet_codes`)."""
    chunk: np.ndarray
    """(n, 3) int64: chunk_start, chunk_end, size (hit columns held here, so the take that
    builds the hits reads five columns instead of twelve)."""

    @property
    def n(self) -> int:
        return int(self.addr.shape[0])

    def arrays(self) -> list[np.ndarray]:
        out = [
            self.addr,
            self.scan,
            self.captured,
            self.modality,
            self.source,
            self.path_hash,
            self.mem_hash,
            self.derived,
            self.facet,
            self.chunk,
        ]
        return out + [a for a in (self.mid, self.mid_scale) if a is not None]

    def map(self, fn: Any) -> _Rows:
        """The same columns, each passed through fn (a slice, a gather)."""
        return _Rows(
            addr=fn(self.addr),
            scan=fn(self.scan),
            mid=None if self.mid is None else fn(self.mid),
            mid_scale=None if self.mid_scale is None else fn(self.mid_scale),
            captured=fn(self.captured),
            modality=fn(self.modality),
            source=fn(self.source),
            path_hash=fn(self.path_hash),
            mem_hash=fn(self.mem_hash),
            derived=fn(self.derived),
            facet=fn(self.facet),
            chunk=fn(self.chunk),
        )


@dataclass
class _Snap:
    """The tier at one table version. Rows [0, n) of the buffers are never written again once
    published (appends go past n, deletions copy `alive`), so a recall reads a snapshot without
    a lock while the writer prepares the next one."""

    version: int
    n: int
    buf: _Rows
    alive: np.ndarray
    dead: int
    modality_codes: dict[str, int]
    source_codes: dict[str, int]
    facet_codes: dict[str, int]
    pinned: Table = field(repr=False)
    """A handle on the table checked out at `version` (row addresses are only valid there)."""
    _facets: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _by_addr: tuple[np.ndarray, np.ndarray | None] | None = field(default=None, repr=False)
    indexed: dict[str, str] | None = field(default=None, repr=False)
    """The pinned version's index columns (listed on first use)."""

    def positions(self, addrs: np.ndarray) -> np.ndarray:
        """Positions of the live rows at these row addresses, in their order; addresses this
        snapshot does not hold (rows written after it) are left out."""
        if self._by_addr is None:
            a = self.buf.addr[: self.n]
            # rows load in address order and appends come from newer fragments, so the addresses
            # are ascending and need no sort; anything else gets one (once per snapshot)
            ascending = bool(np.all(a[1:] > a[:-1]))
            order = None if ascending else np.argsort(a, kind="stable")
            self._by_addr = (a if order is None else a[order], order)
        keys, order = self._by_addr
        at = np.minimum(np.searchsorted(keys, addrs), max(len(keys) - 1, 0))
        found = (keys[at] == addrs) if len(keys) else np.zeros(len(addrs), bool)
        pos = at[found] if order is None else order[at[found]]
        return np.asarray(pos[self.alive[pos]], np.int64)

    def facet_rows(self, memory_ids: Iterable[int]) -> np.ndarray:
        """Positions of the live derived-text rows (transcript, OCR) of these memories (by the hash
        of their memory id)."""
        if self._facets is None:
            pos = np.flatnonzero(self.buf.derived[: self.n] & self.alive)
            keys = self.buf.mem_hash[pos]
            order = np.argsort(keys, kind="stable")
            self._facets = (keys[order], pos[order])
        keys, pos = self._facets
        want = np.asarray(list(memory_ids), np.int64)
        lo, hi = np.searchsorted(keys, want, "left"), np.searchsorted(keys, want, "right")
        return np.concatenate([pos[a:b] for a, b in zip(lo.tolist(), hi.tolist())] or [np.zeros(0, np.int64)])


class ResidentTier:
    """The resident tiers of one space (see the module docstring)."""

    def __init__(self, store: MemoryStore, space: str, *, stored: int, scan_dims: int, mid_tier: int | None, full: int):
        self.store, self.space, self.name = store, space, table_name(space)
        self.stored, self.scan_dims, self.mid_tier, self.full = stored, scan_dims, mid_tier, full
        self._snap: _Snap | None = None
        self._write = threading.Lock()
        """Held by whoever changes the tier (a load's start and end, an update) and across the
        store's own writes to the table."""
        self._starting = threading.Lock()
        self._loading: threading.Thread | None = None
        self._since_load: set[str] | None = set()
        """Paths written while a load runs (None: a change that cannot be replayed by path)."""
        self._commits_since_load = 0
        self.load_seconds: float | None = None
        self.reloads = 0
        self._stale_ok: _Snap | None = None
        """A snapshot whose content is current though its version is not (after compaction)."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="augmem-fts")
        self._scan_pool = ThreadPoolExecutor(1, thread_name_prefix="augmem-scan")

    def close(self) -> None:
        """Let the tier's threads go (it was replaced or its table dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._scan_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def key(self) -> tuple[str, int, int, int | None]:
        return self.space, self.stored, self.scan_dims, self.mid_tier

    # -- state ----------------------------------------------------------------------------------
    @property
    def version(self) -> int | None:
        snap = self._snap
        return None if snap is None else snap.version

    @property
    def rows(self) -> int:
        snap = self._snap
        return 0 if snap is None else snap.n - snap.dead

    @property
    def nbytes(self) -> int:
        """Bytes of the resident buffers (their capacity: they grow by doubling)."""
        snap = self._snap
        return 0 if snap is None else int(sum(a.nbytes for a in snap.buf.arrays()) + snap.alive.nbytes)

    def columns(self) -> list[str]:
        cols = [
            "_rowaddr",
            "modality",
            "source",
            "captured_at",
            "path",
            "memory_id",
            "facet",
            "chunk_start",
            "chunk_end",
            "size",
            f"vec_{self.stored}",
        ]
        return cols + ([f"vec_{self.mid_tier}"] if self.mid_tier and self.mid_tier != self.stored else [])

    def start(self) -> None:
        """Load in the background (no-op while a load runs)."""
        with self._starting:
            if self._loading is not None and self._loading.is_alive():
                return
            self._loading = threading.Thread(target=self._load, name=f"augmem-resident-{self.name}", daemon=True)
            self._loading.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a load under way; True when the tier is current with the table."""
        th = self._loading
        if th is not None:
            th.join(timeout)
        snap, t = self._snap, self._table()
        return snap is not None and t is not None and snap.version == int(t.version)

    def _table(self) -> Table | None:
        return self.store.space_table(self.space, required=False)

    # -- loading --------------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            for _attempt in range(5):
                if self._load_once():
                    return
                log.info("resident tier of %s: the table moved on while loading; loading again", self.space)
            log.warning(
                "resident tier of %s: the table keeps changing under the load; recall uses the store", self.space
            )
        except Exception as exc:  # the store search keeps answering; a later recall tries again
            log.warning("resident tier of %s could not load: %s", self.space, exc)

    def _load_once(self) -> bool:
        """Read every row at the current version, then replay what the store wrote meanwhile;
        False when that cannot be replayed (load again)."""
        t0 = time.monotonic()
        t = self._table()
        if t is None:
            return True
        with self._write:
            version = int(t.version)
            self._since_load, self._commits_since_load = set(), 0
        pinned = self._pin(version)
        codes: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        parts: list[_Rows] = []
        with guard(f"load the resident tier of {self.space}"):
            reader = pinned.search().select(self.columns()).with_row_address(True).limit(None).to_batches(LOAD_BATCH)
            for batch in reader:
                parts.append(self._rows(batch, codes))
        rows = self._concat(parts)
        del parts
        snap = _Snap(
            version=version,
            n=rows.n,
            buf=rows,
            alive=np.ones(rows.n, bool),
            dead=0,
            modality_codes=codes[0],
            source_codes=codes[1],
            facet_codes=codes[2],
            pinned=pinned,
        )
        with self._write:
            latest = int(t.version)
            since, commits = self._since_load, self._commits_since_load
            if latest != version and (since is None or latest != version + commits):
                self.reloads += 1
                return False
            if latest != version:
                snap = self._refresh(snap, since or (), latest)
            self._snap = snap
            self._stale_ok = None
            self.load_seconds = time.monotonic() - t0
        log.info(
            "resident tier of %s: %d rows in %.1f s (%.0f MB)", self.space, snap.n, self.load_seconds, self.nbytes / 1e6
        )
        return True

    def _pin(self, version: int) -> Table:
        """A handle on the table at `version` (a separate one: checking out the store's own
        handle would freeze it for every other reader)."""
        with guard(f"open {self.name} at version {version}"):
            pinned = self.store.db.open_table(self.name)
            pinned.checkout(version)
        return pinned

    def _rows(self, batch: ArrowTable, codes: tuple[dict[str, int], dict[str, int], dict[str, int]]) -> _Rows:
        mods, srcs, facet_codes = codes
        stored = matrix(batch.column(f"vec_{self.stored}"), self.stored)
        mid = scale = None
        if self.mid_tier:
            mid, scale = _quantize(
                stored if self.mid_tier == self.stored else matrix(batch.column(f"vec_{self.mid_tier}"), self.mid_tier)
            )
        facets = batch.column("facet").to_pylist()
        return _Rows(
            addr=np.asarray(batch.column("_rowaddr").to_numpy(), np.uint64),
            scan=np.ascontiguousarray(unit(stored[:, : self.scan_dims]), np.float32),
            mid=mid,
            mid_scale=scale,
            captured=np.asarray(batch.column("captured_at").to_numpy(), np.float64),
            modality=_codes(batch.column("modality").to_pylist(), mods).astype(np.uint8),
            source=_codes(batch.column("source").to_pylist(), srcs),
            path_hash=_hashes(batch.column("path").to_pylist()),
            mem_hash=_hashes(batch.column("memory_id").to_pylist()),
            derived=np.fromiter((f in DERIVED_FACETS for f in facets), bool, len(facets)),
            facet=_codes([f or "" for f in facets], facet_codes).astype(np.uint8),
            chunk=np.stack(
                [np.asarray(batch.column(c).to_numpy(), np.int64) for c in ("chunk_start", "chunk_end", "size")], axis=1
            ),
        )

    def _concat(self, parts: list[_Rows]) -> _Rows:
        if not parts:
            z = np.zeros
            return _Rows(
                addr=z(0, np.uint64),
                scan=z((0, self.scan_dims), np.float32),
                mid=z((0, self.mid_tier), np.int8) if self.mid_tier else None,
                mid_scale=z(0, np.float32) if self.mid_tier else None,
                captured=z(0, np.float64),
                modality=z(0, np.uint8),
                source=z(0, np.int32),
                path_hash=z(0, np.int64),
                mem_hash=z(0, np.int64),
                derived=z(0, bool),
                facet=z(0, np.uint8),
                chunk=z((0, 3), np.int64),
            )
        if len(parts) == 1:
            return parts[0]
        cat = np.concatenate
        mid = cat([p.mid for p in parts if p.mid is not None]) if self.mid_tier else None
        scale = cat([p.mid_scale for p in parts if p.mid_scale is not None]) if self.mid_tier else None
        return _Rows(
            addr=cat([p.addr for p in parts]),
            scan=cat([p.scan for p in parts]),
            mid=mid,
            mid_scale=scale,
            captured=cat([p.captured for p in parts]),
            modality=cat([p.modality for p in parts]),
            source=cat([p.source for p in parts]),
            path_hash=cat([p.path_hash for p in parts]),
            mem_hash=cat([p.mem_hash for p in parts]),
            derived=cat([p.derived for p in parts]),
            facet=cat([p.facet for p in parts]),
            chunk=cat([p.chunk for p in parts]),
        )

    # -- keeping in step --------------------------------------------------------------------------
    @contextmanager
    def writing(self, paths: Collection[str] | None, commits: int = 1, *, moves_rows: bool = False) -> Iterator[None]:
        """Around a store write of `commits` versions to this table that touches only the rows of
        `paths` (None: it cannot say which): recalls wait for it (up to WAIT_FOR_WRITER_S) rather
        than see a version the tier has not caught up with; afterwards those paths' rows are
        re-read, or the tier reloads when the table moved otherwise.

        `moves_rows`: the write changes no memory but may give rows new addresses (compaction,
        index upkeep, which can take minutes at a million rows): recall goes on answering from
        the snapshot, read at its own version (the store keeps old versions for its cleanup
        window), without waiting, and the tier reloads after it."""
        if moves_rows:
            with self._write:
                snap, t = self._snap, self._table()
                if snap is not None and t is not None and snap.version == int(t.version):
                    self._stale_ok = snap
            try:
                yield
            finally:
                with self._write:
                    t = self._table()
                    moved = self._snap is not None and t is not None and self._snap.version != int(t.version)
                    if moved and self._stale_ok is self._snap:
                        self.reloads += 1
                    elif not moved:
                        self._stale_ok = None
                if moved:
                    self.start()
            return
        reload = False
        with self._write:
            try:
                yield
            finally:
                reload = self._after_write(paths, commits)
        if reload:
            self.start()

    def _after_write(self, paths: Collection[str] | None, commits: int) -> bool:
        """(Holding the writer lock.) Follow a write; True when the tier must load again."""
        self._stale_ok = None  # content changes now: a snapshot behind the table no longer answers
        if self._loading is not None and self._loading.is_alive():
            if paths is None or self._since_load is None:
                self._since_load = None
            else:
                self._since_load.update(paths)
            self._commits_since_load += commits
            return False
        snap, t = self._snap, self._table()
        if snap is None or t is None:
            return False  # nothing loaded: the next recall loads
        latest = int(t.version)
        if latest == snap.version:
            return False  # nothing was committed (the write failed, or found nothing to delete)
        if paths is not None and latest == snap.version + commits:
            try:
                self._snap = self._refresh(snap, paths, latest)
                return False
            except Exception as exc:
                log.warning("resident tier of %s: incremental update failed (%s); reloading", self.space, exc)
        self._snap = None  # a change that cannot be followed row by row: load again
        self.reloads += 1
        return True

    def _refresh(self, snap: _Snap, paths: Collection[str], version: int) -> _Snap:
        """`snap` with every row of `paths` re-read from the table at `version` (their old rows
        marked dead, their current rows appended)."""
        gone = np.isin(snap.buf.path_hash[: snap.n], _hashes(paths)) & snap.alive
        alive = snap.alive.copy()
        alive[gone] = False
        pinned = self._pin(version)
        codes = (dict(snap.modality_codes), dict(snap.source_codes), dict(snap.facet_codes))
        parts = []
        with guard("read written rows"):
            for chunk in chunks(sorted(set(paths))):
                tab = (
                    pinned.search()
                    .where(in_list("path", chunk))
                    .select(self.columns())
                    .with_row_address(True)
                    .limit(None)
                    .to_arrow()
                )
                if tab.num_rows:
                    parts.append(self._rows(tab, codes))
        buf, n = snap.buf, snap.n
        if parts:
            new = self._concat(parts)
            buf = _append(buf, n, new)
            alive = np.concatenate([alive, np.ones(new.n, bool)])
            n += new.n
        out = _Snap(
            version=version,
            n=n,
            buf=buf,
            alive=alive,
            dead=snap.dead + int(gone.sum()),
            modality_codes=codes[0],
            source_codes=codes[1],
            facet_codes=codes[2],
            pinned=pinned,
        )
        return _squeezed(out) if out.dead > COMPACT_DEAD * max(out.n, 1) else out

    def current(self) -> _Snap | None:
        """The snapshot if it is the table's current version; else None (after starting a reload
        when the table moved without the store saying how)."""
        snap, t = self._snap, self._table()
        if t is None:
            return None
        if snap is not None and snap.version == int(t.version):
            return snap
        if snap is not None and snap is self._stale_ok:
            return snap  # rows moved, content did not: answer from it while the reload runs
        # a write may be under way (it holds the writer lock): give it a moment to catch the tier up
        if not self._write.acquire(timeout=WAIT_FOR_WRITER_S):
            return None
        try:
            snap, latest = self._snap, int(t.version)
            if snap is not None and snap.version == latest:
                return snap
            loading = self._loading is not None and self._loading.is_alive()
            if not loading:
                self._snap = None  # another process wrote, or rows moved (compaction, purge)
                self.reloads += 1
        finally:
            self._write.release()
        if not loading:
            self.start()
        return None

    # -- search ---------------------------------------------------------------------------------
    def search(
        self,
        query_vec: np.ndarray | Callable[[], np.ndarray],
        *,
        limit: int,
        filters: Filters | None,
        text_query: str | None,
        candidates: int,
        exclude_ids: Iterable[str],
    ) -> list[Hit] | None:
        """Hits as `augmem.store.search.search` gives them, or None when this tier cannot answer
        (not loaded, behind the table, or a filter it does not hold: the path prefix)."""
        f = filters or Filters()
        if f.path_prefix:
            return None
        snap = self.current()
        if snap is None:
            return None
        exclude = frozenset(exclude_ids)
        fts: Future[np.ndarray | None] | None = None
        if text_query and text_query.strip():
            # full text runs beside the query's embedding and the scan (LanceDB, torch and BLAS
            # release the GIL)
            try:
                fts = self._pool.submit(
                    self._fts, snap, text_query, filters_where(filters, exclude), max(2 * limit, 20)
                )
            except RuntimeError:  # the tier was closed (replaced) while this recall ran: no full text this once
                fts = None
        try:
            q = unit(np.asarray(query_vec() if callable(query_vec) else query_vec, np.float32).ravel())
        except BaseException:
            if fts is not None:
                fts.cancel()  # the query could not be embedded: its full text is of no use
            raise
        n = max(candidates, limit)
        fetch = min(n, max(FETCH_PER_HIT * limit, FETCH_MIN)) + (16 if exclude else 0)
        pos = self._candidates(snap, q, f, fetch, shortlist=SCAN_SHORTLIST * n, cover=n)
        try:
            return self._answer(snap, q, pos, fts, limit, exclude)
        except Exception as exc:  # the snapshot's version went (a purge), or a racing write: the table answers
            log.info("resident tier of %s could not answer (%s); the store search does", self.space, exc)
            if self._snap is snap:
                self._snap = None
                self.reloads += 1
                self.start()
            return None

    def _answer(
        self,
        snap: _Snap,
        q: np.ndarray,
        pos: np.ndarray,
        fts: Future[np.ndarray | None] | None,
        limit: int,
        exclude: frozenset[str],
    ) -> list[Hit]:
        # full-text hits are row positions too, so one take brings every full vector to re-rank
        with guard("full-text search"):
            text_pos = fts.result() if fts is not None else None
        fts_memories: list[int] = []
        if text_pos is not None and len(text_pos):
            fts_memories = snap.buf.mem_hash[text_pos].tolist()
            pos = np.union1d(pos, text_pos)
        scored: list[tuple[int, int, float]] = []
        with guard("fetch candidate rows"):
            if len(pos):
                addr = snap.buf.addr[pos]
                order = np.argsort(addr)
                tab = (
                    snap.pinned.take_row_ids(addr[order].tolist())
                    .select(["_rowaddr", f"vec_{self.full}"])
                    .with_row_address(True)
                    .to_arrow()
                )
                at = {a: p for a, p in zip(addr[order].tolist(), pos[order].tolist())}
                rows_pos = [at[a] for a in tab.column("_rowaddr").to_pylist()]
                sims = (matrix(tab.column(f"vec_{self.full}"), self.full) @ q).tolist()
                scored += zip(rows_pos, snap.buf.mem_hash[rows_pos].tolist(), sims)
            from augmem.store.search import rank_scored

            top, score, best = rank_scored(scored, fts_memories, limit, set(_hashes(exclude).tolist()))
            return self._hits(snap, top, score, best)

    def _hits(
        self,
        snap: _Snap,
        top: list[int],
        score: dict[int, float],
        best: dict[int, int],
    ) -> list[Hit]:
        """Hits for the ranked memories (by memory-id hash): each from its best row, with its
        derived-text rows, as `MemoryStore.memories` builds them, from one take of the five columns
        not held here."""
        positions = sorted({*(best[m] for m in top), *snap.facet_rows(top).tolist()})
        by_pos: dict[int, dict[str, Any]] = {}
        if positions:
            addrs = snap.buf.addr[positions].tolist()
            at = dict(zip(addrs, positions))
            # only derived-text rows carry a detail: without one among them, the column is not read
            cols = list(_TAKEN) if snap.buf.derived[positions].any() else [c for c in _TAKEN if c != "detail"]
            tab = snap.pinned.take_row_ids(addrs).select(["_rowaddr", *cols]).with_row_address(True).to_arrow()
            names = {
                c: {v: k for k, v in codes.items()}
                for c, codes in (
                    ("modality", snap.modality_codes),
                    ("source", snap.source_codes),
                    ("facet", snap.facet_codes),
                )
            }
            b = snap.buf
            for r in tab.to_pylist():
                p = at[r.pop("_rowaddr")]
                r.setdefault("detail", "")
                start, end, size = b.chunk[p].tolist()
                r.update(
                    modality=names["modality"][int(b.modality[p])],
                    source=names["source"][int(b.source[p])],
                    facet=names["facet"][int(b.facet[p])],
                    captured_at=float(b.captured[p]),
                    chunk_start=start,
                    chunk_end=end,
                    size=size,
                )
                by_pos[p] = r
        facets: dict[str, list[dict[str, Any]]] = {}
        for p in snap.facet_rows(top).tolist():
            if p in by_pos:
                facets.setdefault(by_pos[p]["memory_id"], []).append(by_pos[p])
        out = []
        for m in top:
            row = by_pos.get(best[m])
            if row is not None:
                out.append(hit_from_rows(row, score[m], facets.get(row["memory_id"], ())))
        return out

    def _fts(self, snap: _Snap, text: str, where: str | None, n: int) -> np.ndarray | None:
        """Positions of the rows full-text search ranks best (BM25 order), or None without a text
        index, searched at the snapshot's version: after a compaction the snapshot answers while
        the tier reloads, and the latest version's rows have other addresses. LanceDB returns
        row ids only (`_rowid`, the row address in a table without stable row ids): fetching its
        hits' columns in the same query (the text, the path, the vectors) took 28 of its 42 ms at
        1M rows (bench/recall.py's store), and the vectors come with the candidates' take anyway."""
        from augmem.store.search import _fts, ensure_text_index

        if snap.indexed is None:  # a pinned version's indices never change: listed once per snapshot
            snap.indexed = self.store.index_columns(snap.pinned)
        if "text" not in snap.indexed:  # a version with no text index yet: build it on the table for later
            t = self._table()
            if t is not None:
                ensure_text_index(t, self.store.index_columns(t))
            return None
        tab = _fts(snap.pinned, snap.indexed, text, where, [], n, row_ids=True)
        if tab is None:
            return None
        return snap.positions(np.asarray(tab.column("_rowid").to_numpy(), np.uint64))

    def _candidates(self, snap: _Snap, q: np.ndarray, f: Filters, n: int, shortlist: int, cover: int = 0) -> np.ndarray:
        """Row positions of the best `n` rows under the filter: the scan tier over every kept row,
        its shortlist re-scored on the candidate tier when there is one; every kept row when
        there are at most `cover`."""
        b, total = snap.buf, snap.n
        keep = self._mask(snap, f)
        kept = int(keep.sum()) if keep is not None else total
        if kept == 0:
            return np.zeros(0, np.int64)
        if kept <= cover:
            return np.flatnonzero(keep) if keep is not None else np.arange(total)
        qs = unit(q[: self.scan_dims])
        idx: np.ndarray | None = None
        if keep is not None and kept < GATHER_BELOW * total:
            idx = np.flatnonzero(keep)
            scores = np.take(b.scan, idx, axis=0) @ qs  # np.take: half the time of b.scan[idx]
        else:
            scores = self._scan(b.scan[:total], qs)
            if keep is not None:
                scores[~keep] = -np.inf
        mid, scale = b.mid, b.mid_scale
        short = min(kept, max(shortlist, n) if mid is not None else n)
        top = _top(scores, short)
        pos = top if idx is None else idx[top]
        if mid is not None and scale is not None and len(pos) > n:
            qm = unit(q[: self.mid_tier])
            rescored = (np.take(mid, pos, axis=0).astype(np.float32) @ qm) * np.take(
                scale, pos
            )  # np.take: 1.1 vs 2.9 ms
            pos = pos[_top(rescored, n)]
        return np.asarray(pos, np.int64)

    def _scan(self, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
        """rows @ q; past SPLIT_SCAN_ROWS rows, in two halves on two threads (numpy releases the
        GIL in the product). The daemon runs BLAS on one thread (augmem.daemon.runtime), so the
        split is explicit; by the time the scan runs, full text (started with the query's
        embedding) is often done and the other core free."""
        n = len(rows)
        if n < SPLIT_SCAN_ROWS or CORES < 2:
            return np.asarray(rows @ q)
        out = np.empty(n, np.float32)
        half = n // 2
        try:
            other = self._scan_pool.submit(np.matmul, rows[half:], q, out=out[half:])
        except RuntimeError:  # the tier was closed (replaced) while this recall ran
            return np.asarray(rows @ q)
        np.matmul(rows[:half], q, out=out[:half])
        other.result()
        return out

    def _mask(self, snap: _Snap, f: Filters) -> np.ndarray | None:
        """Rows to scan (None: all of them: no filter and no dead rows)."""
        b, n = snap.buf, snap.n
        keep: np.ndarray | None = None if snap.dead == 0 else snap.alive

        def both(m: np.ndarray) -> np.ndarray:
            return m if keep is None else keep & m

        if f.modalities:
            keep = both(_any_of(b.modality[:n], [snap.modality_codes.get(m, -1) for m in f.modalities]))
        if f.sources:
            keep = both(_any_of(b.source[:n], [snap.source_codes.get(s, -1) for s in f.sources]))
        if f.since is not None and math.isfinite(f.since):
            keep = both(b.captured[:n] >= float(f.since))
        if f.until is not None and math.isfinite(f.until):
            keep = both(b.captured[:n] <= float(f.until))
        return keep


def _any_of(column: np.ndarray, codes: list[int]) -> np.ndarray:
    """column == any of the codes. A comparison per code: np.isin sorts its input first, 16 ms
    for 1M rows against 0.2 ms for one comparison (a filter names one or two codes)."""
    out: np.ndarray = column == codes[0]
    for c in codes[1:]:
        out |= column == c
    return out


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores (unordered)."""
    n = len(scores)
    if k >= n:
        return np.arange(n)
    if n > 64 * k:
        # a threshold from a strided sample keeps ~2k rows for the exact selection, instead of a
        # partition of every row (1M rows: ~3 ms instead of ~12 ms); if the sample misjudged and
        # fewer than k pass, the full partition below still gives the exact answer
        sample = scores[:: max(1, n // 16_384)]
        at = len(sample) - 1 - int(2 * k * len(sample) / n)
        thr = np.partition(sample, at)[at]
        cand = np.flatnonzero(scores >= thr)
        if len(cand) >= k:
            return cand[np.argpartition(-scores[cand], k - 1)[:k]]
    return np.argpartition(-scores, k - 1)[:k]


def _append(buf: _Rows, n: int, new: _Rows) -> _Rows:
    """`buf` with `new` written at rows [n, n + new.n): in place past n when there is room (readers
    of older snapshots only look below their own n), else in buffers of twice the size."""
    need = n + new.n
    if need <= buf.n:
        for dst, src in zip(buf.arrays(), new.arrays(), strict=True):
            dst[n:need] = src
        return buf
    cap = max(need, 2 * buf.n, 1024)

    def grown(old: np.ndarray | None, src: np.ndarray | None) -> np.ndarray | None:
        if old is None or src is None:
            return None
        out = np.zeros((cap, *old.shape[1:]), old.dtype)
        out[:n] = old[:n]
        out[n:need] = src
        return out

    return _Rows(
        **cast(dict[str, Any], {f.name: grown(getattr(buf, f.name), getattr(new, f.name)) for f in fields(_Rows)})
    )


def _squeezed(snap: _Snap) -> _Snap:
    """The snapshot without its dead rows (new buffers)."""
    keep = np.flatnonzero(snap.alive)
    return replace(
        snap,
        n=len(keep),
        buf=snap.buf.map(lambda a: a[keep]),
        alive=np.ones(len(keep), bool),
        dead=0,
        _facets=None,
        _by_addr=None,
    )


class Residents:
    """The resident tier of the space recall searches (one at a time: when the active space
    changes, the old one's memory is given back). Owned by a MemoryStore opened with
    `resident=True` (the daemon's)."""

    def __init__(self, store: MemoryStore):
        self.store = store
        self._tiers: dict[str, ResidentTier] = {}
        self._lock = threading.Lock()

    def tier(self, space: str, candidate_tier: int | None, scan_tier: int | None = None) -> ResidentTier | None:
        """The tier for `space` searched through `candidate_tier`, scanning the `scan_tier`
        prefix (the model's smallest trained tier; None: the smallest stored one). Created and
        loading in the background when new."""
        t = self.store.space_table(space, required=False)
        if t is None:
            return None
        tiers = self.store.tiers(space)
        full, stored = tiers[0], tiers[-1]
        scan = min(scan_tier or stored, stored)
        mid = candidate_tier if candidate_tier in tiers and scan < candidate_tier < full else None
        if mid is None and scan < stored:
            mid = stored  # a prefix scan is re-scored on the stored tier it was cut from
        name = table_name(space)
        with self._lock:
            have = self._tiers.get(name)
            if have is not None and have.key == (space, stored, scan, mid):
                return have
        rows = int(t.count_rows())
        if rows * row_bytes(scan, mid) > memory_budget():
            self.dropped(name)
            return None  # beyond what this machine's memory should hold: the table (and its ANN index) answers
        with self._lock:
            tier = ResidentTier(self.store, space, stored=stored, scan_dims=scan, mid_tier=mid, full=full)
            old, self._tiers = self._tiers, {name: tier}  # one space at a time
        for replaced in old.values():
            replaced.close()
        tier.start()
        return tier

    def search(
        self,
        space: str,
        query_vec: np.ndarray | Callable[[], np.ndarray],
        *,
        limit: int,
        filters: Filters | None,
        text_query: str | None,
        candidate_tier: int | None,
        scan_tier: int | None,
        candidates: int,
        exclude_ids: Iterable[str],
    ) -> list[Hit] | None:
        tier = self.tier(space, candidate_tier, scan_tier)
        if tier is None:
            return None
        return tier.search(
            query_vec,
            limit=limit,
            filters=filters,
            text_query=text_query,
            candidates=candidates,
            exclude_ids=exclude_ids,
        )

    def writing(
        self, name: str, paths: Collection[str] | None, commits: int = 1, *, moves_rows: bool = False
    ) -> AbstractContextManager[None]:
        """Around a store write to table `name` (see ResidentTier.writing)."""
        tier = self._tiers.get(name)
        return nullcontext() if tier is None else tier.writing(paths, commits, moves_rows=moves_rows)

    def dropped(self, name: str) -> None:
        """Table `name` was dropped: its tier goes (a table re-created under that name starts anew)."""
        with self._lock:
            tier = self._tiers.pop(name, None)
        if tier is not None:
            tier.close()

    def get(self, space: str) -> ResidentTier | None:
        return self._tiers.get(table_name(space))

    def holds(self) -> set[str]:
        """Names of the tables a resident tier serves (their ANN index would go unused)."""
        return set(self._tiers)

    def info(self) -> ResidentInfo | None:
        """What status shows of the tier in use (None: none yet)."""
        tier = next(iter(self._tiers.values()), None)
        if tier is None:
            return None
        loading = tier._loading is not None and tier._loading.is_alive()
        t = tier._table()
        current = t is not None and tier.version == int(t.version)
        state = "ready" if current else "loading" if loading and tier.reloads == 0 else "behind"
        return ResidentInfo(
            space=tier.space,
            state=state,
            rows=tier.rows,
            bytes=tier.nbytes,
            load_seconds=None if tier.load_seconds is None else round(tier.load_seconds, 2),
            reloads=tier.reloads,
        )
