"""Throughput of the other seed models on this machine's CPU, batch 8, fp32, at their
published sizes (random-initialised artifacts with the real layouts: speed does not
depend on the weights' values).

    python bench/models_extra.py            # TEG-421M, aegis-embed (22/11/6/3 layers), nano4M-Audio
    python bench/models_extra.py --quick    # fewer repeats; TEG's GGUF load and aegis' 256-token rows skipped

`rows()` returns the measurements as dicts (for bench/models.py to merge); `main()` prints
the table and writes bench/results/models_extra.json. ALM2Vec-FT is not measured: it needs
a CUDA GPU and its ~31 GB weights (its row says so).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins" / "augmem-nano4m"))

from bench._util import median, percentile, print_table, timed, write_json

BATCH = 8
WORDS = [
    "memory",
    "park",
    "dog",
    "barking",
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
]


def _texts(n_words: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed + n_words)
    return [" ".join(rng.choice(WORDS, n_words)) for _ in range(BATCH)]


def _measure(fn, repeat: int) -> tuple[list[float], float]:
    """(wall seconds per call, CPU seconds per call). CPU time (all threads) is what a busy,
    shared machine distorts least: wall time there includes waiting for other processes."""
    fn()  # warm-up
    c0 = time.process_time()
    secs = timed(fn, repeat, warmup=0)
    return secs, (time.process_time() - c0) / repeat


def _row(
    model: str, variant: str, modality: str, inp: str, measured: tuple[list[float], float], note: str = ""
) -> dict:
    secs, cpu = measured
    med = median(secs)
    return {
        "model": model,
        "variant": variant,
        "modality": modality,
        "input": inp,
        "batch": BATCH,
        "median_ms": med * 1000,
        "p95_ms": percentile(secs, 95) * 1000,
        "items_per_s": BATCH / med,
        "cpu_ms": cpu * 1000,
        "items_per_cpu_s": BATCH / cpu if cpu > 0 else float("nan"),
        "note": note,
    }


def _load_row(model: str, variant: str, secs: float, note: str = "") -> dict:
    return {
        "model": model,
        "variant": variant,
        "modality": "load",
        "input": "artifact -> ready",
        "batch": 0,
        "median_ms": secs * 1000,
        "p95_ms": secs * 1000,
        "items_per_s": float("nan"),
        "cpu_ms": float("nan"),
        "items_per_cpu_s": float("nan"),
        "note": note,
    }


def _teg_rows(tmp: Path, repeat: int, quick: bool) -> list[dict]:
    from PIL import Image

    from augmem.models import teg

    out = []
    path = tmp / "teg-421m.safetensors"
    teg.synth(path)  # full size, ~1 GB; writes a toy tokenizer folder next to it
    t = time.perf_counter()
    emb = teg.TEG421MEmbedder(path, "bench")
    out.append(_load_row("teg-421m", "full, safetensors", time.perf_counter() - t, "1,067 MB file"))
    for n_words in (16, 128):
        texts = _texts(n_words)
        ntok = len(emb.tokenizer(teg.DOCUMENT_PROMPT + texts[0])["input_ids"])
        out.append(_row("teg-421m", "full", "text", f"{ntok} tokens", _measure(lambda: emb.embed_texts(texts), repeat)))
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) for _ in range(BATCH)]
    out.append(_row("teg-421m", "full", "image", "256 px", _measure(lambda: emb.embed_images(images), repeat)))
    clips = [rng.standard_normal(320_000).astype(np.float32) * 0.1 for _ in range(BATCH)]
    out.append(
        _row("teg-421m", "full", "audio", "10 s clips", _measure(lambda: emb.embed_audio(clips), max(2, repeat - 2)))
    )
    emb = None  # the ~1 GB model goes before the next loads (the lambdas above hold no reference past their call)
    gc.collect()
    if not quick:
        gpath = tmp / "teg-421m-q8_0.gguf"
        teg.synth(gpath, gguf_type="q8_0", tokenizer=False)
        (tmp / "teg-421m-q8_0.tokenizer").symlink_to(tmp / "teg-421m.tokenizer")
        t = time.perf_counter()
        gemb = teg.TEG421MEmbedder(gpath, "bench")
        out.append(
            _load_row(
                "teg-421m",
                "full, GGUF q8_0",
                time.perf_counter() - t,
                f"{gpath.stat().st_size / 1e6:,.0f} MB file; dequantised to fp32 on load",
            )
        )
        del gemb
        gc.collect()
    return out


def _aegis_rows(tmp: Path, repeat: int, quick: bool) -> list[dict]:
    from augmem.models import aegis

    out = []
    folder = tmp / "aegis-embed"
    aegis.synth(folder)  # the published size, 307M elements
    for layers in aegis.LAYER_TIERS:
        t = time.perf_counter()
        emb = aegis.AegisEmbedder(folder, "bench", layers=layers)
        out.append(_load_row("aegis-embed", f"{layers} layers", time.perf_counter() - t))
        for n_words in (16,) if quick else (16, 128):
            texts = _texts(n_words)
            ntok = len(emb.tokenizer(texts[0])["input_ids"])
            out.append(
                _row(
                    "aegis-embed",
                    f"{layers} layers",
                    "text",
                    f"{ntok} tokens",
                    _measure(lambda: emb.embed_texts(texts), repeat),
                )
            )
        emb = None
        gc.collect()
    return out


def _nano4m_rows(tmp: Path, repeat: int) -> list[dict]:
    import torch
    from augmem_nano4m import embedder as nano
    from transformers import EncodecConfig, EncodecModel

    out = []
    path = tmp / "nano4m.safetensors"
    nano.synth(path)
    torch.manual_seed(0)
    EncodecModel(EncodecConfig()).save_pretrained(str(tmp / "encodec"))  # the 24 kHz model's shape, random weights
    t = time.perf_counter()
    emb = nano.Nano4MEmbedder(path, "bench", encodec=tmp / "encodec")
    out.append(_load_row("nano4m-audio", "full", time.perf_counter() - t))
    rng = np.random.default_rng(0)
    tokens = [rng.integers(0, 2048, 512) for _ in range(BATCH)]
    out.append(
        _row(
            "nano4m-audio",
            "full",
            "audio tokens",
            "512 tokens (3.4 s)",
            _measure(lambda: emb.embed_audio_tokens(tokens), repeat),
        )
    )
    clips = [rng.standard_normal(240_000).astype(np.float32) * 0.1 for _ in range(BATCH)]
    out.append(
        _row(
            "nano4m-audio",
            "full + EnCodec",
            "audio",
            "10 s clips (24 kHz)",
            _measure(lambda: emb.embed_audio(clips), max(2, repeat - 2)),
            "EnCodec included: 3 windows of 81,920 samples per clip, the last zero-padded",
        )
    )
    return out


def rows(quick: bool = False) -> list[dict]:
    """Per-model throughput rows (batch 8, CPU, fp32)."""
    import torch

    repeat = 3 if quick else 5
    out: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="augmem-bench-") as tmp, torch.inference_mode():
        tmp = Path(tmp)
        for part in (
            lambda: _teg_rows(tmp / "teg", repeat, quick),
            lambda: _aegis_rows(tmp / "aegis", repeat, quick),
            lambda: _nano4m_rows(tmp / "nano", repeat),
        ):
            (tmp / "teg").mkdir(exist_ok=True)
            (tmp / "aegis").mkdir(exist_ok=True)
            (tmp / "nano").mkdir(exist_ok=True)
            got = part()
            for r in got:
                print(
                    f"  {r['model']} {r['variant']} {r['modality']} {r['input']}: {r['median_ms']:.0f} ms", flush=True
                )
            out += got
            gc.collect()
    out.append(
        {
            "model": "alm2vec-ft",
            "variant": "-",
            "modality": "text, audio",
            "input": "-",
            "batch": BATCH,
            "median_ms": float("nan"),
            "p95_ms": float("nan"),
            "items_per_s": float("nan"),
            "cpu_ms": float("nan"),
            "items_per_cpu_s": float("nan"),
            "note": "skipped: needs a CUDA GPU with ~31 GB free and the model folder",
        }
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import os

    import torch

    load_before = os.getloadavg()
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, device cpu, load average {load_before[0]:.1f}",
        flush=True,
    )
    got = rows(quick=args.quick)
    load_after = os.getloadavg()
    print_table(
        "Other seed models on CPU (fp32, batch 8; load rows: seconds from artifact to ready)",
        ["model", "variant", "modality", "input", "median ms", "p95 ms", "items/s", "items/CPU-s", "note"],
        [
            [
                r["model"],
                r["variant"],
                r["modality"],
                r["input"],
                r["median_ms"],
                r["p95_ms"],
                "-" if r["modality"] == "load" or np.isnan(r["items_per_s"]) else f"{r['items_per_s']:.2f}",
                "-" if np.isnan(r["items_per_cpu_s"]) else f"{r['items_per_cpu_s']:.2f}",
                r["note"],
            ]
            for r in got
        ],
    )
    # other processes on a shared machine slow every row down: the load average says how much
    print(f"load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} cores")
    print(
        "\nwrote "
        + str(write_json("models_extra", {"rows": got, "loadavg_before": load_before, "loadavg_after": load_after}))
    )


if __name__ == "__main__":
    main()
