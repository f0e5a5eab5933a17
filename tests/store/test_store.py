"""MemoryStore against a real LanceDB store in tmp_path (small dims, seeded vectors)."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from augmem.errors import StoreError
from augmem.records import Filters, Hit, Memory, SourceRow
from augmem.store import MemoryStore, search, table_name
from augmem.store.sql import filters_where

SPACE_A = "aist-87m:" + "ab" * 32
SPACE_B = "teg-421m:" + "cd" * 32
TIERS = [64, 16]


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def mrl_vectors(rng: np.random.Generator, n: int, dim: int = 64) -> np.ndarray:
    """Unit vectors whose variance decays along the dims, as in Matryoshka embeddings."""
    return unit(rng.normal(size=(n, dim)) / np.sqrt(np.arange(1, dim + 1))).astype(np.float32)


def mem(
    i: int,
    vec: np.ndarray,
    *,
    path: str | None = None,
    chunk: int = 0,
    modality: str = "text",
    source: str = "notes",
    captured_at: float = 1_700_000_000.0,
    text: str = "",
) -> Memory:
    path = path or f"/notes/n{i}.md"
    v = np.asarray(vec, dtype=np.float32)
    return Memory(
        id=hashlib.sha256(f"{path}#{chunk}".encode()).hexdigest(),
        modality=modality,
        source=source,
        path=path,
        content_sha256="00" * 32,
        size=100 + i,
        mtime=captured_at,
        captured_at=captured_at,
        text=text or f"memory number {i}",
        chunk_start=chunk * 10,
        chunk_end=chunk * 10 + 9,
        vectors={64: v.tolist(), 16: unit(v[:16]).tolist()},
    )


def ids_by_path(store: MemoryStore, space: str, paths: list[str]) -> dict[str, list[str]]:
    """Each path's row ids in `space`, in chunk order (read straight from the table)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for r in store.scan(store.space_table(space), ["id", "path", "chunk_start"]).to_pylist():
        if r["path"] in paths:
            out.setdefault(r["path"], []).append((r["chunk_start"], r["id"]))
    return {p: [i for _, i in sorted(v)] for p, v in out.items()}


def pending(store: MemoryStore) -> list[str]:
    return [p for p, row in store.get_sources().items() if row.status == "pending"]


@pytest.fixture
def store(tmp_path):
    return MemoryStore(str(tmp_path / "store"))


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_table_name_is_model_slug_plus_hash_prefix():
    assert table_name(SPACE_A) == "mem_aist_87m_" + "ab" * 6
    assert table_name("Weird Model/v2:" + "F" * 64) == "mem_weird_model_v2_" + "f" * 12
    assert table_name("no-hash").startswith("mem_no_hash_")


def test_ensure_space_records_tiers_and_rejects_new_ones(store):
    store.ensure_space(SPACE_A, [16, 64])
    store.ensure_space(SPACE_A, [64, 16])
    assert store.tiers(SPACE_A) == [64, 16]
    assert store.spaces() == [SPACE_A]
    with pytest.raises(StoreError):
        store.ensure_space(SPACE_A, [64, 32])
    assert MemoryStore(store.uri).tiers(SPACE_A) == [64, 16]


def test_upsert_is_idempotent(store, rng):
    vecs = mrl_vectors(rng, 20)
    mems = [mem(i, v) for i, v in enumerate(vecs)]
    assert store.replace_paths(SPACE_A, mems) == 20
    store.replace_paths(SPACE_A, mems)
    store.replace_paths(SPACE_A, mems[:5] + mems[:5])
    assert store.count(SPACE_A) == {"text": 20}
    mems[3].text = "edited"
    store.replace_paths(SPACE_A, [mems[3]])
    assert store.get(SPACE_A, mems[3].id).text == "edited"
    assert store.count(SPACE_A) == {"text": 20}


def test_upsert_derives_missing_small_tiers_from_the_full_vector(store, rng):
    v = mrl_vectors(rng, 1)[0]
    m = mem(0, v)
    m.vectors = {64: v.tolist()}
    store.ensure_space(SPACE_A, TIERS)
    store.replace_paths(SPACE_A, [m])
    hits = store.search(SPACE_A, v, candidate_tier=16, limit=1)
    assert hits[0].id == m.id and hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_replace_paths_shrinking_leaves_no_stale_chunks(store, rng):
    vecs = mrl_vectors(rng, 6)
    path = '/notes/it\'s a "note".md'
    store.replace_paths(SPACE_A, [mem(0, vecs[i], path=path, chunk=i) for i in range(5)])
    store.replace_paths(SPACE_A, [mem(9, vecs[5])])
    new = [mem(0, vecs[i], path=path, chunk=i, text=f"new {i}") for i in range(2)]
    store.replace_paths(SPACE_A, new)
    assert ids_by_path(store, SPACE_A, [path])[path] == [m.id for m in new]
    assert store.count(SPACE_A) == {"text": 3}
    assert {h.text for h in store.search(SPACE_A, vecs[0], limit=10)} == {"new 0", "new 1", "memory number 9"}


def test_replace_paths_replaces_each_path_of_a_batch(store, rng):
    vecs = mrl_vectors(rng, 8)
    store.replace_paths(
        SPACE_A,
        [mem(0, vecs[i], path="/n/a.md", chunk=i) for i in range(3)]
        + [mem(0, vecs[3 + i], path="/n/b.md", chunk=i) for i in range(3)]
        + [mem(7, vecs[7])],
    )
    new = [
        mem(0, vecs[0], path="/n/a.md", chunk=0),
        mem(0, vecs[3], path="/n/b.md", chunk=0),
        mem(0, vecs[4], path="/n/b.md", chunk=1),
    ]
    assert store.replace_paths(SPACE_A, new) == 3
    got = ids_by_path(store, SPACE_A, ["/n/a.md", "/n/b.md", mem(7, vecs[7]).path])
    assert {p: len(v) for p, v in got.items()} == {"/n/a.md": 1, "/n/b.md": 2, mem(7, vecs[7]).path: 1}
    assert store.replace_paths(SPACE_A, []) == 0


def test_two_spaces_never_mix(store, rng):
    a, b = mrl_vectors(rng, 10), mrl_vectors(rng, 10)
    store.replace_paths(SPACE_A, [mem(i, v, path=f"/a/{i}") for i, v in enumerate(a)])
    store.replace_paths(SPACE_B, [mem(i, v, path=f"/b/{i}") for i, v in enumerate(b)])
    assert store.spaces() == sorted([SPACE_A, SPACE_B])
    hits = store.search(SPACE_A, b[0], limit=50)
    assert len(hits) == 10 and all(h.path.startswith("/a/") for h in hits)
    assert store.paths_in_space(SPACE_B).keys() == {f"/b/{i}" for i in range(10)}
    assert store.search("aist-87m:" + "ef" * 32, a[0]) == []
    store.drop_space(SPACE_B)
    assert store.spaces() == [SPACE_A]


def test_two_stage_search_exact_top1_and_high_recall(store, rng):
    vecs = mrl_vectors(rng, 2000)
    store.replace_paths(SPACE_A, [mem(i, v) for i, v in enumerate(vecs)])
    ids = [mem(i, v).id for i, v in enumerate(vecs)]
    hits = store.search(SPACE_A, vecs[123], candidate_tier=16, candidates=100, limit=10)
    assert hits[0].id == ids[123] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    queries = unit(vecs[rng.choice(2000, 20, replace=False)] + 0.3 * mrl_vectors(rng, 20))
    recalls = []
    for q in queries:
        exact = {ids[j] for j in np.argsort(-(vecs @ q))[:10]}
        got = {h.id for h in store.search(SPACE_A, q, candidate_tier=16, candidates=200, limit=10)}
        recalls.append(len(exact & got) / 10)
    assert np.mean(recalls) >= 0.9
    full = store.search(SPACE_A, queries[0], limit=10)  # candidate_tier None: the full column directly
    assert {h.id for h in full} == {ids[j] for j in np.argsort(-(vecs @ queries[0]))[:10]}
    with pytest.raises(StoreError):
        store.search(SPACE_A, queries[0], candidate_tier=32)
    with pytest.raises(StoreError):
        store.search(SPACE_A, queries[0][:16])


def test_filters(store, rng):
    vecs = mrl_vectors(rng, 8)
    quoted = "/home/o'brien/it's 100%_done\\x/"
    mems = [
        mem(0, vecs[0], modality="text", source="notes", captured_at=100.0, path=quoted + "a.md"),
        mem(1, vecs[1], modality="image", source="photos", captured_at=200.0, path=quoted + "b.jpg"),
        mem(2, vecs[2], modality="audio", source="mic", captured_at=300.0, path="/home/o'brien/its 100x_done/c.wav"),
        mem(3, vecs[3], modality="text", source="notes", captured_at=400.0, path="/other/d.md"),
    ]
    store.replace_paths(SPACE_A, mems)
    q = vecs[0]

    def ids(**kw):
        return {h.id for h in store.search(SPACE_A, q, limit=10, candidate_tier=16, filters=Filters(**kw))}

    m = [x.id for x in mems]
    assert ids(modalities=["image", "audio"]) == {m[1], m[2]}
    assert ids(sources=["notes"]) == {m[0], m[3]}
    assert ids(since=200.0, until=300.0) == {m[1], m[2]}
    assert ids(since=250.0) == {m[2], m[3]}
    assert ids(path_prefix=quoted) == {m[0], m[1]}
    assert ids(path_prefix=quoted, modalities=["text"]) == {m[0]}
    assert ids(modalities=[]) == set(m)
    assert {h.id for h in store.search(SPACE_A, q, exclude_ids=[m[0]], limit=10)} == set(m[1:])
    assert ids_by_path(store, SPACE_A, [quoted + "a.md"]) == {quoted + "a.md": [m[0]]}


def test_fts_fusion_brings_up_an_exact_keyword_match(store, rng):
    vecs = mrl_vectors(rng, 300)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    mems = [mem(i, v, text=f"{words[i % 5]} {words[(i * 3) % 5]} ordinary note {i}") for i, v in enumerate(vecs)]
    mems[250].text = "the dog was barking at the park near the xylophone factory"
    store.replace_paths(SPACE_A, mems)
    q = vecs[7]
    plain = [h.id for h in store.search(SPACE_A, q, candidate_tier=16, limit=10)]
    assert mems[250].id not in plain
    fused = store.search(SPACE_A, q, candidate_tier=16, limit=10, text_query="xylophone")
    assert fused[0].id == mems[250].id
    assert fused[0].score == pytest.approx(float(vecs[250] @ q), abs=1e-5)  # still the cosine
    assert mems[7].id in {h.id for h in fused}
    # rows written after the index was built are found too, and filters still apply
    extra = mem(999, mrl_vectors(rng, 1)[0], text="zanzibar quokka", modality="audio")
    store.replace_paths(SPACE_A, [extra])
    assert store.search(SPACE_A, q, limit=3, text_query="quokka")[0].id == extra.id
    assert extra.id not in {
        h.id for h in store.search(SPACE_A, q, limit=3, text_query="quokka", filters=Filters(modalities=["text"]))
    }
    assert store.search(SPACE_A, q, limit=3, text_query='odd "query: (with AND syntax')


def test_delete_and_purge_remove_the_text_from_every_file(store, rng, tmp_path):
    vecs = mrl_vectors(rng, 40)
    secret = "Unforgettable secret " + secrets.token_hex(24)
    secret_path = "/notes/diary-" + secrets.token_hex(8) + ".md"
    for i in range(0, 40, 4):  # several writes, several fragments, as ingest produces them
        store.replace_paths(SPACE_A, [mem(j, vecs[j], text=f"chunk {secrets.token_hex(16)}") for j in range(i, i + 4)])
    store.replace_paths(SPACE_A, [mem(40, vecs[0], path=secret_path, text=secret)])
    store.upsert_sources([SourceRow(path=secret_path, source="notes", modality="text", status="ok")])
    store.optimize()  # compaction merges everything into one fragment: deletion then only soft-deletes
    root = tmp_path / "store"

    def files_containing(needle: bytes) -> list[str]:
        out = []
        for dirpath, _, files in os.walk(root):
            for f in files:
                with open(os.path.join(dirpath, f), "rb") as fh:
                    if needle in fh.read():
                        out.append(os.path.join(dirpath, f))
        return out

    assert files_containing(secret.encode())  # the probe works: the text is stored verbatim
    assert store.delete(paths=[secret_path]) == 1
    assert store.get_sources([secret_path]) == {}
    assert store.search(SPACE_A, vecs[0], limit=50, text_query="unforgettable")[0].id != mem(40, vecs[0]).id
    store.purge()
    assert files_containing(secret.encode()) == []
    assert files_containing(secret_path.encode()) == []
    assert store.count(SPACE_A) == {"text": 40}
    assert store.search(SPACE_A, vecs[5], limit=1)[0].id == mem(5, vecs[5]).id
    assert store.delete(ids=[mem(5, vecs[5]).id]) == 1 and store.delete() == 0


def test_sources_ledger_round_trip(store):
    assert store.get_sources() == {} and pending(store) == []
    rows = [
        SourceRow(
            path="/p/a'b.md",
            source="notes",
            modality="text",
            size=10,
            mtime=1.5,
            content_sha256="aa",
            status="ok",
            captured_at=1.0,
            updated_at=5.0,
        ),
        SourceRow(
            path="/p/c.jpg",
            source="photos",
            modality="image",
            size=20,
            mtime=2.5,
            content_sha256="bb",
            status="pending",
        ),
    ]
    store.upsert_sources(rows)
    store.upsert_sources(rows)
    got = store.get_sources()
    assert got == {r.path: r for r in rows}
    assert pending(store) == ["/p/c.jpg"]
    store.upsert_sources([replace(rows[1], status="rejected", reason="truncated JPEG")])
    c = store.get_sources(["/p/c.jpg"])["/p/c.jpg"]
    assert (c.status, c.reason, c.size, c.content_sha256) == ("rejected", "truncated JPEG", 20, "bb")
    assert pending(store) == []
    assert store.delete_sources(["/p/a'b.md"]) == 1
    assert set(store.get_sources()) == {"/p/c.jpg"}


def test_timeline_buckets_by_local_day(store, rng):
    vecs = mrl_vectors(rng, 5)
    day1 = datetime(2024, 3, 1, 9, 0).timestamp()
    day1_late = datetime(2024, 3, 1, 23, 30).timestamp()
    day2 = datetime(2024, 3, 2, 0, 15).timestamp()
    store.replace_paths(
        SPACE_A,
        [
            mem(0, vecs[0], captured_at=day1),
            mem(1, vecs[1], captured_at=day1_late, modality="image"),
            mem(2, vecs[2], captured_at=day1_late, modality="image"),
            mem(3, vecs[3], captured_at=day2, modality="audio"),
        ],
    )
    assert store.timeline(SPACE_A) == [("2024-03-02", {"audio": 1}), ("2024-03-01", {"text": 1, "image": 2})]
    assert store.timeline(SPACE_A, Filters(modalities=["audio"])) == [("2024-03-02", {"audio": 1})]
    assert store.timeline(SPACE_B) == []


def test_optimize_builds_ann_index_past_threshold(store, rng):
    vecs = mrl_vectors(rng, 600)
    store.replace_paths(SPACE_A, [mem(i, v) for i, v in enumerate(vecs)])
    assert not store.has_ann_index(SPACE_A)
    assert "ann:vec_16" not in store.optimize(SPACE_A, ann_threshold=10_000)[table_name(SPACE_A)]
    report = store.optimize(ann_threshold=500)
    assert "ann:vec_16" in report[table_name(SPACE_A)]
    assert store.has_ann_index(SPACE_A) and store.has_ann_index(SPACE_A, 16) and not store.has_ann_index(SPACE_A, 64)
    hit = store.search(SPACE_A, vecs[42], candidate_tier=16, limit=5)[0]
    assert hit.id == mem(42, vecs[42]).id and hit.score == pytest.approx(1.0, abs=1e-5)
    late = mrl_vectors(rng, 1)[0]  # rows added after the index still show up
    store.replace_paths(SPACE_A, [mem(700, late)])
    assert store.search(SPACE_A, late, candidate_tier=16, limit=1)[0].id == mem(700, late).id
    store.optimize(ann_threshold=500, ann_type="IVF_PQ", ann_tier=64)
    assert store.has_ann_index(SPACE_A, 64)
    assert store.search(SPACE_A, vecs[9], limit=1)[0].id == mem(9, vecs[9]).id


def test_optimize_indexes_recalls_filter_columns_and_filtered_full_text_still_answers(store, rng):
    vecs = mrl_vectors(rng, 60)
    kinds = [("text", "notes"), ("audio", "mic"), ("image", "photos")]
    mems = [
        mem(
            i,
            v,
            modality=kinds[i % 3][0],
            source=kinds[i % 3][1],
            captured_at=1.7e9 + i,
            text=f"harbor {i}" if i % 4 else f"meadow {i}",
        )
        for i, v in enumerate(vecs)
    ]
    store.replace_paths(SPACE_A, mems)

    def text_hits(**kw):
        t = store.space_table(SPACE_A)
        where = filters_where(Filters(**kw), frozenset())
        tab = search._fts(t, store.index_columns(t), "harbor", where, ["id"], 100)
        return set(tab.column("id").to_pylist())

    def want(keep):
        return {m.id for i, m in enumerate(mems) if i % 4 and keep(i, m)}

    report = store.optimize(SPACE_A)[table_name(SPACE_A)]
    assert {"btree:captured_at", "bitmap:modality", "bitmap:source"} <= set(report)
    have = store.index_columns(store.space_table(SPACE_A))
    assert have["modality"] == have["source"] == "Bitmap" and have["captured_at"] == "BTree"
    # full text filtered through those indices finds exactly the matching rows
    assert text_hits(modalities=["audio"]) == want(lambda i, m: m.modality == "audio")
    assert text_hits(sources=["photos", "notes"]) == want(lambda i, m: m.source in ("photos", "notes"))
    assert text_hits(since=1.7e9 + 30) == want(lambda i, m: i >= 30)
    late = mem(99, vecs[0], modality="audio", source="mic", captured_at=1.8e9, text="harbor late")
    store.replace_paths(SPACE_A, [late])  # a row the indices do not cover yet
    assert late.id in text_hits(modalities=["audio"], since=1.75e9)
    assert "bitmap:modality" not in store.optimize(SPACE_A)[table_name(SPACE_A)]  # built once


def test_a_table_mid_create_reads_as_empty_and_can_still_be_created(store, rng, tmp_path):
    """Another process's create_table makes the table's folder before its first version;
    a reader that lists the store in between must see an empty space, not an error."""
    vecs = mrl_vectors(rng, 2)
    store.replace_paths(SPACE_A, [mem(0, vecs[0])])
    (tmp_path / "store" / f"{table_name(SPACE_B)}.lance" / "_versions").mkdir(parents=True)
    reader = MemoryStore(str(tmp_path / "store"))
    assert reader.spaces() == [SPACE_A]
    assert reader.versions(SPACE_B)[1] == -1
    assert reader.search(SPACE_B, vecs[0]) == [] and reader.count(SPACE_B) == {}
    reader.replace_paths(SPACE_B, [mem(1, vecs[1], path="/b/1")])
    assert reader.spaces() == sorted([SPACE_A, SPACE_B]) and reader.count(SPACE_B) == {"text": 1}


def test_reader_sees_writes_of_another_process_handle(store, rng, tmp_path):
    vecs = mrl_vectors(rng, 3)
    store.replace_paths(SPACE_A, [mem(0, vecs[0])])
    reader = MemoryStore(str(tmp_path / "store"))
    assert reader.count(SPACE_A) == {"text": 1}
    store.replace_paths(SPACE_A, [mem(1, vecs[1]), mem(2, vecs[2])])
    assert reader.count(SPACE_A) == {"text": 3}
    assert reader.search(SPACE_A, vecs[2], limit=1)[0].id == mem(2, vecs[2]).id


def test_vectors_get_count_and_size(store, rng):
    vecs = mrl_vectors(rng, 4)
    mems = [mem(i, v, modality=["text", "image"][i % 2]) for i, v in enumerate(vecs)]
    store.replace_paths(SPACE_A, mems)
    got = store.get_vectors(SPACE_A, [mems[1].id, "missing"])
    assert list(got) == [mems[1].id] and np.allclose(got[mems[1].id], vecs[1])
    hit = store.get(SPACE_A, mems[2].id)
    assert isinstance(hit, Hit) and hit.path == mems[2].path and store.get(SPACE_A, "nope") is None
    assert store.count(SPACE_A) == {"text": 2, "image": 2}
    assert store.count(by="source") == {"notes": 4}
    with pytest.raises(StoreError):
        store.count(SPACE_A, by="text")
    assert store.size_bytes() > 0
    assert MemoryStore("s3://bucket/augmem").size_bytes() is None
    with pytest.raises(StoreError):
        store.replace_paths(
            SPACE_A,
            [
                Memory(
                    id="x",
                    modality="text",
                    source="notes",
                    path="/x",
                    content_sha256="",
                    size=0,
                    mtime=0,
                    captured_at=0,
                    vectors={64: [float("nan")] * 64},
                )
            ],
        )


def test_a_layout_1_table_is_upgraded_in_place_on_first_open(tmp_path, rng):
    """A store written before derived-text facets (no memory_id / facet / detail columns) is
    read by every path at once: counts, search, the timeline, upkeep."""
    import json as _json

    import lancedb
    import pyarrow as pa

    uri = str(tmp_path / "old-store")
    vecs = mrl_vectors(rng, 3)
    cols = [
        ("id", pa.string()),
        ("modality", pa.string()),
        ("source", pa.string()),
        ("path", pa.string()),
        ("content_sha256", pa.string()),
        ("size", pa.int64()),
        ("mtime", pa.float64()),
        ("captured_at", pa.float64()),
        ("text", pa.string()),
        ("chunk_start", pa.int64()),
        ("chunk_end", pa.int64()),
        ("space", pa.string()),
    ]
    cols += [(f"vec_{k}", pa.list_(pa.float32(), k)) for k in TIERS]
    meta = {b"augmem.space": SPACE_A.encode(), b"augmem.tiers": _json.dumps(TIERS).encode(), b"augmem.layout": b"1"}
    schema = pa.schema(cols, metadata=meta)
    rows = {c: [] for c, _ in cols}
    for i, v in enumerate(vecs):
        m = mem(i, v)
        for c in rows:
            rows[c].append(
                m.vectors[int(c[4:])] if c.startswith("vec_") else SPACE_A if c == "space" else getattr(m, c)
            )
    lancedb.connect(uri).create_table(table_name(SPACE_A), data=pa.table(rows, schema=schema))

    store = MemoryStore(uri)
    assert store.count(SPACE_A) == {"text": 3}  # the first call touches the table: it upgrades
    assert {"memory_id", "facet", "detail"} <= set(store.open_table(table_name(SPACE_A)).schema.names)
    hits = store.search(SPACE_A, vecs[1], limit=3)
    assert hits[0].id == mem(1, vecs[1]).id and hits[0].facet == "text"
    assert sum(sum(c.values()) for _, c in store.timeline(SPACE_A)) == 3
    assert "compact" in store.optimize()[table_name(SPACE_A)]
    store.replace_paths(SPACE_A, [mem(7, mrl_vectors(rng, 1)[0])])  # new rows go in beside the old ones
    assert MemoryStore(uri).count(SPACE_A) == {"text": 4}
