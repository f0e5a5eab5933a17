"""kill -9 in the middle of ingesting 500 files loses nothing and duplicates nothing:
the file system is the queue, and the startup reconcile finishes the job."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config

N = 500


@pytest.mark.slow
def test_kill9_mid_ingest_then_restart_stores_every_file_exactly_once():
    home = short_home()
    notes = home / "notes"
    notes.mkdir()
    topics = ["garden", "bicycle", "recipe", "meeting", "travel", "music", "weather", "books"]
    for i in range(N):
        (notes / f"n{i:03d}.md").write_text(f"Note {i} about {topics[i % len(topics)]} number {i * 7919 % 1000}.\n")
    write_config(home, model="minilm", watch=[{"path": str(notes), "kind": "notes"}])
    d = DaemonProcess(home)
    try:
        from augmem.core import Augmem
        from augmem.store import MemoryStore

        settings = d.settings()
        space = Augmem(settings).active_space()
        store = MemoryStore(settings.effective_store_uri)

        def stored() -> int:
            try:
                return sum(store.count(space).values())
            except Exception:  # the table does not exist yet
                return 0

        d.start()
        partial = wait_for(lambda: stored() > 0 and stored(), 300, interval=0.05, what="ingest to begin")
        d.kill9()  # no chance to finish the batch, close the store or release anything
        at_kill = stored()
        assert 0 < at_kill < N, f"the kill came too late to test anything ({partial} → {at_kill} of {N})"
        assert (d.run_dir / "daemon.lock").exists() and d.socket.exists()  # left behind by the kill

        d.start()  # the stale lock and socket do not stop it
        wait_for(lambda: stored() >= N, 600, interval=1.0, what="all notes after the restart")
        with d.client() as c:
            wait_for(lambda: c.status().daemon.last_reconcile, 120, what="the reconcile to finish")
        assert d.terminate() == 0

        rows = store.scan(store.space_table(space), ["path"]).column("path").to_pylist()
        ids = Counter(p for p in rows if p.startswith(str(notes)))
        assert len(ids) == N, f"{N - len(ids)} notes missing"
        per_path = Counter(ids.values())
        assert per_path == {1: N}, f"rows per note: {per_path}"
        assert store.count(space) == {"text": N}
        ledger = store.get_sources()
        assert sum(1 for p, r in ledger.items() if p.startswith(str(notes)) and r.status == "ok") == N
    finally:
        d.cleanup()
