"""Recall at 10k, 100k and 1M memories: the daemon path (query embedding included), the store-level
search it replaces, and the physical floor, with and without filters.

Usage: python bench/recall.py [--sizes 10000,100000,1000000] [--queries 40] [--skip-table]

The stores are synthetic (bench/benchstore.py: AIST-87M's 1280/256/64 layout, Matryoshka-like
vectors in the space of a bench AIST-87M artifact, 5 % derived-text facets, a year of
captured_at, notes with text), built once and cached under bench/results/stores/. Per size:

* store, table: `augmem.store.search.search` (LanceDB scans the 256-d tier, reranks 200 on the
  full vector) on the query vectors, no full text; what recall did before the resident tier.
* store, resident: `augmem.store.resident` in this process on the same vectors: its load time
  and memory, latency and recall@10 against exact 1280-d search (the build's ground truth).
* floor: the 32-d scan of every resident row and the top-8,000 selection alone, in numpy.
* daemon: a real `python -m augmem daemon run` on the store with the bench artifact; each recall
  is a DaemonClient call with a text query the daemon embeds (each query text once: the daemon
  caches query vectors). Besides wall time, the daemon's CPU time per recall (all its threads),
  which a busy machine inflates less than wall time. Full text is fused in as the CLI's recall
  does, so recall@10 is taken against exact 1280-d search fused with the same full-text results
  by the same RRF over a pool of the same size. Also: time from start until the socket answers
  and until the resident tier is ready, and the daemon's RSS.

Filters: none, `-m audio`, `--since 1w`, `-s mic`. Prints the load average, a table, one
`daemon-recall n=... p50_ms=... p95_ms=... recall_at_10=... rss_mb=...` line per size and filter,
and writes bench/results/recall.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchstore
from bench._util import median, percentile, print_table, write_json

LIMIT = 10
CANDIDATES = max(100, LIMIT * 20)  # what augmem.core.Augmem.recall passes


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def recall_at(got: list[str], want: list[str]) -> float:
    return len(set(got[:LIMIT]) & set(want[:LIMIT])) / LIMIT


def stats(lat_s: list[float], rec: list[float]) -> dict:
    return {
        "p50_ms": median(lat_s) * 1000,
        "p95_ms": percentile(lat_s, 95) * 1000,
        "recall_at_10": float(np.mean(rec)),
        "queries": len(lat_s),
    }


def query_sets(bs: benchstore.BenchStore, per_filter: int) -> dict[str, list[int]]:
    """Disjoint query indices per filter (a daemon's query cache must not answer any of them)."""
    names = list(benchstore.FILTERS)
    per = min(per_filter, len(bs.queries) // len(names))
    return {name: list(range(i * per, (i + 1) * per)) for i, name in enumerate(names)}


def fused_reference(store, bs: benchstore.BenchStore, name: str, qi: int, pool: int) -> list[str]:
    """Exact 1280-d search fused with full text as augmem.store.search.rank fuses them: the pool is
    the exact top `pool` memories plus the full-text rows, ordered by cosine, then RRF."""
    from augmem.store.schema import matrix
    from augmem.store.search import RRF_K, _fts
    from augmem.store.sql import filters_where

    t = store.space_table(bs.space)
    q = bs.query_vecs[qi] / np.linalg.norm(bs.query_vecs[qi])
    score = dict(zip(bs.truth[name][qi][:pool], bs.truth_scores[name][qi][:pool]))
    tab = _fts(
        t,
        store.index_columns(t),
        bs.queries[qi],
        filters_where(benchstore.FILTERS[name]),
        ["id", "memory_id", "vec_1280"],
        max(2 * LIMIT, 20),
    )
    fts = []
    if tab is not None and tab.num_rows:
        fts = tab.column("memory_id").to_pylist()
        for mid, sim in zip(fts, (matrix(tab.column("vec_1280"), 1280) @ q).tolist()):
            score[mid] = max(score.get(mid, -2.0), sim)
    order = sorted(score, key=lambda m: -score[m])
    if fts:
        text_rank = {m: r for r, m in enumerate(dict.fromkeys(fts), 1)}
        fused = {
            m: 1 / (RRF_K + r) + (1 / (RRF_K + text_rank[m]) if m in text_rank else 0) for r, m in enumerate(order, 1)
        }
        order = sorted(order, key=lambda m: (-fused[m], -score[m]))
    return order[:LIMIT]


def bench_store(bs: benchstore.BenchStore, sets: dict[str, list[int]], args) -> tuple[list[dict], dict]:
    """Store-level rows (table search, resident search, floor) and the resident tier's facts."""
    from augmem.store import MemoryStore, search
    from augmem.store.resident import SCAN_SHORTLIST, _top

    rows = []
    if not args.skip_table:
        table = MemoryStore(bs.store_uri)
        for name, idx in sets.items():
            f = benchstore.FILTERS[name]
            for qi in idx[: args.warmup]:
                search.search(table, bs.space, bs.query_vecs[qi], limit=LIMIT, filters=f, candidate_tier=256)
            lat, rec = [], []
            for qi in idx:
                t0 = time.perf_counter()
                hits = search.search(
                    table,
                    bs.space,
                    bs.query_vecs[qi],
                    limit=LIMIT,
                    filters=f,
                    candidate_tier=256,
                    candidates=CANDIDATES,
                )
                lat.append(time.perf_counter() - t0)
                rec.append(recall_at([h.id for h in hits], bs.truth[name][qi]))
            rows.append({"n": bs.n, "path": "store, table (256 -> 1280)", "filter": name, **stats(lat, rec)})
            report(rows[-1])
    store = MemoryStore(bs.store_uri, resident=True)
    t0 = time.perf_counter()
    tier = store.resident.tier(bs.space, 256, 32)
    assert tier is not None and tier.wait(600), "the resident tier did not load"
    facts = {
        "load_s": time.perf_counter() - t0,
        "rows": tier.rows,
        "bytes": tier.nbytes,
        "bytes_per_row": tier.nbytes / max(tier.rows, 1),
    }
    for name, idx in sets.items():
        f = benchstore.FILTERS[name]
        for qi in idx[: args.warmup]:
            store.search(bs.space, bs.query_vecs[qi], limit=LIMIT, filters=f, candidate_tier=256, scan_tier=32)
        lat, rec = [], []
        for qi in idx:
            t0 = time.perf_counter()
            hits = store.search(
                bs.space,
                bs.query_vecs[qi],
                limit=LIMIT,
                filters=f,
                candidate_tier=256,
                candidates=CANDIDATES,
                scan_tier=32,
            )
            lat.append(time.perf_counter() - t0)
            rec.append(recall_at([h.id for h in hits], bs.truth[name][qi]))
        rows.append({"n": bs.n, "path": "store, resident", "filter": name, **stats(lat, rec)})
        report(rows[-1])
    snap = tier.current()
    assert snap is not None
    lat = []
    for qi in sets["none"]:
        q = bs.query_vecs[qi, :32] / np.linalg.norm(bs.query_vecs[qi, :32])
        t0 = time.perf_counter()
        _top(snap.buf.scan[: snap.n] @ q, SCAN_SHORTLIST * CANDIDATES)
        lat.append(time.perf_counter() - t0)
    rows.append(
        {"n": bs.n, "path": "floor: numpy 32-d scan + top 8000", "filter": "none", **stats(lat, [float("nan")])}
    )
    report(rows[-1])
    return rows, facts


def bench_daemon(bs: benchstore.BenchStore, sets: dict[str, list[int]], args) -> tuple[list[dict], dict]:
    """Daemon-path rows: a real daemon on the bench store, text queries over its socket."""
    import psutil

    from augmem.store import MemoryStore
    from augmem.store.resident import FETCH_MIN, FETCH_PER_HIT
    from tests.daemon.proc import DaemonProcess, short_home, wait_for, write_config

    home = short_home("augr-")
    write_config(
        home,
        model="aist-87m",
        artifacts={"aist-87m": str(bs.artifact)},
        store_uri=bs.store_uri,
        model_options={"aist-87m": {"precision": "fp32"}},
    )
    d = DaemonProcess(home)
    pool = min(CANDIDATES, max(FETCH_PER_HIT * LIMIT, FETCH_MIN))
    reference = MemoryStore(bs.store_uri)
    rows: list[dict] = []
    try:
        t0 = time.perf_counter()
        d.start(wait=600)
        socket_s = time.perf_counter() - t0
        log = d.run_dir / "daemon.log"
        # the log says when the resident tier is in (status itself is slow on a 1M ledger)
        wait_for(
            lambda: log.exists() and "resident tier of" in log.read_text(), 600, interval=0.2, what="the resident tier"
        )
        ready_s = time.perf_counter() - t0
        proc = psutil.Process(d.proc.pid)
        proc.cpu_percent(None)
        # then let its start-up jobs (reconcile, migration and derivation checks) finish
        wait_for(lambda: proc.cpu_percent(1.0) < 10, 600, interval=0.0, what="the daemon to go idle")
        idle_s = time.perf_counter() - t0
        with d.client() as c:
            for i in range(args.warmup):  # warm the model's kernels; words no measured query has
                c.recall(f"warm up the daemon {i}", limit=LIMIT)
            for name, idx in sets.items():
                f = benchstore.FILTERS[name]
                lat, rec, cpu = [], [], []
                for qi in idx:
                    c0 = proc.cpu_times()
                    t1 = time.perf_counter()
                    result = c.recall(bs.queries[qi], filters=f, limit=LIMIT)
                    lat.append(time.perf_counter() - t1)
                    c1 = proc.cpu_times()
                    cpu.append(c1.user + c1.system - c0.user - c0.system)
                    rec.append(recall_at([h.id for h in result.hits], fused_reference(reference, bs, name, qi, pool)))
                rss = proc.memory_info().rss / 2**20
                rows.append(
                    {
                        "n": bs.n,
                        "path": "daemon (embed + search + socket)",
                        "filter": name,
                        **stats(lat, rec),
                        "rss_mb": rss,
                        "cpu_p50_ms": median(cpu) * 1000,
                    }
                )
                report(rows[-1])
        line = next(ln for ln in log.read_text().splitlines() if "resident tier of" in ln)
        assert d.terminate() == 0
    finally:
        d.cleanup()
    return rows, {"socket_s": socket_s, "ready_s": ready_s, "idle_s": idle_s, "resident_log": line}


def report(r: dict) -> None:
    print(
        f"  {r['n']:>9,}  {r['path']:<34} {r['filter']:<11} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}"
        f"   {r['recall_at_10']:.3f}"
        + (f"  {r['rss_mb']:,.0f} MB  cpu {r['cpu_p50_ms']:.1f} ms" if "rss_mb" in r else ""),
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated store sizes")
    ap.add_argument("--queries", type=int, default=40, help="queries per filter (each text used once)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--skip-table", action="store_true", help="skip the store-level table search (slow at 1M)")
    ap.add_argument("--skip-daemon", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    os.environ.setdefault("AUGMEM_LOAD_PLUGINS", "")
    from augmem.daemon.runtime import one_blas_thread

    one_blas_thread()  # the in-process rows run with the daemon's thread setup
    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)")
    rows, facts = [], {}
    for n in sizes:
        bs = benchstore.build(n, log=lambda m: print(m, file=sys.stderr, flush=True))
        how = f"built in {bs.build_s:.0f} s" if bs.built_now else f"cached (it took {bs.build_s:.0f} s to build)"
        print(f"store of {n:,} memories ({bs.rows:,} rows): {how}, {bs.folder}")
        sets = query_sets(bs, args.queries)
        got, store_facts = bench_store(bs, sets, args)
        rows += got
        facts[n] = {"store": store_facts, "build_s": bs.build_s, "rows": bs.rows}
        if not args.skip_daemon:
            got, daemon_facts = bench_daemon(bs, sets, args)
            rows += got
            facts[n]["daemon"] = daemon_facts
        print(f"  load average now: {load_average()}", flush=True)
    print(f"\nload average at end: {load_average()}")
    print_table(
        "Recall latency and recall@10 (ms; recall@10 against exact 1280-d search, fused with full text for the daemon)",
        ["N", "path", "filter", "p50 ms", "p95 ms", "recall@10", "daemon CPU ms p50", "daemon RSS MB"],
        [
            [
                f"{r['n']:,}",
                r["path"],
                r["filter"],
                round(r["p50_ms"], 1),
                round(r["p95_ms"], 1),
                "-" if r["recall_at_10"] != r["recall_at_10"] else f"{r['recall_at_10']:.3f}",
                f"{r['cpu_p50_ms']:.1f}" if "cpu_p50_ms" in r else "",
                f"{r['rss_mb']:,.0f}" if "rss_mb" in r else "",
            ]
            for r in rows
        ],
    )
    print_table(
        "The resident tier and the daemon's start (seconds from `daemon run`)",
        ["N", "rows", "resident MB", "B/row", "load s (here)", "daemon: socket", "resident ready", "idle"],
        [
            [
                f"{n:,}",
                f"{f['store']['rows']:,}",
                round(f["store"]["bytes"] / 1e6, 1),
                round(f["store"]["bytes_per_row"], 1),
                round(f["store"]["load_s"], 1),
                round(f.get("daemon", {}).get("socket_s", float("nan")), 1),
                round(f.get("daemon", {}).get("ready_s", float("nan")), 1),
                round(f.get("daemon", {}).get("idle_s", float("nan")), 1),
            ]
            for n, f in facts.items()
        ],
    )
    print()
    for r in rows:
        if r["path"].startswith("daemon"):
            extra = "" if r["filter"] == "none" else f" filter={r['filter']}"
            print(
                f"daemon-recall n={r['n']} p50_ms={r['p50_ms']:.1f} p95_ms={r['p95_ms']:.1f} "
                f"recall_at_10={r['recall_at_10']:.3f} rss_mb={r['rss_mb']:.0f}{extra}"
            )
    out = write_json(
        "recall",
        {
            "load_average_end": load_average(),
            "limit": LIMIT,
            "candidates": CANDIDATES,
            "results": rows,
            "facts": {str(k): v for k, v in facts.items()},
        },
    )
    print(f"\nwrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
