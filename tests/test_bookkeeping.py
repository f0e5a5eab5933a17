"""The migration counts recall and status report (Augmem._bookkeeping) never go backwards: they
are counted on several threads (recall, status, the daemon's migration job), and a count of an
older version that finishes last must not replace a newer one."""

from __future__ import annotations

from augmem.core import Augmem
from tests.conftest import SAMPLES


def test_an_older_count_finishing_last_keeps_the_newer_one(use_minilm):
    core = Augmem()
    try:
        core.ingest([SAMPLES / "notes"], derive=False)
        space = core.active_space()
        newer = (space, core.store.versions(space))
        older = (space, (newer[1][0] - 1, newer[1][1] - 1))
        value = core._count_books(newer)
        assert core._count_books(older) == value  # the older caller still gets its own count
        assert core._books == (newer, value)
        assert core._bookkeeping() == value and value[0] == value[1] > 0
    finally:
        core.close()
