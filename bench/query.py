"""Query embedding for recall, and AIST-87M's text tower at 256 tokens per batch size.

Usage: python bench/query.py [--queries 60] [--aist-artifact FILE]

Part 1, one short query at a time (what recall embeds): minilm and AIST-87M's text chain (with
its query prompt), each query text once, as
  * "2 threads": torch's default intra-op threads (what recall did before);
  * "1 thread": `augmem.models.threads.one_thread()`, as `Augmem.embed_query` runs it now;
  * "cached": a repeated query, answered by `augmem.models.query_cache.QueryCache`;
and the tokenizer alone: the batch call (`tokenizer([q], padding=..., return_tensors="pt")`) against
the lean path (`augmem.models.tokens.encode`).

Part 2, AIST-87M's text tower on 8 texts of 256 tokens: batch 8 against 8 x batch 1, on 1 and 2
threads, with transformers' sdpa attention and its eager one (why batch 8 can be slower per item).

Wall and CPU (thread) milliseconds, medians and p95, the load average; bench/results/query.json.
AIST-87M is a synthesized artifact (random heads, real MiniLM backbone), the timing is the same.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import median, percentile, print_table, write_json

WORDS = [
    "dog",
    "barking",
    "park",
    "lentil",
    "soup",
    "budget",
    "meeting",
    "guitar",
    "mountain",
    "snow",
    "lake",
    "beach",
    "umbrella",
    "dentist",
    "train",
    "airport",
    "birthday",
    "cake",
    "garden",
    "tomato",
    "kettle",
    "piano",
    "violin",
    "receipt",
    "passport",
    "bicycle",
    "tyre",
]


def queries(n: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, int(rng.integers(2, 6)), replace=False)) for _ in range(n)]


def timed_each(fn, items) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for x in items:
        t, c = time.perf_counter(), time.thread_time()
        fn(x)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return wall, cpu


def row(model: str, variant: str, wall: list[float], cpu: list[float]) -> dict:
    return {
        "model": model,
        "variant": variant,
        "p50_ms": median(wall) * 1000,
        "p95_ms": percentile(wall, 95) * 1000,
        "cpu_p50_ms": median(cpu) * 1000,
        "n": len(wall),
    }


def part1(embedders: dict, n: int) -> list[dict]:
    rows = []
    for name, emb in embedders.items():
        rows += _one_model(name, emb, n)
    return rows


def _one_model(name: str, emb, n: int) -> list[dict]:
    import torch

    from augmem.models.query_cache import QueryCache
    from augmem.models.threads import one_thread
    from augmem.models.tokens import encode

    texts = queries(3 * n + 5)
    emb.embed_texts(texts[:5], query=True)  # warm
    rows = [
        row(
            name,
            f"{torch.get_num_threads()} threads (torch default)",
            *timed_each(lambda q: emb.embed_texts([q], query=True), texts[5 : 5 + n]),
        )
    ]
    with one_thread():
        rows.append(
            row(
                name,
                "1 thread (recall now)",
                *timed_each(lambda q: emb.embed_texts([q], query=True), texts[5 + n : 5 + 2 * n]),
            )
        )
    cache = QueryCache()
    for q in texts[:n]:
        cache.get("s", None, q, None, lambda q=q: emb.embed_texts([q], query=True)[0])
    rows.append(
        row(
            name,
            "cached (a repeated query)",
            *timed_each(lambda q: cache.get("s", None, q, None, lambda: None), texts[:n]),
        )
    )
    prompt = getattr(emb, "query_prompt", "")
    tok = emb.tokenizer
    rows.append(
        row(
            name,
            "tokenizer: batch call",
            *timed_each(
                lambda q: tok([prompt + q], padding=True, truncation=True, max_length=512, return_tensors="pt").to(
                    "cpu"
                ),
                texts[:n],
            ),
        )
    )
    rows.append(
        row(name, "tokenizer: lean one-text path", *timed_each(lambda q: encode(tok, [prompt + q], 512), texts[:n]))
    )
    for r in rows:
        print(
            f"  {r['model']:<10} {r['variant']:<30} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['cpu_p50_ms']:8.2f}",
            flush=True,
        )
    return rows


def part2(aist, repeat: int) -> list[dict]:
    import torch

    from bench.models import _texts

    texts = _texts(256, 8, aist.tokenizer)
    tower = aist.model.text_encoder
    enc = aist.tokenizer(texts, padding=True, truncation=True, max_length=512, return_tensors="pt")
    ones = [aist.tokenizer([t], return_tensors="pt") for t in texts]
    rows = []
    before = torch.get_num_threads()
    backbone = tower.backbone
    try:
        for impl in ("sdpa", "eager"):
            backbone.config._attn_implementation = impl
            for threads in (before, 1):
                torch.set_num_threads(threads)
                with torch.inference_mode():
                    for label, fn in (
                        ("batch 8", lambda: tower(enc["input_ids"], enc["attention_mask"])),
                        ("8 x batch 1", lambda: [tower(o["input_ids"], o["attention_mask"]) for o in ones]),
                    ):
                        fn()
                        wall, cpu = timed_each(lambda _, fn=fn: fn(), range(repeat))
                        r = row("aist-87m text tower", f"{label}, {threads} thread(s), {impl}", wall, cpu)
                        r.update(per_item_ms=r["p50_ms"] / 8, per_item_cpu_ms=r["cpu_p50_ms"] / 8)
                        rows.append(r)
                        print(
                            f"  {r['variant']:<36} {r['per_item_ms']:8.1f} ms/item  cpu {r['per_item_cpu_ms']:8.1f}",
                            flush=True,
                        )
    finally:
        torch.set_num_threads(before)
        backbone.config._attn_implementation = "sdpa"
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--aist-artifact", type=Path)
    args = ap.parse_args()
    from augmem.models.aist import AIST87MEmbedder, synth
    from augmem.models.artifacts import sha256_file
    from augmem.models.minilm import MiniLM, package_dir

    artifact = args.aist_artifact
    if artifact is None:
        artifact = Path(__file__).resolve().parent / "results" / "AIST-87M-query-bench.safetensors"
        if not artifact.exists():
            synth(artifact, seed=0, text_from="minilm")
    mini = MiniLM(package_dir() / "model.safetensors", sha256_file(package_dir() / "model.safetensors"))
    aist = AIST87MEmbedder(artifact, "bench", "cpu", precision="fp32")
    load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at start: {load0}")
    rows1 = part1({"minilm": mini, "aist-87m": aist}, args.queries)
    rows2 = part2(aist, args.repeat)
    load1 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at end: {load1}")
    print_table(
        "One short query (each text once; ms)",
        ["model", "variant", "p50", "p95", "CPU p50"],
        [
            [r["model"], r["variant"], round(r["p50_ms"], 2), round(r["p95_ms"], 2), round(r["cpu_p50_ms"], 2)]
            for r in rows1
        ],
    )
    print_table(
        "AIST-87M text tower, 8 texts of 256 tokens (ms per item)",
        ["setting", "wall", "CPU"],
        [[r["variant"], round(r["per_item_ms"], 1), round(r["per_item_cpu_ms"], 1)] for r in rows2],
    )
    out = write_json("query", {"load_average": [load0, load1], "one_query": rows1, "text_256": rows2})
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
