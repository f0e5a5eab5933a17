"""The memory store (LanceDB); everything else goes through MemoryStore.

`lance.py` owns the tables (spaces, the sources ledger), `search.py` recall's tiered
search, `upkeep.py` compaction, indices and purging, `schema.py` the Arrow layout and
`sql.py` predicates and names. Importing this package does not import lancedb.
"""

from augmem.store.lance import MemoryStore
from augmem.store.sql import filters_where, table_name

__all__ = ["MemoryStore", "filters_where", "table_name"]
