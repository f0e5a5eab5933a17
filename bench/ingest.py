"""Ingest throughput per modality next to the bare encoder's throughput on the same items.

The ratio (ingest / encoder) is the number that matters: it says how much of ingest is
spent outside the model (walking, hashing, decoding, chunking, LanceDB writes). Both runs
start warm: the model is loaded and the store opened (importing lancedb and creating the
table are once per process, not per item). Ingest is measured as the daemon ingests
(`derive=False`): transcripts and photo text are its background job, timed apart here
("derive s", what an in-process `augmem ingest` adds; bench/derive.py measures its speed).

    python bench/ingest.py [--notes 200 --photos 48 --clips 24 --repeats 3]

Uses a synthesized AIST-87M (random init, real layout) and the real minilm for notes.
Writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import print_table, write_json

WORDS = [
    "morning",
    "walk",
    "park",
    "dog",
    "squirrel",
    "pond",
    "lentil",
    "soup",
    "garlic",
    "cumin",
    "budget",
    "review",
    "marketing",
    "hiring",
    "guitar",
    "chord",
    "strum",
    "mountain",
    "snow",
    "ridge",
    "lake",
    "beach",
    "umbrella",
    "towel",
    "dentist",
    "appointment",
]


def make_corpus(root: Path, notes: int, photos: int, clips: int) -> dict[str, Path]:
    import soundfile as sf
    from PIL import Image

    rng = np.random.default_rng(0)
    dirs = {m: root / m for m in ("notes", "photos", "audio")}
    for d in dirs.values():
        d.mkdir(parents=True)
    for i in range(notes):
        paras = [f"Note {i}. " + " ".join(rng.choice(WORDS, rng.integers(40, 120))) + "." for _ in range(3)]
        (dirs["notes"] / f"note{i:04d}.md").write_text("\n\n".join(paras))
    for i in range(photos):
        base = rng.integers(0, 255, (3,))
        im = (base + rng.normal(0, 30, (480, 640, 3))).clip(0, 255).astype(np.uint8)
        Image.fromarray(im).save(dirs["photos"] / f"photo{i:04d}.jpg", quality=85)
    t = np.arange(16_000 * 10) / 16_000
    for i in range(clips):
        wave = 0.2 * np.sin(2 * np.pi * (200 + 20 * i) * t) + 0.05 * rng.standard_normal(t.size)
        sf.write(dirs["audio"] / f"clip{i:04d}.wav", wave.astype(np.float32), 16_000)
    return dirs


def run(model: str, artifact: Path | None, folder: Path, modality: str, home: Path, repeats: int) -> dict:
    import tomli_w

    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.ingest import files

    home.mkdir(parents=True)
    cfg = {"model": model}
    if artifact:
        cfg["artifacts"] = {model: str(artifact)}
    (home / "config.toml").write_text(tomli_w.dumps(cfg))
    os.environ["AUGMEM_HOME"] = str(home)
    aug = Augmem(load_settings())
    emb = aug.embedder()  # load outside the timed region for both measurements
    emb_fn = {"text": emb.embed_texts, "image": emb.embed_images, "audio": emb.embed_audio}[modality]

    # the same items decoded up front for the bare-encoder run; one call warms the model's
    # kernels so neither measurement pays the first-call cost;
    # grouped as ingest groups them: the items of FILES_PER_BATCH files go to the model together
    from augmem.ingest.pipeline import FILES_PER_BATCH

    payloads, groups = [], []
    for k, p in enumerate(sorted(folder.iterdir())):
        size = p.stat().st_size
        if k % FILES_PER_BATCH == 0:
            groups.append([])
        if modality == "text":
            text = files.read_note(p, size)
            items = [text[a:b] for a, b in emb.text_chunks(text)]
        elif modality == "image":
            items = [files.load_photo(p, size)[0]]
        else:
            wave, _ = files.load_audio(p, size, emb.audio_sample_rate)
            items = [wave[a:b] for a, b in files.split_clips(wave, emb.audio_sample_rate)]
        payloads += items
        groups[-1] += items
    emb_fn(payloads[:1])
    aug.store.ensure_space(aug.active_space(), aug.tiers())  # lancedb imported, the table there

    # ingest and the bare encoder alternate `repeats` times (a re-ingest with force re-embeds every
    # file and replaces its rows), so a change in the machine's load hits both; medians
    ingest_t, encoder_t = [], []
    n_files = 0
    for i in range(repeats):
        t0 = time.perf_counter()
        report = aug.ingest([folder], derive=False, force=i > 0)
        ingest_t.append(time.perf_counter() - t0)
        n_files = n_files or report.added
        t0 = time.perf_counter()
        for group in groups:
            emb_fn(group)
        encoder_t.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    aug.derive(paths=[str(folder)])
    derive_s = time.perf_counter() - t0
    ingest_s, encoder_s = statistics.median(ingest_t), statistics.median(encoder_t)
    return {
        "model": model,
        "modality": modality,
        "files": n_files,
        "items": len(payloads),
        "ingest_s": ingest_s,
        "encoder_s": encoder_s,
        "derive_s": derive_s,
        "ingest_runs_s": ingest_t,
        "encoder_runs_s": encoder_t,
        "ingest_files_per_s": n_files / ingest_s,
        "encoder_items_per_s": len(payloads) / encoder_s,
        "ratio": encoder_s / ingest_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=200)
    ap.add_argument("--photos", type=int, default=48)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3, help="ingest / encoder alternations (medians)")
    args = ap.parse_args()
    os.environ.setdefault("AUGMEM_LOAD_PLUGINS", "")
    from augmem.models.aist import synth

    tmp = Path(tempfile.mkdtemp(prefix="augmem-bench-"))
    artifact = tmp / "AIST-87M.safetensors"
    synth(artifact, text_from="minilm")
    dirs = make_corpus(tmp / "corpus", args.notes, args.photos, args.clips)
    results = []
    for i, (model, art, modality) in enumerate(
        [
            ("minilm", None, "text"),
            ("aist-87m", artifact, "text"),
            ("aist-87m", artifact, "image"),
            ("aist-87m", artifact, "audio"),
        ]
    ):
        folder = dirs[{"text": "notes", "image": "photos", "audio": "audio"}[modality]]
        r = run(model, art, folder, modality, tmp / f"home{i}", args.repeats)
        results.append(r)
        print(f"  {model} {modality}: {r['ingest_s']:.1f} s ingest, {r['encoder_s']:.1f} s encoder", flush=True)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table(
        "Ingest vs bare encoder (CPU; ratio = encoder time / ingest time, 1.0 = no overhead)",
        ["model", "modality", "files", "items", "ingest files/s", "encoder items/s", "ratio", "derive s"],
        [
            [
                r["model"],
                r["modality"],
                r["files"],
                r["items"],
                r["ingest_files_per_s"],
                r["encoder_items_per_s"],
                f"{r['ratio']:.2f}",
                f"{r['derive_s']:.1f}",
            ]
            for r in results
        ],
    )
    print(f"\nwrote {write_json('ingest', {'results': results})}")


if __name__ == "__main__":
    main()
