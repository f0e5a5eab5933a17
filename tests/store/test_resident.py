"""The resident tier (augmem.store.resident) against a real LanceDB store: the same hits as an
exact brute-force search under every filter, and in step with the table through ingest, derived
text, forget, compaction, purge, another writer and a dropped space."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from augmem.records import Filters, Memory
from augmem.store import MemoryStore, search, table_name
from augmem.store.resident import ResidentTier
from augmem.store.schema import matrix

SPACE = "aist-87m:" + "ab" * 32
TIERS = [64, 16]
FULL = 64


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def mrl(rng: np.random.Generator, n: int) -> np.ndarray:
    return unit(rng.normal(size=(n, FULL)) / np.sqrt(np.arange(1, FULL + 1)))


WORDS = ["harbor", "lantern", "meadow", "quartz", "falcon", "willow"]


def note(
    i: int,
    vec: np.ndarray,
    *,
    modality: str = "text",
    source: str = "notes",
    when: float = 1e9,
    path: str | None = None,
    chunk: int = 0,
    facet: str = "",
    of: str = "",
    text: str | None = None,
) -> Memory:
    path = path or f"/m/{modality}/{i}"
    rid = hashlib.sha256(f"{path}#{chunk}#{facet}".encode()).hexdigest()[:32]
    return Memory(
        id=rid,
        memory_id=of or rid,
        facet=facet,
        modality=modality,
        source=source,
        path=path,
        content_sha256="00" * 32,
        size=10 + i,
        mtime=when,
        captured_at=when,
        text=text if text is not None else f"{WORDS[i % 6]} {WORDS[(i * 5) % 6]} memory {i}",
        chunk_start=chunk,
        chunk_end=chunk + 1,
        vectors={64: vec.tolist(), 16: unit(vec[:16]).tolist()},
        detail='{"segments": [{"start": 0.5, "end": 1.0, "text": "hello"}], "language": "en"}'
        if facet == "transcript"
        else "",
    )


def corpus(rng: np.random.Generator, n: int = 240) -> list[Memory]:
    """Notes, photos and clips over 30 days from three sources; every 7th clip or photo with a
    derived-text facet (its own vector) of the same memory."""
    vecs = mrl(rng, n + n // 7 + 1)
    out = []
    for i in range(n):
        modality = ("text", "image", "audio")[i % 3]
        source = {"text": "notes", "image": "photos", "audio": "mic" if i % 2 else "audio"}[modality]
        m = note(i, vecs[i], modality=modality, source=source, when=1e9 + 86400 * (i % 30))
        out.append(m)
        if modality != "text" and i % 7 == 0:
            facet = "transcript" if modality == "audio" else "ocr"
            out.append(
                note(
                    i,
                    vecs[n + i // 7],
                    modality=modality,
                    source=source,
                    when=m.captured_at,
                    path=m.path,
                    facet=facet,
                    of=m.id,
                    text=f"derived words {WORDS[i % 6]} {i}",
                )
            )
    return out


def exact(store: MemoryStore, q: np.ndarray, f: Filters, limit: int, exclude: set[str] = frozenset()) -> list[tuple]:
    """(memory id, best row id, cosine) of the best `limit` memories by brute force over every row."""
    t = store.space_table(SPACE)
    tab = store.scan(t, ["id", "memory_id", "modality", "source", "captured_at", f"vec_{FULL}"])
    sims = matrix(tab.column(f"vec_{FULL}"), FULL) @ unit(q)
    best: dict[str, tuple[float, str]] = {}
    for rid, mid, mod, src, when, s in zip(
        tab.column("id").to_pylist(),
        tab.column("memory_id").to_pylist(),
        tab.column("modality").to_pylist(),
        tab.column("source").to_pylist(),
        tab.column("captured_at").to_pylist(),
        sims.tolist(),
    ):
        if (f.modalities and mod not in f.modalities) or (f.sources and src not in f.sources) or mid in exclude:
            continue
        if (f.since is not None and when < f.since) or (f.until is not None and when > f.until):
            continue
        if s > best.get(mid, (-2.0, ""))[0]:
            best[mid] = (s, rid)
    return [(m, r, s) for m, (s, r) in sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]]


def loaded(store: MemoryStore) -> ResidentTier:
    tier = store.resident.tier(SPACE, 16, 16)
    assert tier is not None and tier.wait(60), "the resident tier did not load"
    return tier


def answer(tier: ResidentTier, q: np.ndarray, f: Filters | None = None, limit: int = 10, **kw):
    hits = tier.search(
        q,
        limit=limit,
        filters=f,
        text_query=kw.pop("text_query", None),
        candidates=kw.pop("candidates", 1000),
        exclude_ids=kw.pop("exclude_ids", ()),
    )
    assert hits is not None, "the resident tier could not answer"
    return hits


def same_as_exact(store: MemoryStore, tier: ResidentTier, queries: np.ndarray, f: Filters | None = None) -> None:
    f = f or Filters()
    for q in queries:
        want = exact(store, q, f, 10)
        got = answer(tier, q, f)
        assert [h.id for h in got] == [m for m, _, _ in want]
        assert [h.score for h in got] == pytest.approx([s for _, _, s in want], abs=1e-5)


@pytest.fixture
def rng():
    return np.random.default_rng(11)


@pytest.fixture
def store(tmp_path):
    return MemoryStore(str(tmp_path / "store"), resident=True)


FILTERS = [
    Filters(),
    Filters(modalities=["audio"]),
    Filters(modalities=["image", "text"]),
    Filters(sources=["mic"]),
    Filters(since=1e9 + 86400 * 7),
    Filters(since=1e9 + 86400 * 3, until=1e9 + 86400 * 9),
    Filters(modalities=["audio"], sources=["audio"], until=1e9 + 86400 * 20),
    Filters(modalities=["nothing"]),
    Filters(sources=["unknown"]),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f).replace(" ", ""))
def test_resident_hits_equal_exact_search_under_filters(store, rng, f):
    mems = corpus(rng)
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    queries = unit(np.stack([m.vectors[64] for m in mems[:12]]) + 0.4 * mrl(rng, 12))
    same_as_exact(store, tier, queries, f)
    # and what the table-side search gives: hits, facets and derived text alike
    for q in queries[:4]:
        got = answer(tier, q, f)
        ref = search.search(store, SPACE, q, limit=10, filters=f, candidates=1000)
        assert [(h.id, h.facet, h.transcript, h.segments, h.ocr_text, h.path, h.text) for h in got] == [
            (h.id, h.facet, h.transcript, h.segments, h.ocr_text, h.path, h.text) for h in ref
        ]


def test_full_text_fusion_and_exclusions_rank_as_the_table_search_does(store, rng):
    mems = corpus(rng)
    mems[40].text = "the xylophone factory by the river"
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    for i, text in ((3, "xylophone"), (5, "harbor lantern"), (8, "derived words"), (9, 'odd "query: (AND')):
        q = np.asarray(mems[i].vectors[64], np.float32)
        for f in (Filters(), Filters(modalities=["audio"])):
            got = answer(tier, q, f, text_query=text)
            ref = search.search(store, SPACE, q, limit=10, filters=f, text_query=text, candidates=1000)
            assert [(h.id, round(h.score, 5)) for h in got] == [(h.id, round(h.score, 5)) for h in ref]
    assert answer(tier, np.asarray(mems[0].vectors[64]), text_query="xylophone")[0].id == mems[40].id
    # query by example leaves the example out, as the table search's predicate does
    q = np.asarray(mems[6].vectors[64], np.float32)
    got = answer(tier, q, exclude_ids=[mems[6].id])
    assert mems[6].id not in {h.id for h in got}
    assert [h.id for h in got] == [m for m, _, _ in exact(store, q, Filters(), 10, {mems[6].id})]


def test_row_addresses_map_to_their_positions_in_any_order(store, rng):
    mems = corpus(rng, 60)
    store.replace_paths(SPACE, mems)
    snap = loaded(store).current()
    assert snap is not None
    addr = snap.buf.addr[: snap.n]
    want = rng.permutation(snap.n)[:20]
    assert snap.positions(addr[want]).tolist() == want.tolist()
    newer = np.asarray([int(addr.max()) + 1, 2**40], np.uint64)  # rows the snapshot does not hold
    assert snap.positions(np.concatenate([newer, addr[want[:3]]])).tolist() == want[:3].tolist()
    # a snapshot whose addresses are not ascending (none is today) still finds them
    perm = rng.permutation(snap.n)
    shuffled = replace(snap, buf=snap.buf.map(lambda a: a[perm]), alive=snap.alive[perm], _by_addr=None)
    assert shuffled.positions(addr[want]).tolist() == [int(np.flatnonzero(perm == w)[0]) for w in want]


def test_full_text_answers_from_the_snapshot_after_compaction_moved_the_rows(store, rng):
    mems = corpus(rng, 90)
    mems[40].text = "the xylophone factory by the river"
    for part in (mems[:30], mems[30:60], mems[60:]):  # three fragments, for compaction to merge
        store.replace_paths(SPACE, part)
    tier = loaded(store)
    snap = tier.current()
    assert snap is not None
    want = snap.buf.mem_hash[tier._fts(snap, "xylophone", None, 5)].tolist()
    store.optimize(SPACE)  # compaction: the same rows at new addresses in the latest version
    assert tier._fts(snap, "xylophone", None, 5) is not None
    assert snap.buf.mem_hash[tier._fts(snap, "xylophone", None, 5)].tolist() == want == [hash(mems[40].memory_id)]
    # a row that is dead in the snapshot is not a full-text hit of it
    dead = replace(snap, alive=snap.alive.copy(), _by_addr=None)
    dead.alive[snap.positions(snap.buf.addr[tier._fts(snap, "xylophone", None, 5)])] = False
    assert dead.positions(snap.buf.addr[: snap.n]).tolist() == np.flatnonzero(dead.alive).tolist()


def test_a_scan_split_over_two_threads_gives_the_same_hits(store, rng, monkeypatch):
    from augmem.store import resident

    mems = corpus(rng)
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    queries = unit(np.stack([m.vectors[64] for m in mems[:6]]) + 0.4 * mrl(rng, 6))
    filters = (None, Filters(sources=["mic"]), Filters(modalities=["image", "text"]))

    def hits():  # 20 candidates of ~270 rows: the scan runs (with more, every kept row is taken)
        return [
            [(h.id, round(h.score, 5)) for h in answer(tier, q, f, candidates=20)] for q in queries for f in filters
        ]

    whole = hits()
    monkeypatch.setattr(resident, "SPLIT_SCAN_ROWS", 16)
    monkeypatch.setattr(resident, "CORES", 2)
    halves = []
    submit = tier._scan_pool.submit
    monkeypatch.setattr(tier._scan_pool, "submit", lambda *a, **k: halves.append(1) or submit(*a, **k))
    assert hits() == whole
    assert len(halves) >= len(queries)  # the other half of the scan ran on the pool's thread
    snap = tier.current()
    assert snap is not None
    rows, q = snap.buf.scan[: snap.n], unit(queries[0][:16])
    assert np.allclose(tier._scan(rows, q), rows @ q, atol=1e-6) and len(tier._scan(rows, q)) == snap.n
    tier.close()  # a replaced tier's pools are gone: a recall still running on it still answers
    assert np.allclose(tier._scan(rows, q), rows @ q, atol=1e-6)
    assert answer(tier, queries[0], text_query="harbor", candidates=20)


def test_the_query_vector_is_computed_once_whoever_answers(store, rng):
    mems = corpus(rng, 60)
    store.replace_paths(SPACE, mems)
    loaded(store)
    calls = []

    def vector():
        calls.append(1)
        return np.asarray(mems[4].vectors[64], np.float32)

    for f in (None, Filters(path_prefix="/m/text/")):  # the resident tier answers; then the table does
        calls.clear()
        hits = store.search(SPACE, vector, limit=5, filters=f, text_query="harbor", candidate_tier=16, scan_tier=16)
        assert hits and len(calls) == 1


def test_store_search_uses_the_resident_tier_once_loaded(store, rng):
    mems = corpus(rng, 60)
    store.replace_paths(SPACE, mems)
    q = np.asarray(mems[4].vectors[64], np.float32)
    first = store.search(SPACE, q, limit=5, candidate_tier=16, scan_tier=16)  # answered by the table meanwhile
    tier = loaded(store)
    assert [h.id for h in store.search(SPACE, q, limit=5, candidate_tier=16, scan_tier=16)] == [h.id for h in first]
    assert tier.rows == len(mems)
    # a path prefix is not held resident: the table answers it
    assert (
        tier.search(
            q, limit=5, filters=Filters(path_prefix="/m/text/"), text_query=None, candidates=100, exclude_ids=()
        )
        is None
    )
    assert {h.path[:8] for h in store.search(SPACE, q, filters=Filters(path_prefix="/m/text/"))} == {"/m/text/"}


def test_resident_tier_follows_ingest_derived_text_and_forget_row_by_row(store, rng):
    mems = corpus(rng)
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    reloads = tier.reloads
    queries = unit(np.stack([m.vectors[64] for m in mems[:6]]) + 0.3 * mrl(rng, 6))

    # a new note of three chunks, then the same note shrunk to one: no stale chunk is recalled
    v = mrl(rng, 3)
    store.replace_paths(SPACE, [note(900, v[k], path="/m/new.md", chunk=k) for k in range(3)])
    assert answer(tier, v[2])[0].id == note(900, v[2], path="/m/new.md", chunk=2).id
    store.replace_paths(SPACE, [note(900, v[0], path="/m/new.md", chunk=0)])
    assert answer(tier, v[0])[0].id == note(900, v[0], path="/m/new.md", chunk=0).id
    assert note(900, v[2], path="/m/new.md", chunk=2).id not in {h.id for h in answer(tier, v[2], limit=50)}
    same_as_exact(store, tier, queries)

    # a transcript arrives for a clip: it is recalled by it, and shown with the clip
    clip = next(m for m in mems if m.modality == "audio" and m.facet == "audio" and m.id != mems[2].id)
    tv = mrl(rng, 1)[0]
    said = note(
        1,
        tv,
        modality="audio",
        source=clip.source,
        path=clip.path,
        facet="transcript",
        of=clip.id,
        when=clip.captured_at,
        text="the kettle is whistling",
    )
    store.replace_facets(SPACE, [clip.path], [said])
    hit = answer(tier, tv)[0]
    assert (hit.id, hit.facet, hit.transcript, hit.segments[0].text) == (clip.id, "transcript", said.text, "hello")
    store.replace_facets(SPACE, [clip.path], [])  # the engine found nothing this time: the facet goes
    assert answer(tier, tv)[0].facet != "transcript"

    # forget by path: every facet of the memory goes
    gone = [m for m in mems if m.facet in ("ocr", "transcript")][:2]
    store.delete(SPACE, paths=[m.path for m in gone])
    for m in gone:
        hits = answer(tier, np.asarray(m.vectors[64], np.float32), limit=50)
        assert m.memory_id not in {h.id for h in hits}
    same_as_exact(store, tier, queries)
    assert tier.reloads == reloads, "ingest, derived text and forget by path are followed without a reload"
    assert tier.version == store.space_table(SPACE).version


def test_resident_tier_reloads_after_changes_it_cannot_follow(store, rng, tmp_path):
    mems = corpus(rng)
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    queries = unit(np.stack([m.vectors[64] for m in mems[:6]]) + 0.3 * mrl(rng, 6))

    def settled() -> None:
        for _ in range(3):  # the first recall after such a change starts the reload
            if (
                tier.search(queries[0], limit=10, filters=None, text_query=None, candidates=1000, exclude_ids=())
                is not None
            ):
                break
            assert tier.wait(60)
        same_as_exact(store, tier, queries)
        assert tier.version == store.space_table(SPACE).version

    reloads = tier.reloads
    store.delete(SPACE, ids=[mems[0].id, mems[3].id])  # by memory id: the store cannot say which paths
    settled()
    assert mems[0].id not in {h.id for h in answer(tier, np.asarray(mems[0].vectors[64]), limit=50)}
    store.optimize(SPACE)  # compaction moves rows to new addresses, and changes no memory:
    # recall goes on from the snapshot (read at its own version) while the tier reloads
    assert tier.search(queries[0], limit=10, filters=None, text_query=None, candidates=1000, exclude_ids=()) is not None
    settled()
    store.purge()
    settled()
    other = MemoryStore(str(tmp_path / "store"))  # another process's handle writes
    v = mrl(rng, 1)[0]
    other.replace_paths(SPACE, [note(777, v, path="/m/other.md")])
    settled()
    assert answer(tier, v)[0].path == "/m/other.md"
    assert tier.reloads > reloads


def test_a_dropped_space_takes_its_resident_tier_along(store, rng):
    mems = corpus(rng, 30)
    store.replace_paths(SPACE, mems)
    tier = loaded(store)
    store.drop_space(SPACE)
    assert store.resident.get(SPACE) is None
    assert store.search(SPACE, np.asarray(mems[0].vectors[64]), limit=3) == []
    fresh = mrl(rng, 2)
    store.replace_paths(SPACE, [note(1, fresh[0], path="/m/a"), note(2, fresh[1], path="/m/b")])
    again = loaded(store)
    assert again is not tier and again.rows == 2
    assert answer(again, fresh[1])[0].path == "/m/b"


def test_resident_bytes_per_row_match_the_documented_cost(tmp_path, rng):
    """AIST-87M's layout (1280 / 256 / 64 tiers, 32-d scan, 256-d candidate tier): 452 B a row."""
    from augmem.store import resident

    store = MemoryStore(str(tmp_path / "aist"), resident=True)
    space = "aist-87m:" + "cd" * 32
    v = unit(rng.normal(size=(1024, 1280)))
    store.ensure_space(space, [1280, 256, 64])
    store.replace_paths(
        space,
        [
            Memory(
                id=f"r{i}",
                modality="text",
                source="notes",
                path=f"/p/{i}",
                content_sha256="",
                size=1,
                mtime=0.0,
                captured_at=0.0,
                vectors={1280: v[i].tolist()},
            )
            for i in range(1024)
        ],
    )
    tier = store.resident.tier(space, 256, 32)
    assert tier.wait(60)
    assert (tier.scan_dims, tier.mid_tier, tier.stored) == (32, 256, 64)
    assert tier.nbytes / tier.rows == 452 == resident.row_bytes(32, 256)
    by_kind = defaultdict(int)
    for hit in tier.search(v[5], limit=3, filters=None, text_query=None, candidates=200, exclude_ids=()):
        by_kind[hit.id] += 1
    assert "r5" in by_kind


def test_a_space_held_resident_gets_no_ann_index_and_one_too_big_does(store, rng, monkeypatch):
    from augmem.store import resident

    mems = corpus(rng, 600)
    store.replace_paths(SPACE, mems)
    loaded(store)
    assert "ann:vec_16" not in store.optimize(SPACE, ann_threshold=500)[table_name(SPACE)]
    assert not store.has_ann_index(SPACE)
    # a machine whose memory would not hold the tier: the table answers, through an ANN index
    monkeypatch.setattr(resident, "MEMORY_SHARE", 1e-9)
    fresh = MemoryStore(store.uri, resident=True)
    assert fresh.resident.tier(SPACE, 16, 16) is None
    assert "ann:vec_16" in fresh.optimize(SPACE, ann_threshold=500)[table_name(SPACE)]
    q = np.asarray(mems[8].vectors[64], np.float32)
    assert fresh.search(SPACE, q, limit=3, candidate_tier=16, scan_tier=16)[0].id == mems[8].memory_id


def test_a_resident_core_keeps_recall_resident_only_for_a_local_store(augmem_home):
    # a shared bucket: every other device's write would make the tier reload (hundreds of MB at
    # 1M rows) while recall fell back to an index-less scan, so it keeps the table and ANN search
    from augmem.config import load_settings
    from augmem.core import Augmem
    from tests.conftest import write_config

    write_config(augmem_home, model="minilm")
    assert Augmem(load_settings(), resident=True).store.resident is not None
    assert Augmem(load_settings()).store.resident is None
    write_config(augmem_home, model="minilm", store_uri="s3://bucket/augmem")
    assert Augmem(load_settings(), resident=True).store.resident is None  # no connection is made
