"""The memory store (LanceDB); everything else goes through MemoryStore."""

from augmem.store.lance import MemoryStore, filters_where, table_name

__all__ = ["MemoryStore", "filters_where", "table_name"]
