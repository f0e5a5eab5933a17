"""Which source files have memories matching recall filters (a stretch of time, modalities,
sources, a folder), in every space and in the sources ledger: what a forget by time takes.

Module-level functions over a MemoryStore, like `upkeep`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from augmem.records import Filters, SourceRow
from augmem.store.sql import SOURCES, filters_where

if TYPE_CHECKING:
    from augmem.store.lance import MemoryStore

_COLS = ["path", "modality", "source", "captured_at"]


def sources_matching(store: MemoryStore, filters: Filters) -> dict[str, SourceRow]:
    """path -> what is known of it, for every source with a memory row (any facet, any space)
    or a ledger entry matching `filters`. A recording matches when any of its clips does; a
    source already forgotten does not. `captured_at` is the earliest matching time."""
    where = filters_where(filters)
    found: dict[str, SourceRow] = {}

    def note(path: str, modality: str, source: str, when: float) -> None:
        row = found.get(path)
        if row is None:
            found[path] = SourceRow(path=path, modality=modality or "", source=source or "", captured_at=when or 0.0)
        elif when and (not row.captured_at or when < row.captured_at):
            row.captured_at = when

    for name in store.mem_tables():
        t = store.open_table(name)
        if t is None:
            continue
        tab = store.scan(t, _COLS, where)
        for path, modality, source, when in zip(*(tab.column(c).to_pylist() for c in _COLS)):
            note(path, modality, source, when)
    ledger = store.open_table(SOURCES)
    if ledger is not None:
        # pending photos and clips have no rows in any space yet: the ledger knows them
        not_forgotten = "status <> 'forgotten'"
        tab = store.scan(ledger, _COLS, f"({where}) AND {not_forgotten}" if where else not_forgotten)
        for path, modality, source, when in zip(*(tab.column(c).to_pylist() for c in _COLS)):
            note(path, modality, source, when)
    return found
