"""The compaction / index upkeep job on a real store."""

from __future__ import annotations


def test_compaction_job_runs_store_upkeep(augmem_home, tmp_path):
    from augmem.config import load_settings
    from augmem.daemon.runtime import Daemon
    from tests.conftest import write_config

    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(5):
        (notes / f"{i}.md").write_text(f"note number {i} about the garden")
    write_config(augmem_home, model="minilm")
    d = Daemon(load_settings())
    d.core.ingest([notes])
    report = d._do_compact([None])
    assert report and all("compact" in actions for actions in report.values())
    assert sum(d.core.store.count(d.core.active_space()).values()) == 5
