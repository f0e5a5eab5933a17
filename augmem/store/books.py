"""Counting what is migrated and pending, column-wise.

Recall reports how many memories are not in the active space yet and how many wait for a model
(`augmem.core.Augmem._bookkeeping`), recomputed whenever the ledger or the space's table changed.
Building a SourceRow per ledger row and a dict of every path in the space took 21 s at a million
memories (bench store of bench/recall.py: `get_sources()` 16.8 s, `paths_in_space()` 4.5 s), so
the first recall after every write stalled for that long. The same counts from Arrow columns,
without a Python object per row, take a small fraction of it.
"""

from __future__ import annotations

from collections.abc import Collection

from augmem.records import DERIVED_FACETS
from augmem.store.lance import MemoryStore
from augmem.store.sql import SOURCES, guard, in_list


def migration_counts(store: MemoryStore, space: str, modalities: Collection[str]) -> tuple[int, int, int]:
    """(sources of these modalities embedded in `space`, sources of these modalities with status
    ok, sources pending): what `MemoryStore.get_sources()` and `paths_in_space()` would give."""
    import pyarrow.compute as pc

    ledger = store.open_table(SOURCES)
    if ledger is None:
        return 0, 0, 0
    tab = store.scan(ledger, ["path", "status", "modality"])
    status = tab.column("status")
    pending = int(pc.sum(pc.equal(status, "pending")).as_py() or 0)
    ok = pc.and_(pc.equal(status, "ok"), pc.is_in(tab.column("modality"), value_set=_strings(modalities)))
    ok_paths = pc.filter(tab.column("path"), ok)
    t = store.space_table(space, required=False)
    if t is None or len(ok_paths) == 0:
        return 0, len(ok_paths), pending
    own = store.scan(t, ["path"], f"NOT ({in_list('facet', DERIVED_FACETS)})").column("path")
    with guard("count migrated memories"):
        done = int(pc.sum(pc.is_in(ok_paths, value_set=pc.unique(own))).as_py() or 0)
    return done, len(ok_paths), pending


def _strings(values: Collection[str]) -> object:
    import pyarrow as pa

    return pa.array(sorted(values), pa.string())
