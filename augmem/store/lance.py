"""LanceDB memory store: the one module that knows the table layout (one table per embedding space)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator

import numpy as np

from augmem.errors import StoreError
from augmem.records import Filters, Hit, Memory

SOURCES = "sources"
PURGE_QUEUE = "purge_queue"
RRF_K = 60
_HIT_COLS = ["id", "modality", "source", "path", "captured_at", "text", "chunk_start", "chunk_end", "size"]
_SOURCE_COLS = {"path": "", "source": "", "modality": "", "size": 0, "mtime": 0.0, "content_sha256": "",
                "status": "pending", "reason": "", "captured_at": 0.0, "updated_at": 0.0}
_COUNTABLE = {"modality", "source", "path", "content_sha256"}
_BATCH = 500  # values per IN (...) list: keeps SQL predicates a sane size


def table_name(space: str) -> str:
    """Table name for a space id "model:<sha256>": mem_<model slug>_<first 12 hex of the hash>."""
    m = re.fullmatch(r"(.+):([0-9a-fA-F]{12,})", space)
    model, digest = (m.group(1), m.group(2).lower()) if m else (space, hashlib.sha256(space.encode()).hexdigest())
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:48] or "space"
    return f"mem_{slug}_{digest[:12]}"


def _lit(value: str) -> str:
    """SQL string literal: single quotes doubled (DataFusion treats backslashes literally)."""
    return "'" + str(value).replace("'", "''") + "'"


def _in(column: str, values: Iterable[str]) -> str:
    """`column IN ('a', 'b')` with escaped literals."""
    return f"{column} IN ({', '.join(_lit(v) for v in values)})"


def _chunks(values: Iterable[Any], n: int = _BATCH) -> Iterator[list]:
    """Split values into lists of at most n."""
    values = list(values)
    for i in range(0, len(values), n):
        yield values[i : i + n]


def filters_where(filters: Filters | None, exclude_ids: Iterable[str] = ()) -> str | None:
    """SQL predicate for recall filters (empty lists mean no constraint; since/until inclusive)."""
    parts = []
    f = filters or Filters()
    if f.modalities:
        parts.append(_in("modality", f.modalities))
    if f.sources:
        parts.append(_in("source", f.sources))
    if f.since is not None and math.isfinite(f.since):
        parts.append(f"captured_at >= {float(f.since)!r}")
    if f.until is not None and math.isfinite(f.until):
        parts.append(f"captured_at <= {float(f.until)!r}")
    if f.path_prefix:
        # starts_with, not LIKE: paths may contain % and _ which LIKE would treat as wildcards
        parts.append(f"starts_with(path, {_lit(f.path_prefix)})")
    exclude = list(exclude_ids)
    if exclude:
        parts.append(f"NOT ({_in('id', exclude)})")
    return " AND ".join(f"({p})" for p in parts) or None


@contextmanager
def _guard(what: str, hint: str | None = None) -> Iterator[None]:
    """Turn LanceDB/Arrow failures into StoreError with a human message."""
    try:
        yield
    except StoreError:
        raise
    except Exception as e:  # lancedb raises ValueError/RuntimeError/OSError/pyo3 panics alike
        raise StoreError(f"store: could not {what}: {e}", hint) from e


def _pa():
    """pyarrow, imported on first use so importing augmem.store stays cheap."""
    import pyarrow

    return pyarrow


def _mem_schema(space: str, tiers: list[int]):
    """Arrow schema of a space table; the space id and tiers live in the schema metadata."""
    pa = _pa()
    s, i, f = pa.string(), pa.int64(), pa.float64()
    cols = [("id", s), ("modality", s), ("source", s), ("path", s), ("content_sha256", s), ("size", i),
            ("mtime", f), ("captured_at", f), ("text", s), ("chunk_start", i), ("chunk_end", i), ("space", s)]
    cols += [(f"vec_{k}", pa.list_(pa.float32(), k)) for k in tiers]
    meta = {b"augmem.space": space.encode(), b"augmem.tiers": json.dumps(tiers).encode(), b"augmem.layout": b"1"}
    return pa.schema(cols, metadata=meta)


def _sources_schema():
    """Arrow schema of the sources ledger."""
    pa = _pa()
    types = {str: pa.string(), int: pa.int64(), float: pa.float64()}
    return pa.schema([(k, types[type(v)]) for k, v in _SOURCE_COLS.items()])


def _matrix(column, dim: int) -> np.ndarray:
    """FixedSizeList<float32> column -> (n, dim) float32 array."""
    arr = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    return np.asarray(arr.flatten().to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)


def _unit(v: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n == 0, 1, n)


def _hit(row: dict, score: float) -> Hit:
    """Hit from a row dict."""
    return Hit(id=row["id"], modality=row["modality"], source=row["source"], path=row["path"], score=float(score),
               captured_at=row["captured_at"], text=row["text"] or "", chunk_start=row["chunk_start"],
               chunk_end=row["chunk_end"], size=row["size"])


class MemoryStore:
    """Memories in LanceDB: one table per embedding space, a sources ledger, tiered vector search."""

    def __init__(self, uri: str, *, read_consistency: timedelta | None = timedelta(0),
                 cleanup_older_than: timedelta = timedelta(minutes=10)):
        self.uri = str(uri)
        # 0 = every read checks for a newer version, so the CLI sees rows the daemon just wrote
        self._read_consistency = read_consistency
        # optimize() drops versions older than this: long enough for any read in flight, short enough
        # that compaction does not keep a second copy of a large store around for long
        self._cleanup_older_than = cleanup_older_than
        self._db = None
        self._tables: dict[str, Any] = {}
        self._tiers: dict[str, list[int]] = {}

    # ---- connection and tables -------------------------------------------------------------
    @property
    def is_local(self) -> bool:
        """True when the uri is a local folder, not object storage."""
        return "://" not in self.uri or self.uri.startswith("file://")

    @property
    def db(self):
        """The lancedb connection, opened on first use."""
        if self._db is None:
            with _guard(f"open the store at {self.uri}", "check the store path or object-storage credentials"):
                # opt in to lance's coming default now: index stats without centroids (and no warning on stderr)
                os.environ.setdefault("LANCE_INCLUDE_VECTOR_CENTROIDS", "false")
                import lancedb

                if self.is_local:
                    os.makedirs(self.uri.removeprefix("file://"), exist_ok=True)
                self._db = lancedb.connect(self.uri, read_consistency_interval=self._read_consistency)
        return self._db

    def _names(self) -> list[str]:
        """All table names (paginated listing)."""
        names, token = [], None
        with _guard("list tables"):
            while True:
                resp = self.db.list_tables(page_token=token)
                names += list(resp.tables)
                token = resp.page_token
                if not token:
                    return names

    def _mem_names(self) -> list[str]:
        """Names of the per-space tables."""
        return [n for n in self._names() if n.startswith("mem_")]

    def _open(self, name: str):
        """Open table `name` (cached handle) or None when it does not exist.

        A table another thread or process is creating or dropping right now is listed (its
        folder exists) before it has a first version or after it lost its last one; lance
        then says "not found", and to a reader such a table holds nothing: None as well."""
        t = self._tables.get(name)
        if t is None:
            try:
                t = self.db.open_table(name)
            except Exception as e:
                if "was not found" in str(e) or name not in self._names():
                    return None
                raise StoreError(f"store: could not open table {name}: {e}") from e
            self._tables[name] = t
        return t

    def _space_table(self, space: str, required: bool = True):
        """The table of `space` after checking its metadata names that space."""
        name = table_name(space)
        t = self._open(name)
        if t is None:
            if required:
                raise StoreError(f"store: no memories in space {space}", "ingest something with this model first")
            return None
        if name not in self._tiers:
            meta = t.schema.metadata or {}
            stored = meta.get(b"augmem.space", b"").decode()
            if stored != space:
                raise StoreError(f"store: table {name} belongs to space {stored!r}, not {space!r}")
            self._tiers[name] = json.loads(meta[b"augmem.tiers"])
        return t

    def _table_or_create(self, name: str, schema):
        """Open a table, creating it with `schema` when missing (races with other processes are fine)."""
        t = self._open(name)
        if t is None:
            with _guard(f"create table {name}"):
                t = self.db.create_table(name, schema=schema, exist_ok=True)
            self._tables[name] = t
        return t

    def ensure_space(self, space: str, tiers: list[int]) -> None:
        """Create the table of `space` with one vector column per tier (no-op when it exists)."""
        want = sorted({int(k) for k in tiers}, reverse=True)
        if not want or want[-1] <= 0:
            raise StoreError(f"store: invalid tiers {tiers!r} for space {space}")
        t = self._space_table(space, required=False)
        if t is None:
            from lancedb.index import FTS

            t = self._table_or_create(table_name(space), _mem_schema(space, want))
            # an FTS index on an empty table is valid and later rows are searched until optimize folds them in
            with _guard("create the full-text index"):
                if not self._index_columns(t).get("text"):
                    t.create_index("text", config=FTS(), replace=False)
            self._space_table(space)
        missing = set(want) - set(self.tiers(space))
        if missing:
            raise StoreError(f"store: space {space} was created with tiers {self.tiers(space)}, not {want}",
                             "drop the space (it will be re-embedded) to change its tiers")

    def tiers(self, space: str) -> list[int]:
        """The tiers of `space`, largest (the full vector) first."""
        self._space_table(space)
        return list(self._tiers[table_name(space)])

    def spaces(self) -> list[str]:
        """Space ids that have a table in the store."""
        out = []
        for name in self._mem_names():
            t = self._open(name)
            meta = (t.schema.metadata or {}) if t is not None else {}
            if b"augmem.space" in meta:
                out.append(meta[b"augmem.space"].decode())
        return sorted(out)

    def drop_space(self, space: str) -> None:
        """Delete the table of `space` and everything in it."""
        name = table_name(space)
        self._tables.pop(name, None)
        self._tiers.pop(name, None)
        if name in self._names():
            with _guard(f"drop table {name}"):
                self.db.drop_table(name)

    # ---- writing memories ------------------------------------------------------------------
    def _arrow(self, space: str, tiers: list[int], memories: list[Memory]):
        """Arrow table of memories (last one wins per id); smaller tiers derived from the full vector if absent."""
        pa = _pa()
        mems = list({m.id: m for m in memories}.values())
        full = tiers[0]
        cols: dict[str, Any] = {c: [getattr(m, c) for m in mems] for c in
                                ("id", "modality", "source", "path", "content_sha256", "size", "mtime",
                                 "captured_at", "text", "chunk_start", "chunk_end")}
        cols["space"] = [space] * len(mems)
        for k in tiers:
            rows = []
            for m in mems:
                v = m.vectors.get(k)
                if v is None and full in m.vectors:
                    v = _unit(np.asarray(m.vectors[full], dtype=np.float32)[:k])  # Matryoshka prefix
                if v is None:
                    raise StoreError(f"store: memory {m.id} ({m.path}) has no {full}-dim vector")
                rows.append(np.asarray(v, dtype=np.float32).ravel())
                if rows[-1].shape != (k,) or not np.isfinite(rows[-1]).all():
                    raise StoreError(f"store: memory {m.id} ({m.path}) has a bad tier-{k} vector "
                                     f"({rows[-1].shape[0]} values, or NaN/inf)")
            mat = np.stack(rows)
            cols[f"vec_{k}"] = pa.FixedSizeListArray.from_arrays(pa.array(mat.ravel()), k)
        with _guard("encode memories", "a path or text that is not valid UTF-8 cannot be stored"):
            return pa.table(cols, schema=_mem_schema(space, tiers))

    def _prepare(self, space: str, memories: list[Memory]):
        """Table and arrow data for a write, creating the space from the vectors' tiers if needed."""
        if self._space_table(space, required=False) is None:
            tiers = sorted({int(k) for m in memories for k in m.vectors}, reverse=True)
            self.ensure_space(space, tiers)
        return self._space_table(space), self._arrow(space, self.tiers(space), memories)

    def upsert(self, space: str, memories: list[Memory]) -> int:
        """Insert or update memories by id (idempotent); returns how many were written."""
        if not memories:
            return 0
        t, data = self._prepare(space, memories)
        with _guard(f"write {data.num_rows} memories"):
            t.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(data)
        return data.num_rows

    def replace_path(self, space: str, path: str, memories: list[Memory]) -> int:
        """Make `memories` the only rows of `path` in `space`, in one commit (stale chunks vanish)."""
        if any(m.path != path for m in memories):
            raise StoreError(f"store: replace_path({path!r}) got memories of another path")
        if not memories:
            t = self._space_table(space, required=False)
            if t is not None:
                with _guard(f"delete rows of {path}"):
                    t.delete(f"path = {_lit(path)}")
            return 0
        t, data = self._prepare(space, memories)
        with _guard(f"replace the rows of {path}"):
            (t.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
             .when_not_matched_by_source_delete(f"path = {_lit(path)}").execute(data))
        return data.num_rows

    def replace_paths(self, space: str, memories: list[Memory]) -> int:
        """`replace_path` for many paths at once: one commit for a whole ingest batch."""
        paths = sorted({m.path for m in memories})
        if not paths:
            return 0
        t, data = self._prepare(space, memories)
        with _guard(f"replace the rows of {len(paths)} files"):
            (t.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
             .when_not_matched_by_source_delete(_in("path", paths)).execute(data))
        return data.num_rows

    def _delete_where(self, name: str, where: str) -> int:
        """Delete matching rows of one table, queueing their fragments for purge; returns the count."""
        t = self._open(name)
        if t is None:
            return 0
        with _guard(f"delete from {name}"):
            rows = t.search().where(where).with_row_address(True).select(["_rowaddr"]).limit(None).to_arrow()
            if rows.num_rows == 0:
                return 0
            frags = sorted({a >> 32 for a in rows.column("_rowaddr").to_pylist()})
            t.delete(where)
            # lance only soft-deletes; remember the fragments so purge() can rewrite them
            q = self._table_or_create(PURGE_QUEUE, _pa().schema([("tbl", _pa().string()), ("fragment", _pa().int64())]))
            q.add(_pa().table({"tbl": [name] * len(frags), "fragment": frags}))
        return rows.num_rows

    def delete(self, space: str | None = None, ids: Iterable[str] | None = None,
               paths: Iterable[str] | None = None) -> int:
        """Delete memories by id and/or path from one space (or all); paths leave the sources ledger too."""
        ids, paths = list(ids or ()), list(paths or ())
        names = [table_name(space)] if space else self._mem_names()
        total = 0
        for name in names:
            for chunk in _chunks(ids):
                total += self._delete_where(name, _in("id", chunk))
            for chunk in _chunks(paths):
                total += self._delete_where(name, _in("path", chunk))
        if paths:
            self.delete_sources(paths)
        return total

    # ---- sources ledger --------------------------------------------------------------------
    def _sources(self):
        """The sources ledger table (created on first use)."""
        return self._table_or_create(SOURCES, _sources_schema())

    def upsert_sources(self, rows: list[dict]) -> None:
        """Insert or update ledger rows by path; missing keys keep their stored (or default) value."""
        if not rows:
            return
        merged = {r["path"]: r for r in rows}
        known = self.get_sources(list(merged))
        now = time.time()
        full = [{**_SOURCE_COLS, **known.get(p, {}), **r, **({} if "updated_at" in r else {"updated_at": now})}
                for p, r in merged.items()]
        with _guard("update the sources ledger"):
            data = _pa().Table.from_pylist(full, schema=_sources_schema())
            self._sources().merge_insert("path").when_matched_update_all().when_not_matched_insert_all().execute(data)

    def _scan(self, t, columns: list[str], where: str | None = None):
        """Selected columns of every row matching `where`."""
        q = t.search().select(columns).limit(None)
        if where:
            q = q.where(where)
        with _guard("read the store"):
            return q.to_arrow()

    def get_sources(self, paths: list[str] | None = None) -> dict[str, dict]:
        """Ledger rows keyed by path (all of them when paths is None)."""
        t = self._open(SOURCES)
        if t is None:
            return {}
        wheres = [None] if paths is None else [_in("path", c) for c in _chunks(paths)]
        return {r["path"]: r for w in wheres for r in self._scan(t, list(_SOURCE_COLS), w).to_pylist()}

    def delete_sources(self, paths: Iterable[str]) -> int:
        """Remove ledger rows; returns how many were removed."""
        if self._open(SOURCES) is None:
            return 0
        return sum(self._delete_where(SOURCES, _in("path", c)) for c in _chunks(paths))

    def versions(self, space: str) -> tuple[int, int]:
        """(sources ledger version, space table version): changes whenever either is written,
        so callers can cache what they derive from both."""
        out = []
        for t in (self._open(SOURCES), self._space_table(space, required=False)):
            with _guard("read table version"):
                out.append(-1 if t is None else t.version)
        return out[0], out[1]

    def pending_sources(self) -> list[dict]:
        """Ledger rows with status 'pending'."""
        t = self._open(SOURCES)
        return [] if t is None else self._scan(t, list(_SOURCE_COLS), "status = 'pending'").to_pylist()

    # ---- reading ---------------------------------------------------------------------------
    def get_vectors(self, space: str, ids: list[str]) -> dict[str, np.ndarray]:
        """Full-tier vectors by id (query by example)."""
        t = self._space_table(space, required=False)
        if t is None or not ids:
            return {}
        full = self.tiers(space)[0]
        out = {}
        for chunk in _chunks(ids):
            tab = self._scan(t, ["id", f"vec_{full}"], _in("id", chunk))
            out.update(zip(tab.column("id").to_pylist(), _matrix(tab.column(f"vec_{full}"), full)))
        return out

    def get(self, space: str, id: str) -> Hit | None:
        """One memory as a Hit (score 1.0), or None."""
        t = self._space_table(space, required=False)
        rows = [] if t is None else self._scan(t, _HIT_COLS, f"id = {_lit(id)}").to_pylist()
        return _hit(rows[0], 1.0) if rows else None

    def count(self, space: str | None = None, by: str = "modality") -> dict[str, int]:
        """Row counts grouped by a column (modality, source, ...) in one space or all."""
        if by not in _COUNTABLE:
            raise StoreError(f"store: cannot count by {by!r}; choose one of {sorted(_COUNTABLE)}")
        names = [table_name(space)] if space else self._mem_names()
        total: Counter = Counter()
        for name in names:
            t = self._open(name)
            if t is not None:
                total.update(self._scan(t, [by]).column(by).to_pylist())
        return dict(total)

    def ids_for_paths(self, space: str, paths: list[str]) -> dict[str, list[str]]:
        """Ids of each path's rows in `space`, in chunk order."""
        t = self._space_table(space, required=False)
        out: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for chunk in _chunks(paths if t is not None else []):
            for r in self._scan(t, ["id", "path", "chunk_start"], _in("path", chunk)).to_pylist():
                out[r["path"]].append((r["chunk_start"], r["id"]))
        return {p: [i for _, i in sorted(v)] for p, v in out.items()}

    def paths_in_space(self, space: str) -> dict[str, str]:
        """path -> content_sha256 of every source with rows in `space` (migration bookkeeping)."""
        t = self._space_table(space, required=False)
        if t is None:
            return {}
        tab = self._scan(t, ["path", "content_sha256"])
        return dict(zip(tab.column("path").to_pylist(), tab.column("content_sha256").to_pylist()))

    def timeline(self, space: str, filters: Filters | None = None) -> list[tuple[str, dict[str, int]]]:
        """Per local day ('YYYY-MM-DD'): memory counts by modality, newest day first."""
        t = self._space_table(space, required=False)
        if t is None:
            return []
        tab = self._scan(t, ["captured_at", "modality"], filters_where(filters))
        ts = np.asarray(tab.column("captured_at").to_numpy(zero_copy_only=False), dtype=np.float64)
        hours = np.floor(ts / 3600).astype(np.int64)
        # the UTC offset is constant within an hour, so look it up once per distinct hour (DST-correct)
        uniq, inv = np.unique(hours, return_inverse=True)
        offs = np.array([datetime.fromtimestamp(h * 3600).astimezone().utcoffset().total_seconds() for h in uniq])
        days = np.floor((ts + offs[inv] if len(ts) else ts) / 86400).astype(np.int64)
        counts: dict[int, Counter] = defaultdict(Counter)
        for d, m in zip(days.tolist(), tab.column("modality").to_pylist()):
            counts[d][m] += 1
        epoch = datetime(1970, 1, 1)
        return [((epoch + timedelta(days=d)).strftime("%Y-%m-%d"), dict(c)) for d, c in sorted(counts.items(), reverse=True)]

    def browse(self, space: str, filters: Filters | None = None, limit: int = 50) -> list[Hit]:
        """Memories matching `filters`, newest first, without a query (score 0)."""
        t = self._space_table(space, required=False)
        if t is None or limit <= 0:
            return []
        rows = self._scan(t, _HIT_COLS, filters_where(filters)).to_pylist()
        rows.sort(key=lambda r: (-r["captured_at"], r["path"], r["chunk_start"]))
        return [_hit(r, 0.0) for r in rows[:limit]]

    def size_bytes(self) -> int | None:
        """Bytes used under a local store folder; None for object storage."""
        if not self.is_local:
            return None
        total = 0
        for root, _, files in os.walk(self.uri.removeprefix("file://")):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except OSError:  # a file removed by a concurrent cleanup
                    pass
        return total

    # ---- search ----------------------------------------------------------------------------
    def _index_columns(self, t) -> dict[str, str]:
        """column -> index type of a table's indices."""
        with _guard("list indices"):
            return {i.columns[0]: str(i.index_type) for i in t.list_indices() if i.columns}

    def search(self, space: str, query_vec: np.ndarray, *, limit: int = 10, filters: Filters | None = None,
               text_query: str | None = None, candidate_tier: int | None = None, candidates: int = 200,
               exclude_ids: Iterable[str] = ()) -> list[Hit]:
        """Two-stage tiered vector search (+ optional FTS fused by RRF); Hit.score = full-vector cosine."""
        t = self._space_table(space, required=False)
        if t is None or limit <= 0:
            return []
        tiers = self.tiers(space)
        full = tiers[0]
        q = np.asarray(query_vec, dtype=np.float32).ravel()
        if q.shape[0] != full or not np.isfinite(q).all():
            raise StoreError(f"store: query vector has {q.shape[0]} dims, space {space} expects {full}")
        q = _unit(q)
        k = candidate_tier or full
        if k not in tiers:
            raise StoreError(f"store: space {space} has no tier {k}; it has {tiers}")
        where = filters_where(filters, exclude_ids)
        indexed = self._index_columns(t)
        n = limit if k == full and not text_query else max(candidates, limit)
        # many candidates carry only id, row id and full vector; display columns are then fetched for the
        # final `limit` rows alone (reading text/path of hundreds of candidates costs more than the search)
        cols = ["id", "_rowid", f"vec_{full}"] + (_HIT_COLS[1:] if n <= 2 * limit else [])
        vq = t.search(_unit(q[:k]), vector_column_name=f"vec_{k}").distance_type("cosine").with_row_id(True)
        vq = vq.limit(n).select(cols + ["_distance"])
        kind = indexed.get(f"vec_{k}", "")
        if kind:
            parts = _num_partitions(t.count_rows())
            # a floor of probes for recall; no ceiling, so a narrow filter may probe on until it fills `n`
            if "Hnsw" in kind:
                vq = vq.minimum_nprobes(max(4, math.ceil(parts / 32))).maximum_nprobes(0).ef(max(2 * n, 100))
            else:
                vq = vq.minimum_nprobes(max(20, math.ceil(parts / 10))).maximum_nprobes(0).refine_factor(5)
        if where:
            vq = vq.where(where, prefilter=True)
        with _guard("search vectors"):
            pools = [vq.to_arrow()]
        fts_ids: list[str] = []
        if text_query and text_query.strip():
            fts = self._fts(t, indexed, text_query, where, cols, max(2 * limit, 20))
            if fts is not None:
                pools.append(fts)
                fts_ids = fts.column("id").to_pylist()
        scores: dict[str, float] = {}
        rowids: dict[str, int] = {}
        rows: dict[str, dict] = {}
        for tab in pools:
            if tab.num_rows:
                sims = _matrix(tab.column(f"vec_{full}"), full) @ q
                scores.update(zip(tab.column("id").to_pylist(), sims.tolist()))
                rowids.update(zip(tab.column("id").to_pylist(), tab.column("_rowid").to_pylist()))
                if "path" in tab.column_names:
                    rows.update((r["id"], r) for r in tab.select(_HIT_COLS).to_pylist())
        order = sorted(scores, key=lambda i: -scores[i])
        if fts_ids:
            # RRF decides the order only; the displayed score stays the exact cosine
            text_rank = {i: r for r, i in enumerate(dict.fromkeys(fts_ids), 1)}
            fused = {i: 1 / (RRF_K + r) + (1 / (RRF_K + text_rank[i]) if i in text_rank else 0)
                     for r, i in enumerate(order, 1)}
            order = sorted(order, key=lambda i: (-fused[i], -scores[i]))
        top = order[:limit]
        need = [i for i in top if i not in rows]
        rows.update(self._rows_by_rowid(t, [rowids[i] for i in need], need))
        return [_hit(rows[i], scores[i]) for i in top if i in rows]

    def _rows_by_rowid(self, t, rowids: list[int], ids: list[str]) -> dict[str, dict]:
        """Display columns of rows by row id; by id for any a concurrent compaction moved meanwhile."""
        with _guard("read search results"):
            taken = t.take_row_ids(rowids).select(_HIT_COLS).to_arrow().to_pylist() if rowids else []
            rows = {r["id"]: r for r in taken}
            missing = [i for i in ids if i not in rows]
            for chunk in _chunks(missing):
                rows.update((r["id"], r) for r in self._scan(t, _HIT_COLS, _in("id", chunk)).to_pylist())
        return rows

    def _fts(self, t, indexed: dict, text: str, where: str | None, cols: list[str], n: int):
        """Full-text hits (ranked by BM25) or None when there is no usable text index."""
        from lancedb.index import FTS
        from lancedb.query import MatchQuery

        try:
            if "text" not in indexed:
                if t.count_rows("text <> ''") == 0:
                    return None
                t.create_index("text", config=FTS(), replace=False)
            q = t.search(MatchQuery(text, "text"), query_type="fts").limit(n).select(cols + ["_score"])
            return (q.where(where, prefilter=True) if where else q).to_arrow()
        except Exception:  # a read-only store or a racing index build: fall back to vector ranking only
            return None

    # ---- upkeep ----------------------------------------------------------------------------
    def optimize(self, space: str | None = None, ann_threshold: int = 50_000, *, ann_tier: int | None = None,
                 ann_type: str = "IVF_HNSW_SQ") -> dict[str, list[str]]:
        """Build missing indices (ANN past ann_threshold rows), fold new rows into them, compact; returns actions."""
        from augmem.store import upkeep

        return upkeep.optimize(self, space, ann_threshold, ann_tier=ann_tier, ann_type=ann_type)

    def purge(self, *, delete_unverified: bool = False) -> None:
        """Make deleted memories unrecoverable: rewrite touched fragments, rebuild FTS, drop old versions."""
        from augmem.store import upkeep

        upkeep.purge(self, delete_unverified=delete_unverified)

    def has_ann_index(self, space: str, tier: int | None = None) -> bool:
        """True when a vector index covers the tier's column (any tier when None)."""
        from augmem.store import upkeep

        return upkeep.has_ann_index(self, space, tier)

    def drop_ann_index(self, space: str, tier: int | None = None) -> None:
        """Drop the vector index of a tier (every tier when None); the next optimize() builds it anew."""
        from augmem.store import upkeep

        upkeep.drop_ann_index(self, space, tier)


def _num_partitions(n: int) -> int:
    """IVF partitions for n rows: ~sqrt(n), but at least 256 training rows per partition."""
    return max(1, min(int(math.sqrt(n)), n // 256))
