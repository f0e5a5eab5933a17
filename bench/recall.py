"""Recall@10 and latency of MemoryStore search per tier, two-stage and ANN, on synthetic Matryoshka-like memories.

Usage: python bench/recall.py [--sizes 10000,100000] [--candidates 100,200] [--ann IVF_HNSW_SQ,IVF_PQ]

Vectors are 1280-d with tiers [1280, 256, 64] like AIST-87M. They are clustered (so ANN partitions mean
something) and their variance decays along the dimensions (so, as in Matryoshka embeddings, a prefix
carries most of the signal). Queries are fresh points from the same distribution, not stored rows.
Ground truth is exact full-dimension brute force in numpy. Results: a table on stdout and
bench/results/recall.json (store_mb there still counts the pre-compaction versions that optimize()
keeps for its cleanup window).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from augmem.records import Memory  # noqa: E402
from augmem.store import MemoryStore  # noqa: E402

SPACE = "aist-87m:" + "5e" * 32
DIM, TIERS = 1280, [1280, 256, 64]
CHUNK = 20_000  # rows generated and written per batch (bounded memory at 1M)
SCALE = 1 / np.sqrt(np.arange(1, DIM + 1, dtype=np.float32))
NOISE = 0.7


def unit(v: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def centers(n: int, seed: int) -> np.ndarray:
    """Cluster centres: about one per 200 memories."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(max(20, n // 200), DIM)) * SCALE).astype(np.float32)


def points(c: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n unit vectors around random centres."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(c), n)
    return unit(c[pick] + NOISE * (rng.normal(size=(n, DIM)) * SCALE).astype(np.float32)).astype(np.float32)


def memories(vecs: np.ndarray, start: int) -> list[Memory]:
    """Memories with all three tiers (prefix, renormalised)."""
    tiers = {k: unit(vecs[:, :k]) for k in TIERS}
    return [Memory(id=f"m{start + i:08d}", modality=("text", "image", "audio")[i % 3], source="bench",
                   path=f"/bench/{(start + i) // 4}.md", content_sha256="", size=0, mtime=0.0,
                   captured_at=1.7e9 + start + i, text="", chunk_start=(start + i) % 4,
                   vectors={k: tiers[k][i] for k in TIERS}) for i in range(len(vecs))]


def build(store: MemoryStore, n: int, queries: np.ndarray, seed: int) -> tuple[list[set[str]], float]:
    """Write n memories in batches; return exact top-10 ids per query and seconds spent writing."""
    c = centers(n, seed)
    best_s = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 10), dtype=np.int64)
    store.ensure_space(SPACE, TIERS)
    write = 0.0
    for start in range(0, n, CHUNK):
        vecs = points(c, min(CHUNK, n - start), seed + 1 + start)
        sims = queries @ vecs.T
        all_s = np.concatenate([best_s, sims], axis=1)
        all_i = np.concatenate([best_i, np.arange(start, start + len(vecs))[None].repeat(len(queries), 0)], axis=1)
        top = np.argsort(-all_s, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(all_s, top, 1), np.take_along_axis(all_i, top, 1)
        t0 = time.perf_counter()
        store.upsert(SPACE, memories(vecs, start))
        write += time.perf_counter() - t0
        print(f"  wrote {start + len(vecs):,}/{n:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return [{f"m{i:08d}" for i in row} for row in best_i], write


def measure(store: MemoryStore, queries: np.ndarray, truth: list[set[str]], warmup: int, **kw) -> dict:
    """p50/p95 latency (ms) and mean recall@10 of store.search(**kw) over the queries."""
    for q in queries[:warmup]:
        store.search(SPACE, q, limit=10, **kw)
    lat, rec = [], []
    for q, t in zip(queries, truth):
        t0 = time.perf_counter()
        hits = store.search(SPACE, q, limit=10, **kw)
        lat.append((time.perf_counter() - t0) * 1000)
        rec.append(len({h.id for h in hits} & t) / 10)
    return {"p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
            "recall_at_10": float(np.mean(rec))}


def methods(candidates: list[int], tiers: list[int]) -> list[tuple[str, int, dict]]:
    """(label, tier whose index matters, search kwargs) for every method measured."""
    out = [(f"{k} only", k, {"candidate_tier": k, "candidates": 10}) for k in (64, 256) if k in tiers]
    out += [("1280 only", 1280, {"candidate_tier": None})] if 1280 in tiers else []
    for k in (64, 256):
        out += [(f"{k}->1280 (c={c})", k, {"candidate_tier": k, "candidates": c}) for c in candidates if k in tiers]
    return out


def run_size(n: int, args, workdir: Path) -> list[dict]:
    """All measurements for one store size."""
    path = workdir / f"store_{n}"
    shutil.rmtree(path, ignore_errors=True)
    store = MemoryStore(str(path))
    queries = points(centers(n, args.seed), args.queries, args.seed + 10**9)
    truth, write_s = build(store, n, queries, args.seed)
    t0 = time.perf_counter()
    store.optimize(ann_threshold=10**12)  # compaction + scalar/FTS indices only
    base = {"n": n, "write_s": round(write_s, 1), "write_rows_per_s": round(n / write_s),
            "compact_s": round(time.perf_counter() - t0, 1), "store_mb": round(store.size_bytes() / 2**20)}
    rows = []
    for label, _, kw in methods(args.candidates, args.tiers):
        rows.append({**base, "method": label, "index": "flat", **measure(store, queries, truth, args.warmup, **kw)})
        report(rows[-1])
    for ann in args.ann:
        for k in args.tiers:
            if k == 1280 and n > args.max_ann_1280:
                continue  # a 1280-d index at 1M rows takes far too long on a small box
            store.drop_ann_index(SPACE, k)
            t0 = time.perf_counter()
            store.optimize(SPACE, ann_threshold=0, ann_tier=k, ann_type=ann)
            built = round(time.perf_counter() - t0, 1)
            for label, tier, kw in methods(args.candidates, args.tiers):
                if tier == k:
                    r = measure(store, queries, truth, args.warmup, **kw)
                    rows.append({**base, "method": label, "index": ann, "index_build_s": built, **r})
                    report(rows[-1])
            store.drop_ann_index(SPACE, k)
    if not args.keep:
        shutil.rmtree(path, ignore_errors=True)
    return rows


def report(r: dict) -> None:
    """One table line."""
    build = f"{r['index_build_s']:>7.1f}" if "index_build_s" in r else " " * 7
    print(f"{r['n']:>9,}  {r['method']:<20} {r['index']:<12} {build}  {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}"
          f"   {r['recall_at_10']:.3f}", flush=True)


def main() -> None:
    """Parse flags, run every size, print the table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated store sizes (1000000 is slow)")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--candidates", default="200", help="comma-separated candidate counts for two-stage")
    ap.add_argument("--ann", default="IVF_HNSW_SQ", help="comma-separated: IVF_HNSW_SQ, IVF_PQ ('' = none)")
    ap.add_argument("--max-ann-1280", type=int, default=100_000, help="skip the 1280-d ANN index above this N")
    ap.add_argument("--tiers", default="64,256,1280", help="candidate tiers to measure (and index)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None, help="where the stores are written (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "recall.json"))
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.candidates = [int(c) for c in args.candidates.split(",") if c]
    args.ann = [a for a in args.ann.split(",") if a]
    args.tiers = [int(k) for k in args.tiers.split(",") if k]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="augmem-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'N':>9}  {'method':<20} {'index':<12} {'build s':>7}  {'p50 ms':>8} {'p95 ms':>8}   recall@10")
    rows = []
    for n in args.sizes:
        rows += run_size(n, args, workdir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"dim": DIM, "tiers": TIERS, "queries": args.queries, "warmup": args.warmup, "seed": args.seed,
            "machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()}
    try:  # keep earlier results for sizes not re-run (1M is usually run on its own)
        rows = [r for r in json.loads(out.read_text())["results"] if r["n"] not in args.sizes] + rows
    except (OSError, ValueError, KeyError, TypeError):
        pass
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    print(f"wrote {out}", file=sys.stderr)
    if args.workdir is None and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
