"""Faults lose nothing: a real daemon killed with SIGKILL in the middle of a purge, of a
re-embedding batch and of a compaction comes back with every memory there exactly once,
or purged exactly as asked (its text absent from every file of the store).

Each kill lands deterministically inside the step: the daemon runs with
AUGMEM_CHECKPOINTS=<point> (augmem.checkpoints), so it stops there and writes
`<point>.reached`; the test kills it then. No timed race."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import files_containing
from tests.daemon.proc import ROOT, DaemonProcess, short_home, wait_for, write_config

SECRET = "The alarm code for the studio is 4-7-1-9, and the spare key hangs behind the meter box."
TOPICS = ["garden", "bicycle", "recipe", "meeting", "travel", "music", "weather", "books"]


def write_notes(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(start, start + n):
        p = folder / f"n{i:03d}.md"
        p.write_text(f"Note {i} about {TOPICS[i % len(TOPICS)]} number {i * 7919 % 1000}.\n")
        out.append(p)
    return out


def holding_at(point: str, folder: Path) -> dict[str, str]:
    folder.mkdir(exist_ok=True)
    return {"AUGMEM_CHECKPOINTS": point, "AUGMEM_CHECKPOINT_DIR": str(folder)}


def own_rows(store, space) -> Counter:
    """Rows of each memory's own facet (a one-chunk note has exactly one) by memory id."""
    tab = store.scan(store.space_table(space), ["memory_id"], "facet = 'text'")
    return Counter(tab.column("memory_id").to_pylist())


def settings_of(home: Path):
    from augmem.config import load_settings
    from augmem.paths import Paths

    return load_settings(Paths(config_dir=home, data_dir=home / "data", cache_dir=home / "cache"))


@pytest.mark.slow
def test_kill9_in_the_middle_of_a_purge_then_restart_purges_exactly_as_asked():
    home = short_home()
    notes = home / "notes"
    write_notes(notes, 29)
    secret = notes / "alarm.md"
    secret.write_text(SECRET + "\n")
    write_config(home, model="minilm", watch=[{"path": str(notes), "kind": "notes"}])
    holds = home / "holds"
    d = DaemonProcess(home, **holding_at("purge.rewritten", holds))
    try:
        from augmem.core import Augmem
        from augmem.store import MemoryStore

        settings = settings_of(home)
        space = Augmem(settings).active_space()
        store_dir = Path(settings.effective_store_uri)
        store = MemoryStore(str(store_dir))
        d.start()
        wait_for(
            lambda: sum(r.status == "ok" for r in store.get_sources().values()) == 30,
            300,
            what="all 30 notes in the store",
        )
        assert files_containing(store_dir, SECRET)  # the probe works: the text is stored verbatim
        forget = subprocess.Popen(
            [sys.executable, "-m", "augmem", "forget", "--path", str(secret), "--yes"],
            env=d.env,
            cwd=str(ROOT),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(lambda: (holds / "purge.rewritten.reached").exists(), 300, what="the purge to begin")
        # inside the purge: the rows are deleted, but old versions still hold the forgotten text
        assert files_containing(store_dir, SECRET)
        assert (d.run_dir / "forgetting.json").exists()
        d.kill9()
        _, err = forget.communicate(timeout=60)
        assert forget.returncode != 0 and "Traceback" not in err and "daemon" in err, err

        d = DaemonProcess(home)  # restarted, no hold
        d.start()
        wait_for(lambda: not (d.run_dir / "forgetting.json").exists(), 300, what="the interrupted forget to finish")
        with d.client() as c:
            wait_for(lambda: c.status().daemon.last_reconcile, 300, what="the reconcile after the restart")
            assert all(h.path != str(secret) for h in c.recall("alarm code for the studio", limit=50).hits)
        assert d.terminate() == 0
        assert files_containing(store_dir, SECRET) == []
        assert files_containing(store_dir, "spare key hangs behind the meter") == []
        rows = own_rows(store, space)
        assert len(rows) == 29 and set(rows.values()) == {1}, rows.most_common(3)
        ledger = store.get_sources()
        assert ledger[str(secret)].status == "forgotten" and secret.exists()  # a person's file: kept, forgotten
        assert sum(r.status == "ok" for r in ledger.values()) == 29
        assert "finishing a forget of 1 file(s) that was interrupted" in (d.run_dir / "daemon.log").read_text()
    finally:
        d.cleanup()


@pytest.mark.slow
def test_kill9_in_the_middle_of_a_reembedding_batch_then_restart_has_every_memory_once(aist_artifact):
    from augmem.core import Augmem
    from augmem.store import MemoryStore

    n = 50  # more than one batch of 32, and each batch commits 16 files at a time
    home = short_home()
    notes = home / "notes"
    write_notes(notes, n)
    write_config(home, model="minilm")
    core = Augmem(settings_of(home))
    assert core.ingest([notes]).added == n
    old_space = core.active_space()
    core.close()
    write_config(home, model="aist-87m", artifacts={"aist-87m": str(aist_artifact)})
    settings = settings_of(home)
    space = Augmem(settings).active_space()
    assert space != old_space
    store = MemoryStore(settings.effective_store_uri)
    holds = home / "holds"
    d = DaemonProcess(home, **holding_at("ingest.committed", holds))
    try:
        d.start()
        wait_for(lambda: (holds / "ingest.committed.reached").exists(), 300, what="a re-embedding batch to commit")
        d.kill9()  # 16 of the batch's 32 are in the new space; the rest of it is not
        at_kill = sum(own_rows(store, space).values())
        assert 0 < at_kill < n, at_kill

        d = DaemonProcess(home)
        d.start()
        with d.client() as c:

            def migrated():
                st = c.status()
                return st.space == space and st.not_migrated == 0 and [s.id for s in st.spaces] == [space] and st

            st = wait_for(migrated, 600, interval=1.0, what="re-embedding to finish after the restart")
            assert st.counts == {"text": n}
            assert c.recall("bicycle", limit=5).space == space
        assert d.terminate() == 0
        rows = own_rows(store, space)
        assert len(rows) == n and set(rows.values()) == {1}, rows.most_common(3)
        assert sum(r.status == "ok" for r in store.get_sources().values()) == n
    finally:
        d.cleanup()


@pytest.mark.slow
def test_kill9_in_the_middle_of_compaction_then_restart_has_every_memory_once():
    from augmem.core import Augmem
    from augmem.store import MemoryStore

    home = short_home()
    notes = home / "notes"
    write_config(home, model="minilm", compact_minutes=0.05)
    core = Augmem(settings_of(home))
    for k in range(4):  # four ingests: several fragments for the compaction to merge
        write_notes(notes, 10, start=10 * k)
        core.ingest([notes])
    secret = notes / "alarm.md"
    secret.write_text(SECRET + "\n")
    core.ingest([notes])
    space = core.active_space()
    core.close()
    settings = settings_of(home)
    store_dir = Path(settings.effective_store_uri)
    store = MemoryStore(str(store_dir))
    holds = home / "holds"
    d = DaemonProcess(home, **holding_at("compact.table", holds))
    try:
        d.start()
        wait_for(lambda: (holds / "compact.table.reached").exists(), 300, what="the compaction job")
        d.kill9()  # the memories' table is compacted, the ledger and the derived cache are not

        d = DaemonProcess(home)
        d.start()
        with d.client() as c:

            def compacted():
                job = c.status().daemon.jobs["compact"]
                return job.runs and job.last_seconds is not None and job

            wait_for(compacted, 300, what="a whole compaction after the restart")
            assert c.status().daemon.jobs["compact"].last_error is None
            assert c.status().counts == {"text": 41}
            # and a forget after it still leaves nothing behind
            assert c.forget(paths=[str(secret)]) == 1
        assert d.terminate() == 0
        rows = own_rows(store, space)
        assert len(rows) == 40 and set(rows.values()) == {1}, rows.most_common(3)
        assert files_containing(store_dir, SECRET) == []
    finally:
        d.cleanup()
