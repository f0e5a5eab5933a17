"""Recall on the object-storage store next to the local one, with the same memories, in one run.

Usage: python bench/s3.py [--notes 300] [--queries 20] [--repeat 3]

Two data folders hold the same generated notes, ingested by the real core with the real
MiniLM model: one with the store on disk, one with `store_uri = "s3://…"` on a real
S3-protocol server on loopback (moto's standalone server, in its own process). For each
store it times `Augmem.recall` (query embedding + tiered vector search + full-text fusion,
what `augmem recall` does) and the store's search alone (precomputed query vectors), as
ingested (one commit per ingest batch: many small fragments, each one or more objects) and
after compaction (`optimize`), and checks both stores answer the same. moto answers from
memory over loopback, so the S3 numbers are a floor: a real bucket adds the network's round
trip to every object request. Results: a table on stdout and bench/results/s3.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from augmem.config import load_settings
from augmem.core import Augmem
from augmem.paths import Paths
from bench._util import percentile, print_table, write_json
from tests.conftest import write_config
from tests.s3.server import S3Server

PLACES = [
    "Alder Park",
    "the harbour",
    "grandma's kitchen",
    "the office",
    "the allotment",
    "the train to Leeds",
    "the dentist",
    "the climbing gym",
    "the library",
    "the beach at Camber",
]
THINGS = [
    "a red umbrella",
    "the spare key",
    "a birthday cake",
    "my passport",
    "the bike pump",
    "a jar of honey",
    "the wifi password",
    "a guitar capo",
    "the tax forms",
    "a lost glove",
    "the car insurance letter",
]
PEOPLE = ["Ana", "Tom", "my sister", "the neighbour", "Dr Patel", "the plumber", "Grandpa", "Priya"]


def note(i: int) -> tuple[str, str]:
    """A note and a query that describes it in other words."""
    place, thing, who = PLACES[i % len(PLACES)], THINGS[(i * 7) % len(THINGS)], PEOPLE[(i * 3) % len(PEOPLE)]
    text = (
        f"Note {i}: at {place} {who} mentioned {thing}. We agreed to sort it out next week, "
        f"and I wrote it down so I would not forget about {thing} again."
    )
    return text, f"what did {who} say about {thing} at {place}"


def home(root: Path, name: str, **config) -> Augmem:
    folder = root / name
    folder.mkdir()
    write_config(folder, model="minilm", **config)
    return Augmem(load_settings(Paths(config_dir=folder, data_dir=folder / "data", cache_dir=folder / "cache")))


def latencies(fn, items, repeat: int) -> list[float]:
    fn(items[0])  # warm: the model, the connection, the tables' manifests
    out = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - t) * 1000)
    return out


def measure(aug: Augmem, queries: list[str], vectors, repeat: int) -> dict[str, list[float]]:
    space = aug.active_space()
    small = min(aug.tiers())
    return {
        "recall": latencies(lambda q: aug.recall(q, limit=10), queries, repeat),
        "search": latencies(
            lambda v: aug.store.search(
                space, v, limit=10, candidate_tier=small if small < aug.spec.dim else None, candidates=200
            ),
            vectors,
            repeat,
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=300)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="augmem-bench-s3-"))
    rows, results = [], {"notes": args.notes, "queries": args.queries, "repeat": args.repeat, "stores": {}}
    try:
        notes = root / "notes"
        notes.mkdir()
        pairs = [note(i) for i in range(args.notes)]
        for i, (text, _) in enumerate(pairs):
            (notes / f"note-{i:04d}.md").write_text(text)
        queries = [q for _, q in pairs[:: max(1, args.notes // args.queries)]][: args.queries]

        with S3Server() as s3:
            bucket = s3.make_bucket("augmem-bench")
            stores = {
                "local folder": home(root, "local"),
                "s3 (moto, loopback)": home(root, "s3", store_uri=f"s3://{bucket}/augmem", store_options=s3.options()),
            }
            answers = {}
            for label, aug in stores.items():
                emb = aug.embedder()  # load the model first: ingest time is then the store's and the model's work
                t = time.perf_counter()
                report = aug.ingest([notes])
                ingest_s = time.perf_counter() - t
                assert report.added == args.notes, report
                vectors = list(emb.embed_texts(queries, query=True))
                entry = {"ingest_s": round(ingest_s, 2)}
                for phase in ("as ingested", "compacted"):
                    if phase == "compacted":
                        aug.store.optimize()
                    ms = measure(aug, queries, vectors, args.repeat)
                    for what, xs in ms.items():
                        p50, p95 = percentile(xs, 50), percentile(xs, 95)
                        rows.append([label, phase, f"{what} (ms)", round(p50, 1), round(p95, 1), len(xs)])
                        entry[f"{phase}/{what}"] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "n": len(xs)}
                answers[label] = [[h.path for h in aug.recall(q, limit=3).hits] for q in queries]
                if label.startswith("s3"):
                    objects = s3.objects(bucket)
                    entry["objects"] = len(objects)
                    entry["bytes"] = sum(len(v) for v in objects.values())
                results["stores"][label] = entry
                aug.close()
            same = answers["local folder"] == answers["s3 (moto, loopback)"]
            results["same_answers"] = same
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print_table(
        f"Recall latency, local store vs S3 store ({args.notes} notes, minilm, {args.queries} queries × {args.repeat})",
        ["store", "phase", "what", "p50", "p95", "n"],
        rows,
    )
    s3_entry = results["stores"]["s3 (moto, loopback)"]
    print(
        f"\ningest: local {results['stores']['local folder']['ingest_s']} s, s3 {s3_entry['ingest_s']} s; "
        f"bucket after compaction: {s3_entry['objects']} objects, {s3_entry['bytes'] / 1024:,.0f} KiB; "
        f"same top-3 answers on both stores: {'yes' if results['same_answers'] else 'NO'}"
    )
    print(f"results: {write_json('s3', results)}")


if __name__ == "__main__":
    main()
