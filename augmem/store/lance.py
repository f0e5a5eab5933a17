"""LanceDB memory store: the one module that knows the table layout (one table per embedding space)."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from augmem.errors import StoreError
from augmem.private import private_dir, protect_process
from augmem.records import DERIVED_FACETS, LIVE_STATUSES, DerivedText, Filters, Hit, Memory, SourceRow
from augmem.store.schema import (
    DERIVED_COLS,
    HIT_COLS,
    SOURCE_COLS,
    ArrowTable,
    Table,
    arrow,
    derived_schema,
    hit_from_rows,
    matrix,
    mem_schema,
    sources_schema,
    unit,
)
from augmem.store.sql import DERIVED, PURGE_QUEUE, SOURCES, chunks, filters_where, guard, in_list, lit, table_name

_COUNTABLE = {"modality", "source", "path", "content_sha256"}


class MemoryStore:
    """Memories in LanceDB: one table per embedding space, a sources ledger, tiered vector search."""

    def __init__(
        self,
        uri: str,
        *,
        read_consistency: timedelta | None = timedelta(0),
        cleanup_older_than: timedelta = timedelta(minutes=10),
        storage_options: dict[str, Any] | None = None,
        resident: bool = False,
    ):
        self.uri = str(uri)
        # object storage: the config's [store_options] + AWS_* fallbacks (augmem.store.objectstore)
        self.storage_options = dict(storage_options or {})
        # 0 = every read checks for a newer version, so the CLI sees rows the daemon just wrote
        self._read_consistency = read_consistency
        # optimize() drops versions older than this: long enough for any read in flight, short enough
        # that compaction does not keep a second copy of a large store around for long
        self.cleanup_older_than = cleanup_older_than
        self._db = None
        self._tables: dict[str, Any] = {}
        self._tiers: dict[str, list[int]] = {}
        from augmem.store.resident import Residents

        self.resident = Residents(self) if resident else None
        """With `resident`, recall's vector tiers are kept in memory (augmem.store.resident): for a
        process that answers many recalls (the daemon)."""

    # ---- connection and tables -------------------------------------------------------------
    @property
    def is_local(self) -> bool:
        """True when the uri is a local folder, not object storage."""
        return "://" not in self.uri or self.uri.startswith("file://")

    @property
    def db(self) -> Any:
        """The lancedb connection, opened on first use."""
        if self._db is None:
            with guard(f"open the store at {self.uri}", "check the store path or object-storage credentials"):
                # opt in to lance's coming default now: index stats without centroids (and no warning on stderr)
                os.environ.setdefault("LANCE_INCLUDE_VECTOR_CENTROIDS", "false")
                import lancedb

                if self.is_local:
                    protect_process()  # lance writes its files with the process umask: owner-only
                    private_dir(self.uri.removeprefix("file://"))
                    self._db = lancedb.connect(self.uri, read_consistency_interval=self._read_consistency)
                else:
                    from augmem.store import objectstore

                    options = objectstore.resolve_options(self.uri, self.storage_options)
                    self._db = objectstore.connect(self.uri, options, self._read_consistency)
        return self._db

    def _names(self) -> list[str]:
        """All table names (paginated listing)."""
        names, token = [], None
        with guard("list tables"):
            while True:
                resp = self.db.list_tables(page_token=token)
                names += list(resp.tables)
                token = resp.page_token
                if not token:
                    return names

    def mem_tables(self) -> list[str]:
        """Names of the per-space tables."""
        return [n for n in self._names() if n.startswith("mem_")]

    def open_table(self, name: str) -> Table | None:
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
            if name.startswith("mem_") and "facet" not in t.schema.names:
                self._upgrade_layout_1(t)  # every reader and writer sees layout 2, whatever it asks first
            self._tables[name] = t
        return t

    def space_table(self, space: str, required: bool = True) -> Table | None:
        """The table of `space` after checking its metadata names that space."""
        name = table_name(space)
        t = self.open_table(name)
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

    def _upgrade_layout_1(self, t: Table) -> None:
        """Layout 1 (before derived-text facets) -> 2, in place, the first time this version of
        augmem opens the table: every row was its memory's own facet. Nothing is re-embedded.
        (A read-only store cannot be upgraded: open it once with write access.)"""
        with guard(f"upgrade table {t.name} to layout 2", "open the store once with write access"):
            if "facet" not in t.schema.names:
                t.add_columns({"memory_id": "id", "facet": "modality", "detail": "CAST('' AS STRING)"})
            nullable = [
                {"path": c, "nullable": True}
                for c in ("memory_id", "facet", "detail")
                if not t.schema.field(c).nullable
            ]
            if nullable:
                t.alter_columns(*nullable)

    def _table_or_create(self, name: str, schema: Any) -> Table:
        """Open a table, creating it with `schema` when missing (races with other processes are fine)."""
        t = self.open_table(name)
        if t is None:
            with guard(f"create table {name}"):
                t = self.db.create_table(name, schema=schema, exist_ok=True)
            self._tables[name] = t
        return t

    def ensure_space(self, space: str, tiers: list[int]) -> None:
        """Create the table of `space` with one vector column per tier (no-op when it exists)."""
        want = sorted({int(k) for k in tiers}, reverse=True)
        if not want or want[-1] <= 0:
            raise StoreError(f"store: invalid tiers {tiers!r} for space {space}")
        t = self.space_table(space, required=False)
        if t is None:
            from lancedb.index import FTS

            t = self._table_or_create(table_name(space), mem_schema(space, want))
            # an FTS index on an empty table is valid and later rows are searched until optimize folds them in
            with guard("create the full-text index"):
                if not self.index_columns(t).get("text"):
                    t.create_index("text", config=FTS(), replace=False)
            self.space_table(space)
        missing = set(want) - set(self.tiers(space))
        if missing:
            raise StoreError(
                f"store: space {space} was created with tiers {self.tiers(space)}, not {want}",
                "drop the space (it will be re-embedded) to change its tiers",
            )

    def tiers(self, space: str) -> list[int]:
        """The tiers of `space`, largest (the full vector) first."""
        self.space_table(space)
        return list(self._tiers[table_name(space)])

    def spaces(self) -> list[str]:
        """Space ids that have a table in the store."""
        out = []
        for name in self.mem_tables():
            t = self.open_table(name)
            meta = (t.schema.metadata or {}) if t is not None else {}
            if b"augmem.space" in meta:
                out.append(meta[b"augmem.space"].decode())
        return sorted(out)

    def drop_space(self, space: str) -> None:
        """Delete the table of `space` and everything in it."""
        name = table_name(space)
        self._tables.pop(name, None)
        self._tiers.pop(name, None)
        if self.resident is not None:
            self.resident.dropped(name)
        if name in self._names():
            with guard(f"drop table {name}"):
                self.db.drop_table(name)

    # ---- writing memories ------------------------------------------------------------------
    def _arrow(self, space: str, tiers: list[int], memories: list[Memory]) -> ArrowTable:
        """Arrow table of memories (last one wins per id); smaller tiers derived from the full vector if absent."""
        pa = arrow()
        mems = list({m.id: m for m in memories}.values())
        full = tiers[0]
        cols: dict[str, Any] = {
            c: [getattr(m, c) for m in mems]
            for c in (
                "id",
                "modality",
                "source",
                "path",
                "content_sha256",
                "size",
                "mtime",
                "captured_at",
                "text",
                "chunk_start",
                "chunk_end",
                "memory_id",
                "facet",
                "detail",
            )
        }
        cols["space"] = [space] * len(mems)
        for k in tiers:
            rows = []
            for m in mems:
                v = m.vectors.get(k)
                if v is None and full in m.vectors:
                    v = unit(np.asarray(m.vectors[full], dtype=np.float32)[:k]).tolist()  # Matryoshka prefix
                if v is None:
                    raise StoreError(f"store: memory {m.id} ({m.path}) has no {full}-dim vector")
                rows.append(np.asarray(v, dtype=np.float32).ravel())
                if rows[-1].shape != (k,) or not np.isfinite(rows[-1]).all():
                    raise StoreError(
                        f"store: memory {m.id} ({m.path}) has a bad tier-{k} vector "
                        f"({rows[-1].shape[0]} values, or NaN/inf)"
                    )
            mat = np.stack(rows)
            cols[f"vec_{k}"] = pa.FixedSizeListArray.from_arrays(pa.array(mat.ravel()), k)
        with guard("encode memories", "a path or text that is not valid UTF-8 cannot be stored"):
            return pa.table(cols, schema=mem_schema(space, tiers))

    def _prepare(self, space: str, memories: list[Memory]) -> tuple[Table, ArrowTable]:
        """Table and arrow data for a write, creating the space from the vectors' tiers if needed."""
        if self.space_table(space, required=False) is None:
            tiers = sorted({int(k) for m in memories for k in m.vectors}, reverse=True)
            self.ensure_space(space, tiers)
        return self.space_table(space), self._arrow(space, self.tiers(space), memories)

    def replace_paths(self, space: str, memories: list[Memory]) -> int:
        """Make `memories` the only rows of their paths in `space`, in one commit (stale chunks vanish)."""
        paths = sorted({m.path for m in memories})
        if not paths:
            return 0
        return self._replace(space, memories, in_list("path", paths), f"the rows of {len(paths)} files", paths)

    def replace_facets(self, space: str, paths: Sequence[str], memories: list[Memory]) -> int:
        """Make `memories` the only derived-text rows (transcript, OCR) of `paths` in `space`, in one
        commit; the memories' own rows stay as they are. `memories` may be empty: the derived rows
        of those paths go."""
        if not paths:
            return 0
        where = f"{in_list('path', sorted(set(paths)))} AND {in_list('facet', DERIVED_FACETS)}"
        if not memories:
            t = self.space_table(space, required=False)
            return 0 if t is None else self._delete_where(t.name, where, paths)
        return self._replace(space, memories, where, f"the derived text of {len(set(paths))} files", paths)

    def _replace(self, space: str, memories: list[Memory], stale: str, what: str, paths: Collection[str]) -> int:
        t, data = self._prepare(space, memories)
        with guard(f"replace {what}"), self._writing(t.name, {*paths, *(m.path for m in memories)}):
            (
                t.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .when_not_matched_by_source_delete(stale)
                .execute(data)
            )
        return int(data.num_rows)

    def _writing(
        self, name: str, paths: Collection[str] | None, *, moves_rows: bool = False
    ) -> AbstractContextManager[None]:
        """Around one commit to table `name` that touches only the rows of `paths` (None: cannot
        say; `moves_rows`: changes no content, may move rows): keeps the resident tier in step
        (augmem.store.resident)."""
        return nullcontext() if self.resident is None else self.resident.writing(name, paths, moves_rows=moves_rows)

    def _delete_where(self, name: str, where: str, paths: Collection[str] | None = None) -> int:
        """Delete matching rows of one table, queueing their fragments for purge; returns the count
        (`paths`: the paths whose rows `where` selects among, if it can be said)."""
        t = self.open_table(name)
        if t is None:
            return 0
        with guard(f"delete from {name}"):
            rows = t.search().where(where).with_row_address(True).select(["_rowaddr"]).limit(None).to_arrow()
            if rows.num_rows == 0:
                return 0
            frags = sorted({a >> 32 for a in rows.column("_rowaddr").to_pylist()})
            with self._writing(name, paths):
                t.delete(where)
            # lance only soft-deletes; remember the fragments so purge() can rewrite them
            q = self._table_or_create(
                PURGE_QUEUE, arrow().schema([("tbl", arrow().string()), ("fragment", arrow().int64())])
            )
            q.add(arrow().table({"tbl": [name] * len(frags), "fragment": frags}))
        return int(rows.num_rows)

    def delete(
        self,
        space: str | None = None,
        ids: Iterable[str] | None = None,
        paths: Iterable[str] | None = None,
        *,
        ledger: bool = True,
    ) -> int:
        """Delete memories by id and/or path from one space (or all); paths leave the sources
        ledger too (unless `ledger` is False), and derived text no live file has goes."""
        ids, paths = list(ids or ()), list(paths or ())
        names = [table_name(space)] if space else self.mem_tables()
        total = 0
        for name in names:
            for chunk in chunks(ids):
                total += self._delete_where(name, in_list("memory_id", chunk))
            for chunk in chunks(paths):
                total += self._delete_where(name, in_list("path", chunk), chunk)
        if paths and ledger:
            self.delete_sources(paths)
        if paths:
            self.prune_derived()
        return total

    def prune_derived(self) -> int:
        """Forget derived text whose content no live file has any more: the file was forgotten,
        deleted, rejected or edited (its old content's transcript must not outlive it)."""
        t = self.open_table(DERIVED)
        if t is None:
            return 0
        live = {r.content_sha256 for r in self.get_sources().values() if r.status in LIVE_STATUSES}
        cached = set(self.scan(t, ["content_sha256"]).column("content_sha256").to_pylist())
        return self.delete_derived(sorted(cached - live))

    # ---- sources ledger --------------------------------------------------------------------
    def _sources(self) -> Table:
        """The sources ledger table (created on first use)."""
        return self._table_or_create(SOURCES, sources_schema())

    def upsert_sources(self, rows: Sequence[SourceRow]) -> None:
        """Insert or update ledger rows by path (the last row of a path wins)."""
        if not rows:
            return
        latest = {r.path: r for r in rows}
        with guard("update the sources ledger"):
            data = arrow().Table.from_pylist([asdict(r) for r in latest.values()], schema=sources_schema())
            self._sources().merge_insert("path").when_matched_update_all().when_not_matched_insert_all().execute(data)

    def scan(self, t: Table, columns: list[str], where: str | None = None) -> ArrowTable:
        """Selected columns of every row matching `where`."""
        q = t.search().select(columns).limit(None)
        if where:
            q = q.where(where)
        with guard("read the store"):
            return q.to_arrow()

    def get_sources(self, paths: Sequence[str] | None = None) -> dict[str, SourceRow]:
        """Ledger rows keyed by path (all of them when paths is None)."""
        t = self.open_table(SOURCES)
        if t is None:
            return {}
        wheres = [None] if paths is None else [in_list("path", c) for c in chunks(paths)]
        return {r["path"]: SourceRow(**r) for w in wheres for r in self.scan(t, list(SOURCE_COLS), w).to_pylist()}

    def delete_sources(self, paths: Iterable[str]) -> int:
        """Remove ledger rows; returns how many were removed."""
        if self.open_table(SOURCES) is None:
            return 0
        return sum(self._delete_where(SOURCES, in_list("path", c)) for c in chunks(paths))

    def versions(self, space: str) -> tuple[int, int]:
        """(sources ledger version, space table version): changes whenever either is written,
        so callers can cache what they derive from both."""
        out = []
        for t in (self.open_table(SOURCES), self.space_table(space, required=False)):
            with guard("read table version"):
                out.append(-1 if t is None else t.version)
        return out[0], out[1]

    # ---- derived text (transcripts, OCR), cached by content and engine --------------------------
    def _derived(self) -> Table:
        return self._table_or_create(DERIVED, derived_schema())

    def put_derived(self, rows: Sequence[DerivedText]) -> None:
        """Store derivations (one per content sha256, kind and engine: the last one wins)."""
        if not rows:
            return
        latest = {(r.content_sha256, r.kind, r.engine): r for r in rows}
        with guard("store derived text"):
            data = arrow().Table.from_pylist([asdict(r) for r in latest.values()], schema=derived_schema())
            (
                self._derived()
                .merge_insert(["content_sha256", "kind", "engine"])
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )

    def get_derived(self, kind: str, engine: str, shas: Sequence[str]) -> dict[str, DerivedText]:
        """content sha256 -> the derivation `engine` made of it (missing: not derived yet)."""
        t = self.open_table(DERIVED)
        if t is None or not shas:
            return {}
        base = f"kind = {lit(kind)} AND engine = {lit(engine)}"
        return {
            r["content_sha256"]: DerivedText(**r)
            for c in chunks(sorted(set(shas)))
            for r in self.scan(t, list(DERIVED_COLS), f"{base} AND {in_list('content_sha256', c)}").to_pylist()
        }

    def derived_shas(self, kind: str, engine: str) -> dict[str, bool]:
        """content sha256 -> whether text was found, for everything `engine` derived."""
        t = self.open_table(DERIVED)
        if t is None:
            return {}
        tab = self.scan(t, ["content_sha256", "text"], f"kind = {lit(kind)} AND engine = {lit(engine)}")
        return {
            sha: bool(text)
            for sha, text in zip(tab.column("content_sha256").to_pylist(), tab.column("text").to_pylist())
        }

    def derived_version(self) -> int:
        """The derived-text cache's table version (-1 before the first derivation)."""
        t = self.open_table(DERIVED)
        with guard("read table version"):
            return -1 if t is None else int(t.version)

    def drop_derived_engines(self, kind: str, keep: str) -> int:
        """Forget the derivations of every engine of `kind` but `keep` (once it has done them all)."""
        if self.open_table(DERIVED) is None:
            return 0
        return self._delete_where(DERIVED, f"kind = {lit(kind)} AND engine <> {lit(keep)}")

    def delete_derived(self, shas: Sequence[str]) -> int:
        """Forget every derivation of these contents."""
        if not shas or self.open_table(DERIVED) is None:
            return 0
        return sum(self._delete_where(DERIVED, in_list("content_sha256", c)) for c in chunks(shas))

    # ---- reading ---------------------------------------------------------------------------
    def get_vectors(self, space: str, ids: list[str]) -> dict[str, np.ndarray]:
        """Full-tier vectors by memory id (query by example): the memory's own facet's vector,
        else its first derived-text facet's (a photo under a text-only model)."""
        t = self.space_table(space, required=False)
        if t is None or not ids:
            return {}
        full = self.tiers(space)[0]
        out: dict[str, np.ndarray] = {}
        for chunk in chunks(ids):
            tab = self.scan(t, ["id", "memory_id", "facet", f"vec_{full}"], in_list("memory_id", chunk))
            vecs = matrix(tab.column(f"vec_{full}"), full)
            rows = sorted(
                zip(
                    tab.column("memory_id").to_pylist(),
                    tab.column("facet").to_pylist(),
                    tab.column("id").to_pylist(),
                    range(len(vecs)),
                ),
                key=lambda r: (r[1] in DERIVED_FACETS, r[2]),
                reverse=True,
            )
            out.update((mid, vecs[i]) for mid, _facet, _id, i in rows)  # the last write (own facet) wins
        return out

    def get(self, space: str, id: str) -> Hit | None:
        """One memory (by its id) as a Hit with its derived text (score 1.0), or None."""
        hits = self.memories(space, [id])
        return hits[0] if hits else None

    def memories(
        self, space: str, ids: Sequence[str], scores: dict[str, float] | None = None, best: dict[str, str] | None = None
    ) -> list[Hit]:
        """Hits for memory ids, in that order: each from its best-matching row (`best`: memory id ->
        row id; else its own facet) with the transcript / OCR text of its derived facets."""
        t = self.space_table(space, required=False)
        if t is None or not ids:
            return []
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for chunk in chunks(list(ids)):
            for r in self.scan(t, HIT_COLS, in_list("memory_id", chunk)).to_pylist():
                rows[r["memory_id"]].append(r)
        out = []
        for mid in ids:
            mine = rows.get(mid)
            if not mine:
                continue  # forgotten or re-ingested meanwhile
            want = (best or {}).get(mid)
            top = next((r for r in mine if r["id"] == want), None) or min(
                mine, key=lambda r: (r["facet"] in DERIVED_FACETS, r["id"])
            )
            out.append(
                hit_from_rows(top, (scores or {}).get(mid, 1.0), [r for r in mine if r["facet"] in DERIVED_FACETS])
            )
        return out

    def count(self, space: str | None = None, by: str = "modality") -> dict[str, int]:
        """Memories (not rows: a memory's facets count once) grouped by a column (modality,
        source, ...) in one space or all."""
        if by not in _COUNTABLE:
            raise StoreError(f"store: cannot count by {by!r}; choose one of {sorted(_COUNTABLE)}")
        names = [table_name(space)] if space else self.mem_tables()
        total: Counter[str] = Counter()
        for name in names:
            t = self.open_table(name)
            if t is not None:
                tab = self.scan(t, sorted({by, "memory_id"}))
                total.update(v for v, _ in set(zip(tab.column(by).to_pylist(), tab.column("memory_id").to_pylist())))
        return dict(total)

    def paths_in_space(self, space: str) -> dict[str, str]:
        """path -> content_sha256 of every source whose own facet (the note chunk, the photo's or
        clip's vector) is in `space`: a photo that only has OCR text there is not (migration
        bookkeeping: a model that embeds photos still has that photo to do)."""
        t = self.space_table(space, required=False)
        if t is None:
            return {}
        tab = self.scan(t, ["path", "content_sha256"], f"NOT ({in_list('facet', DERIVED_FACETS)})")
        return dict(zip(tab.column("path").to_pylist(), tab.column("content_sha256").to_pylist()))

    def facet_paths(self, space: str) -> dict[str, str]:
        """path -> content_sha256 of every source with derived-text facets in `space`."""
        t = self.space_table(space, required=False)
        if t is None:
            return {}
        tab = self.scan(t, ["path", "content_sha256"], in_list("facet", DERIVED_FACETS))
        return dict(zip(tab.column("path").to_pylist(), tab.column("content_sha256").to_pylist()))

    def timeline(self, space: str, filters: Filters | None = None) -> list[tuple[str, dict[str, int]]]:
        """Per local day ('YYYY-MM-DD'): memory counts by modality, newest day first."""
        t = self.space_table(space, required=False)
        if t is None:
            return []
        tab = self.scan(t, ["captured_at", "modality", "memory_id"], filters_where(filters))
        # a memory's facets count once: keep the first row of each memory id
        _, first = np.unique(np.asarray(tab.column("memory_id").to_pylist(), dtype=object), return_index=True)
        tab = tab.take(np.sort(first)) if tab.num_rows else tab
        ts = np.asarray(tab.column("captured_at").to_numpy(zero_copy_only=False), dtype=np.float64)
        hours = np.floor(ts / 3600).astype(np.int64)
        # the UTC offset is constant within an hour, so look it up once per distinct hour (DST-correct)
        uniq, inv = np.unique(hours, return_inverse=True)
        offs = np.array([_utc_offset(h * 3600) for h in uniq])
        days = np.floor((ts + offs[inv] if len(ts) else ts) / 86400).astype(np.int64)
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for d, m in zip(days.tolist(), tab.column("modality").to_pylist()):
            counts[d][m] += 1
        epoch = datetime(1970, 1, 1)
        return [
            ((epoch + timedelta(days=d)).strftime("%Y-%m-%d"), dict(c)) for d, c in sorted(counts.items(), reverse=True)
        ]

    def browse(self, space: str, filters: Filters | None = None, limit: int = 50) -> list[Hit]:
        """Memories matching `filters`, newest first, without a query (score 0)."""
        t = self.space_table(space, required=False)
        if t is None or limit <= 0:
            return []
        tab = self.scan(t, ["memory_id", "captured_at", "path", "chunk_start"], filters_where(filters)).to_pylist()
        order = sorted({(-r["captured_at"], r["path"], r["chunk_start"], r["memory_id"]) for r in tab})
        ids = list(dict.fromkeys(key[3] for key in order))[:limit]
        return self.memories(space, ids, scores=dict.fromkeys(ids, 0.0))

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
    def index_columns(self, t: Table) -> dict[str, str]:
        """column -> index type of a table's indices."""
        with guard("list indices"):
            return {i.columns[0]: str(i.index_type) for i in t.list_indices() if i.columns}

    def search(
        self,
        space: str,
        query_vec: np.ndarray | Callable[[], np.ndarray],
        *,
        limit: int = 10,
        filters: Filters | None = None,
        text_query: str | None = None,
        candidate_tier: int | None = None,
        candidates: int = 200,
        exclude_ids: Iterable[str] = (),
        scan_tier: int | None = None,
    ) -> list[Hit]:
        """Two-stage tiered vector search (+ optional FTS fused by RRF); Hit.score = full-vector cosine.
        A store opened with `resident=True` answers from the resident tier once it is loaded and
        current (augmem.store.resident; `scan_tier`: the model's smallest trained tier, which it
        scans), else from the table. `query_vec` may be a function that computes the vector: the
        resident tier starts full-text search first, so the two overlap (it is called once)."""
        from augmem.store import search

        vector = _once(query_vec)
        if self.resident is not None:
            hits = self.resident.search(
                space,
                vector,
                limit=limit,
                filters=filters,
                text_query=text_query,
                candidate_tier=candidate_tier,
                scan_tier=scan_tier,
                candidates=candidates,
                exclude_ids=exclude_ids,
            )
            if hits is not None:
                return hits
        return search.search(
            self,
            space,
            vector(),
            limit=limit,
            filters=filters,
            text_query=text_query,
            candidate_tier=candidate_tier,
            candidates=candidates,
            exclude_ids=exclude_ids,
        )

    # ---- upkeep ----------------------------------------------------------------------------
    def optimize(
        self,
        space: str | None = None,
        ann_threshold: int = 50_000,
        *,
        ann_tier: int | None = None,
        ann_type: str = "IVF_HNSW_SQ",
    ) -> dict[str, list[str]]:
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


def _once(query_vec: np.ndarray | Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """A function that gives the query vector, computing it on the first call only."""
    if not callable(query_vec):
        return lambda: query_vec
    got: list[np.ndarray] = []

    def vector() -> np.ndarray:
        if not got:
            got.append(query_vec())
        return got[0]

    return vector


def _utc_offset(ts: float) -> float:
    """Seconds east of UTC in local time at `ts` (DST included)."""
    off = datetime.fromtimestamp(ts).astimezone().utcoffset()
    return off.total_seconds() if off is not None else 0.0
