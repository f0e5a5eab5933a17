"""Named points inside long writes where a test can hold a real augmem process, to kill it
exactly there (kill -9 in the middle of a purge, a re-embedding batch, a compaction):
deterministic, never a timed race.

`AUGMEM_CHECKPOINTS` names the points to hold at (comma-separated) and
`AUGMEM_CHECKPOINT_DIR` a folder: on reaching one, the process writes `<dir>/<name>.reached`
(its pid) and waits until `<dir>/<name>.go` exists; once it does, that point no longer
holds. Unset (always, outside tests), `reached()` is one environment lookup.

Stdlib only: the store, the ingest pipeline and the core call it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV = "AUGMEM_CHECKPOINTS"
ENV_DIR = "AUGMEM_CHECKPOINT_DIR"
POINTS = {
    "purge.rewritten": "a purge rewrote the fragments of one table; old versions still hold the forgotten rows",
    "ingest.committed": "an ingest committed the rows of one batch; the rest of the run is still to come",
    "compact.table": "the compaction job compacted one table; the others are still to come",
}
"""Every point augmem has, and where it is."""


def reached(name: str) -> None:
    """Hold here if a test asked to (see the module's docstring)."""
    wanted = os.environ.get(ENV)
    if not wanted or name not in wanted.split(","):
        return
    folder = Path(os.environ.get(ENV_DIR) or ".")
    go = folder / f"{name}.go"
    if go.exists():
        return
    (folder / f"{name}.reached").write_text(str(os.getpid()))
    while not go.exists():
        time.sleep(0.05)
