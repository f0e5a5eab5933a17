"""A synthetic store of N memories in AIST-87M's layout (1280/256/64 tiers), built once and cached.

Used by bench/recall.py (store-level and daemon recall at 10k, 100k and 1M memories). What it holds:

* The vectors live in the space of a bench artifact: a synthesized AIST-87M (random heads, real
  MiniLM text backbone; `augmem.models.aist.synth`) whose text head's output rows are scaled by
  1/sqrt(i+1), so its vectors carry most of their energy in the first dimensions, like a
  Matryoshka-trained model's (and like the synthetic vectors bench/recall.py used before). The
  daemon in the benchmark loads this artifact and embeds real text queries with it, so query
  embedding is measured for real and queries land where the memories are.
* Memories are topic mixtures in that space: K topics (one per ~500 memories) are embeddings of
  four-word texts; a memory is unit(topic + b * another topic + Matryoshka-shaped noise). Queries
  are embeddings (behind the query prompt, as recall makes them) of three of a topic's words plus
  one other, so every query has a few hundred related memories and a contested top 10.
* Rows are facets: every memory has its own row (modality text/image/audio in turn; source notes /
  photos / audio or mic), and 5 % of the photos and clips also have a derived-text row (OCR /
  transcript) with its own vector and text, sharing the memory's id. Notes and derived rows
  carry text (their topic words and four more), so full-text search has work to do.
* captured_at is spread over the year before T0 (in meta.json), so `--since 1w` keeps ~2 %.
* A sources ledger with one row per memory (status ok; no content hash: there are no files, so
  the daemon's transcription job finds nothing to do).
* Ground truth: for every query and filter, the exact full-dimension (1280-d) ranking of memories
  (best facet per memory), top 200, computed while the rows are generated.

The store is cached under bench/results/stores/ (gitignored) and reused while its parameters
match; `build()` prints how long building took.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from augmem.records import Filters

DIM, TIERS = 1280, [1280, 256, 64]
LAYOUT = 3
"""Bumped whenever what build() writes changes (cached stores of another layout are rebuilt)."""
CHUNK = 50_000
DAY = 86_400.0
T0 = 1_780_000_000.0
"""The benchmark's "now" (2026-05-28): captured_at lies in the year before it."""
TRUTH_K = 200
N_QUERIES = 160
"""Query texts with ground truth: 40 per filter measured, so no query repeats (the daemon caches
query vectors)."""
DERIVED_SHARE = 0.05
ROOT = Path(__file__).resolve().parent / "results" / "stores"
VOCAB = tuple(
    dict.fromkeys(
        (  # noqa: SIM905 (a word list reads better as text)
            "amber falcon quartz meadow harbor lantern violet summit ember willow canyon orchid glacier cobalt "
            "thistle juniper saffron tundra marble cedar bicycle sourdough tulip piano fence waterfall receipt "
            "faucet scarf bookshelf dentist budget guitar chord mountain ridge lake beach umbrella towel garlic "
            "cumin lentil soup pond squirrel hiring review marketing invoice passport ticket train airport "
            "birthday cake candle garden tomato basil ladder paint brush camera lens tripod river bridge castle "
            "museum ticket concert violin drum trumpet kitchen oven kettle teapot blanket pillow window curtain "
            "carpet stairs attic basement garage engine tyre helmet jacket boots glove hat scarf ring necklace "
            "watch wallet key lock door bell clock calendar meeting deadline report slide chart printer paper "
            "pencil notebook letter stamp parcel courier market bakery pharmacy doctor nurse clinic school "
            "teacher lesson homework exam library novel poem story comic movie theatre actor stage audience "
        ).split()
    )
)
FILTERS: dict[str, Filters] = {
    "none": Filters(),
    "audio": Filters(modalities=["audio"]),
    "since-1w": Filters(since=T0 - 7 * DAY),
    "source-mic": Filters(sources=["mic"]),
}
"""The filters measured (name -> Filters): none, `-m audio`, `--since 1w`, `-s mic`."""


@dataclass
class BenchStore:
    """A built store and what the benchmark needs to know about it."""

    folder: Path
    store_uri: str
    artifact: Path
    space: str
    n: int
    rows: int
    queries: list[str]
    query_vecs: np.ndarray
    truth: dict[str, list[list[str]]]
    """filter name -> per query, the exact top-TRUTH_K memory ids (full 1280-d cosine, best facet)."""
    truth_scores: dict[str, list[list[float]]]
    build_s: float
    built_now: bool


def scale() -> np.ndarray:
    """Per-dimension scale of the bench space: energy decays like 1/(i+1)."""
    return (1 / np.sqrt(np.arange(1, DIM + 1, dtype=np.float64))).astype(np.float32)


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def bench_artifact(folder: Path) -> Path:
    """The bench AIST-87M: synthesized, text head rows scaled by 1/sqrt(i+1) (see the module doc)."""
    out = folder / "AIST-87M-bench.safetensors"
    if out.exists():
        return out
    import torch
    from safetensors.torch import load_file, save_file

    from augmem.models.aist import synth

    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / "AIST-87M-synth.safetensors"
    meta = synth(raw, seed=0, text_from="minilm")
    state = load_file(str(raw))
    s = torch.from_numpy(scale())
    state["text_projection.proj_out.weight"] = state["text_projection.proj_out.weight"] * s[:, None]
    state["text_projection.proj_out.bias"] = state["text_projection.proj_out.bias"] * s
    meta = {**meta, "artifact": meta["artifact"] + "; bench: text head rows scaled by 1/sqrt(i+1)"}
    tmp = out.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp), metadata=meta)
    tmp.replace(out)
    raw.unlink()
    return out


def embedder(artifact: Path):
    """The bench artifact loaded in this process (fp32, the query prompt on), as the daemon loads it."""
    from augmem.models.aist import AIST87MEmbedder
    from augmem.models.artifacts import sha256_file

    return AIST87MEmbedder(artifact, sha256_file(artifact), "cpu", precision="fp32")


def texts(n_topics: int, n_queries: int, seed: int) -> tuple[list[list[str]], list[str], list[int]]:
    """Topic word lists, query texts and each query's topic."""
    rng = np.random.default_rng(seed)
    topics = [list(rng.choice(VOCAB, 4, replace=False)) for _ in range(n_topics)]
    queries, of = [], []
    for _ in range(n_queries):
        t = int(rng.integers(n_topics))
        words = [*rng.choice(topics[t], 3, replace=False), str(rng.choice(VOCAB))]
        rng.shuffle(words)
        queries.append(" ".join(words))
        of.append(t)
    return topics, queries, of


def mask(filters: Filters, modality: np.ndarray, source: np.ndarray, captured: np.ndarray) -> np.ndarray:
    """Rows a filter keeps (the same predicate augmem.store.sql.filters_where writes)."""
    keep = np.ones(len(modality), bool)
    if filters.modalities:
        keep &= np.isin(modality, filters.modalities)
    if filters.sources:
        keep &= np.isin(source, filters.sources)
    if filters.since is not None:
        keep &= captured >= filters.since
    if filters.until is not None:
        keep &= captured <= filters.until
    return keep


def detail_for(facet: str, text: str) -> str:
    """The `detail` JSON a derived-text row carries, shaped as augmem's derivations write it (a
    transcript's language and segments, OCR's word count and languages); other rows have none.
    An all-empty column is much slower for LanceDB to read at random than one with some values
    (augmem/store/resident.py, _TAKEN), so the bench store holds what a real one does."""
    from augmem import codec
    from augmem.records import DerivedDetail, Segment

    if facet == "transcript":
        words = text.split()
        half = len(words) // 2
        segments = [Segment(0.0, 2.4, " ".join(words[:half])), Segment(2.4, 5.0, " ".join(words[half:]))]
        return codec.dumps(DerivedDetail(language="en", duration=5.0, segments=segments, seconds=0.9))
    if facet == "ocr":
        return codec.dumps(DerivedDetail(words=len(text.split()), languages=["eng"], seconds=0.1))
    return ""


def with_details(folder: Path, meta: dict, log) -> None:
    """Give a store cached before detail_for its derived rows' details (rewritten in place: the
    ids, vectors and ground truth stay)."""
    import pyarrow as pa

    from augmem.records import DERIVED_FACETS
    from augmem.store import MemoryStore, table_name
    from augmem.store.sql import in_list

    store = MemoryStore(str(folder / "store"))
    t = store.open_table(table_name(meta["space"]))
    derived = in_list("facet", sorted(DERIVED_FACETS))
    rows = t.search().where(derived).select(["id", "facet", "text"]).limit(None).to_arrow()
    details = [detail_for(f, tx) for f, tx in zip(rows.column("facet").to_pylist(), rows.column("text").to_pylist())]
    update = pa.table({"id": rows.column("id"), "detail": pa.array(details, pa.string())})
    log(f"  giving {rows.num_rows:,} derived rows their detail")
    t.merge_insert("id").when_matched_update_all().execute(update)
    store.optimize(ann_threshold=10**12)
    meta["details"] = True
    (folder / "meta.json").write_text(json.dumps(meta))


def _key(n: int, seed: int, n_queries: int) -> str:
    return f"n{n}-q{n_queries}-s{seed}-L{LAYOUT}"


def build(n: int, *, seed: int = 1, n_queries: int = N_QUERIES, root: Path = ROOT, log=print) -> BenchStore:
    """The cached store of n memories (built now if missing or stale)."""
    root.mkdir(parents=True, exist_ok=True)
    folder = root / _key(n, seed, n_queries)
    meta_file = folder / "meta.json"
    artifact = bench_artifact(root)
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if not meta.get("details"):
            with_details(folder, meta, log)
        return _loaded(folder, artifact, meta, built_now=False)
    shutil.rmtree(folder, ignore_errors=True)
    t_start = time.perf_counter()
    meta = _build(folder, artifact, n, seed, n_queries, log)
    meta["build_s"] = round(time.perf_counter() - t_start, 1)
    meta["details"] = True
    (folder / "meta.json").write_text(json.dumps(meta))
    log(f"built the {n:,}-memory store in {meta['build_s']:.0f} s ({folder})")
    return _loaded(folder, artifact, meta, built_now=True)


def _loaded(folder: Path, artifact: Path, meta: dict, built_now: bool) -> BenchStore:
    return BenchStore(
        folder=folder,
        store_uri=str(folder / "store"),
        artifact=artifact,
        space=meta["space"],
        n=meta["n"],
        rows=meta["rows"],
        queries=meta["queries"],
        query_vecs=np.asarray(meta["query_vecs"], np.float32),
        truth=meta["truth"],
        truth_scores=meta["truth_scores"],
        build_s=meta["build_s"],
        built_now=built_now,
    )


def _build(folder: Path, artifact: Path, n: int, seed: int, n_queries: int, log) -> dict:
    import pyarrow as pa

    from augmem.models.artifacts import sha256_file
    from augmem.store import MemoryStore
    from augmem.store.schema import mem_schema, sources_schema
    from augmem.store.sql import SOURCES

    space = "aist-87m:" + sha256_file(artifact)
    emb = embedder(artifact)
    n_topics = max(64, n // 500)
    topic_words, queries, _ = texts(n_topics, n_queries, seed)
    t0 = time.perf_counter()
    topics = emb.embed_texts([" ".join(w) for w in topic_words])
    qv = emb.embed_texts(queries, query=True)
    log(f"  embedded {n_topics:,} topics and {n_queries} queries in {time.perf_counter() - t0:.0f} s")
    del emb
    store = MemoryStore(str(folder / "store"))
    store.ensure_space(space, TIERS)
    t = store.space_table(space)
    sources = store._table_or_create(SOURCES, sources_schema())
    rng = np.random.default_rng(seed + 7)
    sc = scale()
    schema = mem_schema(space, TIERS)
    best: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # filter -> (scores (Q, K), memory index (Q, K))
    rows = 0
    t_gen = t_write = 0.0
    for start in range(0, n, CHUNK):
        g0 = time.perf_counter()
        m = min(CHUNK, n - start)
        idx = np.arange(start, start + m)
        modality = np.array(("text", "image", "audio"))[idx % 3]
        source = np.where(
            modality == "text",
            "notes",
            np.where(modality == "image", "photos", np.where((idx // 3) % 2 == 0, "audio", "mic")),
        )
        captured = T0 - rng.random(m) * 365 * DAY
        derived = (modality != "text") & (rng.random(m) < DERIVED_SHARE * 1.5)
        own_t = rng.integers(n_topics, size=m)
        # each row: (memory index, its topic); derived rows follow their memory's own row
        mem = np.concatenate([idx, idx[derived]])
        top = np.concatenate([own_t, own_t[derived]])
        r = len(mem)
        other = rng.integers(n_topics, size=r)
        b = rng.random(r, dtype=np.float32) * 0.6
        noise = rng.standard_normal((r, DIM), dtype=np.float32) * sc
        noise *= 0.9 / np.linalg.norm(noise, axis=1, keepdims=True)
        full = unit(topics[top] + b[:, None] * topics[other] + noise)
        is_derived = np.arange(r) >= m
        pos = mem - start
        row_mod, row_src, row_cap = modality[pos], source[pos], captured[pos]
        ids = np.where(
            is_derived,
            np.char.add("f", np.char.zfill(mem.astype(str), 8)),
            np.char.add("m", np.char.zfill(mem.astype(str), 8)),
        )
        mids = np.char.add("m", np.char.zfill(mem.astype(str), 8))
        ext = {"text": ".md", "image": ".jpg", "audio": ".flac"}
        paths = [f"/bench/{mo}/{i:08d}{ext[mo]}" for mo, i in zip(row_mod.tolist(), mem.tolist())]
        facet = np.where(is_derived, np.where(row_mod == "image", "ocr", "transcript"), row_mod)
        has_text = (row_mod == "text") | is_derived
        extra = rng.integers(len(VOCAB), size=(r, 4))
        text = [
            " ".join([*topic_words[tt], *(VOCAB[e] for e in ex)]) if ht else ""
            for tt, ex, ht in zip(top.tolist(), extra.tolist(), has_text.tolist())
        ]
        # ground truth: exact full-dim scores, best facet per memory, per filter
        sims = qv @ full.T  # (Q, r)
        for name, f in FILTERS.items():
            keep = mask(f, row_mod, row_src, row_cap)
            s = np.where(keep[None, :], sims, -np.inf)
            prev = best.get(name)
            cand_s = s if prev is None else np.concatenate([prev[0], s], axis=1)
            cand_i = (
                np.broadcast_to(mem, s.shape)
                if prev is None
                else np.concatenate([prev[1], np.broadcast_to(mem, s.shape)], axis=1)
            )
            k = min(4 * TRUTH_K, cand_s.shape[1])
            part = np.argpartition(-cand_s, k - 1, axis=1)[:, :k]
            best[name] = (np.take_along_axis(cand_s, part, 1), np.take_along_axis(cand_i, part, 1))
        cols = {
            "id": ids.tolist(),
            "modality": row_mod.tolist(),
            "source": row_src.tolist(),
            "path": paths,
            "content_sha256": [""] * r,
            "size": [1000] * r,
            "mtime": row_cap.tolist(),
            "captured_at": row_cap.tolist(),
            "text": text,
            "chunk_start": [0] * r,
            "chunk_end": [0] * r,
            "space": [space] * r,
            "memory_id": mids.tolist(),
            "facet": facet.tolist(),
            "detail": [detail_for(f, tx) for f, tx in zip(facet.tolist(), text)],
        }
        for k in TIERS:
            v = full if k == DIM else unit(full[:, :k])
            cols[f"vec_{k}"] = pa.FixedSizeListArray.from_arrays(pa.array(v.ravel()), k)
        data = pa.table(cols, schema=schema)
        ledger = pa.table(
            {
                "path": [p for p, d in zip(paths, is_derived.tolist()) if not d],
                "source": source.tolist(),
                "modality": modality.tolist(),
                "size": [1000] * m,
                "mtime": captured.tolist(),
                "content_sha256": [""] * m,
                "status": ["ok"] * m,
                "reason": [""] * m,
                "captured_at": captured.tolist(),
                "updated_at": [T0] * m,
            },
            schema=sources_schema(),
        )
        w0 = time.perf_counter()
        t_gen += w0 - g0
        t.add(data)
        sources.add(ledger)
        t_write += time.perf_counter() - w0
        rows += r
        log(f"  wrote {start + m:,}/{n:,} memories ({rows:,} rows)")
    c0 = time.perf_counter()
    store.optimize(ann_threshold=10**12)  # compaction, the full-text and scalar indices; no ANN index
    import warnings
    from datetime import timedelta

    with warnings.catch_warnings():  # drop the pre-compaction copy now (it doubles the store's bytes)
        warnings.simplefilter("ignore")
        for tab in (t, sources):
            tab.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
    compact_s = time.perf_counter() - c0
    truth, truth_scores = {}, {}
    for name, (s, i) in best.items():
        truth[name], truth_scores[name] = [], []
        for qs, qi in zip(s, i):
            order = np.argsort(-qs, kind="stable")
            seen: dict[int, float] = {}
            for j in order:
                if not np.isfinite(qs[j]):
                    break
                seen.setdefault(int(qi[j]), float(qs[j]))
                if len(seen) == TRUTH_K:
                    break
            truth[name].append([f"m{k:08d}" for k in seen])
            truth_scores[name].append(list(seen.values()))
    log(f"  generated in {t_gen:.0f} s, written in {t_write:.0f} s, compacted + indexed in {compact_s:.0f} s")
    return {
        "n": n,
        "rows": rows,
        "seed": seed,
        "space": space,
        "layout": LAYOUT,
        "t0": T0,
        "queries": queries,
        "query_vecs": qv.tolist(),
        "truth": truth,
        "truth_scores": truth_scores,
        "gen_s": round(t_gen, 1),
        "write_s": round(t_write, 1),
        "compact_s": round(compact_s, 1),
        "artifact_sha256": hashlib.sha256(artifact.read_bytes()).hexdigest(),
    }


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="build (or find) the cached bench store")
    ap.add_argument("n", type=int)
    ap.add_argument("--queries", type=int, default=N_QUERIES)
    a = ap.parse_args()
    bs = build(a.n, n_queries=a.queries)
    print(bs.folder, bs.rows, bs.build_s)
