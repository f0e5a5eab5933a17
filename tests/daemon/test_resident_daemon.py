"""The daemon answers recall from its resident tier (augmem.store.resident), and what it answers
is what an exact search of the store on disk gives, through watched-folder ingest, an edited
note, forget, a restart and a switch of model (a migration into a new space)."""

from __future__ import annotations

import numpy as np
import pytest

from augmem.records import Filters
from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config

NOTES = {
    "soup": "Lentil soup with cumin, garlic and a squeeze of lemon.",
    "bike": "Fixed the flat tyre on my bike with the patch kit.",
    "dentist": "The dentist moved my appointment to Thursday at nine.",
    "garden": "Planted tomatoes and basil in the raised bed by the fence.",
    "bread": "Baked sourdough bread; the starter was very lively.",
    "train": "Missed the 8:15 train, caught the next one to the airport.",
    "piano": "Tuned the old piano in the hallway before the concert.",
    "kayak": "Rented a red kayak at the lake and paddled to the island.",
}
QUERIES = ["soup recipe", "bicycle repair", "teeth appointment", "vegetable garden", "catching a train"]


def settings_of(home):
    from augmem.config import load_settings
    from augmem.paths import Paths

    return load_settings(Paths(config_dir=home, data_dir=home / "data", cache_dir=home / "cache"))


def exact(home, embedder, query: str, f: Filters | None = None, limit: int = 5):
    """What an exact search of the store on disk answers (every row re-ranked on the full vector,
    full text fused in) for the query vector the daemon's model makes (`embedder`)."""
    from augmem.core import Augmem
    from augmem.store import MemoryStore, search

    core = Augmem(settings_of(home))
    space = core.active_space()
    store = MemoryStore(core.settings.effective_store_uri)
    vec = embedder.embed_texts([query], query=True)[0]
    return space, search.search(store, space, vec, limit=limit, filters=f, text_query=query, candidates=1000)


def same_answers(c, home, embedder) -> None:
    for q in QUERIES:
        for f in (None, Filters(modalities=["text"]), Filters(since=0.0)):
            r = c.recall(q, filters=f, limit=5)
            space, want = exact(home, embedder, q, f)
            assert r.space == space
            assert [h.id for h in r.hits] == [h.id for h in want], (q, f)
            assert [h.score for h in r.hits] == pytest.approx([h.score for h in want], abs=1e-4)
            assert [(h.path, h.text) for h in r.hits] == [(h.path, h.text) for h in want]


def resident_ready(c, space: str | None = None):
    """The daemon's resident tier once it is current and holds every row (each note is one)."""
    c.recall("anything at all", limit=1)  # the first recall in a new space creates its tier
    st = c.status()
    r = st.daemon.resident
    if r is None or r.state != "ready" or (space and r.space != space):
        return None
    return r if r.rows == sum(st.counts.values()) else None


def migrated(c):
    st = c.status()
    return (
        (st.space or "").startswith("aist-87m:")
        and st.migration.left == 0
        and [s.id for s in st.spaces] == [st.space]
        and st.space
    )


def top_text(c, query: str) -> str:
    hits = c.recall(query, limit=1).hits
    return hits[0].text if hits else ""


@pytest.mark.slow
def test_daemon_recall_stays_equal_to_the_store_through_ingest_forget_restart_and_migration(
    minilm_embedder, aist_artifact, aist_embedder
):
    home = short_home("augres-")
    notes = home / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / f"{name}.md").write_text(text + "\n")
    write_config(home, model="minilm", watch=[{"path": str(notes), "kind": "notes"}])
    d = DaemonProcess(home)
    try:
        d.start()
        with d.client() as c:
            wait_for(lambda: sum(c.status().counts.values()) == len(NOTES), 300, interval=0.5, what="first ingest")
            r = wait_for(lambda: resident_ready(c), 120, interval=0.25, what="the resident tier")
            assert r.space.startswith("minilm:") and r.bytes > 0
            same_answers(c, home, minilm_embedder)

            # a new note through the watcher, then an edit of an old one
            (notes / "violin.md").write_text("Practised scales on the violin for an hour.\n")
            wait_for(
                lambda: any(h.path.endswith("violin.md") for h in c.recall("violin practice").hits),
                120,
                interval=0.25,
                what="the new note",
            )
            (notes / "soup.md").write_text("Pea soup with mint; no lentils this time.\n")
            wait_for(
                lambda: "Pea soup" in top_text(c, "pea soup with mint"), 120, interval=0.25, what="the edited note"
            )
            same_answers(c, home, minilm_embedder)

            # forget: gone from recall at once, and the tier follows (a reload after the purge)
            kayak = str(notes / "kayak.md")
            assert c.forget(paths=[kayak]) == 1
            assert kayak not in {h.path for h in c.recall("kayak on the lake", limit=10).hits}
            wait_for(lambda: resident_ready(c), 120, interval=0.25, what="the tier after forget")
            same_answers(c, home, minilm_embedder)
        assert d.terminate() == 0

        # a restart loads the tier from the store as it is
        d.start()
        with d.client() as c:
            wait_for(lambda: resident_ready(c), 120, interval=0.25, what="the tier after a restart")
            assert kayak not in {h.path for h in c.recall("kayak on the lake", limit=10).hits}
            same_answers(c, home, minilm_embedder)

            # a model switch: recall answers from the new space only once it is active, and the
            # tier moves there
            write_config(
                home,
                model="aist-87m",
                artifacts={"aist-87m": str(aist_artifact)},
                model_options={"aist-87m": {"precision": "fp32"}},
                watch=[{"path": str(notes), "kind": "notes"}],
            )
            space_b = wait_for(lambda: migrated(c), 300, interval=0.5, what="the migration")
            wait_for(lambda: resident_ready(c, space_b), 120, interval=0.25, what="the tier in the new space")
            same_answers(c, home, aist_embedder)
            hits = c.recall("soup recipe", limit=10).hits
            assert {h.id for h in hits} and all(np.isfinite(h.score) for h in hits)
        assert d.terminate() == 0
    finally:
        d.cleanup()
