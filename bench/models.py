"""AIST-87M throughput on this machine, per modality and per tower, the card's L4 table
in the same form, the cheap speed-ups we tried and their cosine drift vs fp32, bf16 drift
per modality on the sample memories (what decides aist.BF16_MODALITIES), and what each
candidate tier costs.

    python bench/models.py            # full run (a few minutes on 2 cores)
    python bench/models.py --quick    # fewer repeats, batch 16 audio skipped

Writes bench/results/models.json. Uses a synthesized artifact (random init, the real
layout): throughput does not depend on the weights' values. Drift does depend on them, so
the towers' BatchNorm statistics are first recalibrated on the sample photos and clips
(augmem/models/numerics.py); without that, random towers map every input to nearly the
same vector and any drift looks small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._util import median, print_table, timed, write_json

SAMPLES = Path(__file__).resolve().parent.parent / "assets" / "samples"
CARD_MEAN_R1 = {
    1280: 0.193905,
    768: 0.193072,
    512: 0.193105,
    256: 0.192472,
    128: 0.190671,
    64: 0.142028,
    32: 0.102354,
}  # AIST-87M card, SALT gate, current artifact


def _samples():
    """(note texts, photos, 32 kHz clips) from assets/samples."""
    import soundfile as sf
    from PIL import Image

    texts = [p.read_text(encoding="utf-8")[:1500] for p in sorted((SAMPLES / "notes").iterdir())]
    photos = [Image.open(p) for p in sorted((SAMPLES / "photos").iterdir())]
    clips = []
    for p in sorted((SAMPLES / "audio").iterdir()):
        wav, _ = sf.read(str(p), dtype="float32")
        clips.append(wav.mean(1) if wav.ndim > 1 else wav)
    return texts, photos, clips


def _calibrate(emb, photos, clips) -> None:
    """Trained-like activation scales for the random towers (see the module docstring)."""
    import torch

    from augmem.models.aist import preprocess_image
    from augmem.models.numerics import recalibrate_batchnorm

    px = torch.from_numpy(np.stack([preprocess_image(p) for p in photos]))
    recalibrate_batchnorm(emb.model.image_encoder, [px], emb.model.image_encoder)
    n = min(len(c) for c in clips)
    wav = torch.from_numpy(np.stack([c[:n] for c in clips]))
    recalibrate_batchnorm(emb.model.audio_encoder, [wav], emb.model.audio_encoder)


def _tier_costs(n: int = 100_000, repeat: int = 5) -> list[dict]:
    """Per candidate tier: bytes per stored vector and the time of one brute-force scan of
    `n` vectors for the top 100 (the first stage of two-stage recall), with the card's R@1."""
    rng = np.random.default_rng(0)
    full = rng.standard_normal((n, 1280)).astype(np.float32)
    out = []
    for k in (1280, 256, 64):
        vecs = full[:, :k] / np.linalg.norm(full[:, :k], axis=1, keepdims=True)
        q = vecs[0].copy()
        secs = median(timed(lambda: np.argpartition(vecs @ q, -100)[-100:], repeat))
        out.append(
            {
                "tier": k,
                "bytes_per_vector": 4 * k,
                "scan_ms": secs * 1000,
                "memories": n,
                "card_mean_r1": CARD_MEAN_R1[k],
            }
        )
    return out


def _texts(n_tokens: int, n: int, tok) -> list[str]:
    words = [
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
    rng = np.random.default_rng(n_tokens)
    out = []
    for _ in range(n):
        s = " ".join(rng.choice(words, n_tokens))
        ids = tok(s, add_special_tokens=True, truncation=True, max_length=n_tokens)["input_ids"]
        out.append(tok.decode(ids[1:-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--artifact", type=Path, help="an AIST-87M.safetensors (default: synthesize one)")
    ap.add_argument("--aist-only", action="store_true", help="skip the row per other model (TEG, aegis, nano4M)")
    args = ap.parse_args()

    import torch
    from PIL import Image

    from augmem.models.aist import AIST87MEmbedder, preprocess_image, synth

    repeat = 3 if args.quick else 5
    tmp = Path(tempfile.mkdtemp())
    artifact = args.artifact or tmp / "AIST-87M.safetensors"
    if not args.artifact:
        synth(artifact, seed=0, text_from="minilm")
    emb = AIST87MEmbedder(artifact, "bench", precision="fp32")
    model = emb.model
    sample_texts, sample_photos, sample_clips = _samples()
    _calibrate(emb, sample_photos, sample_clips)
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device cpu", flush=True)

    rows, results = [], {"throughput": [], "towers": [], "speedups": []}

    # -- per-modality throughput (whole embedder call: preprocessing + tower + head) -----------
    def record(modality, setting, batch, secs):
        per_s = batch / secs
        row = {"modality": modality, "setting": setting, "batch": batch, "median_ms": secs * 1000, "items_per_s": per_s}
        results["throughput"].append(row)
        rows.append([modality, setting, batch, secs * 1000, per_s])
        print(f"  {modality} {setting} b{batch}: {secs * 1000:.1f} ms", flush=True)

    for n_tok in (32, 256):
        for batch in (1, 8, 32):
            texts = _texts(n_tok, batch, emb.tokenizer)
            record("text", f"{n_tok} tokens", batch, median(timed(lambda: emb.embed_texts(texts), repeat)))
    images = [Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) for _ in range(16)]
    for batch in (1, 8, 16):
        record("image", "384 px", batch, median(timed(lambda: emb.embed_images(images[:batch]), repeat)))
    clips = [rng.standard_normal(320_000).astype(np.float32) * 0.1 for _ in range(16)]
    for batch in (1, 8) if args.quick else (1, 8, 16):
        record("audio", "10 s clips", batch, median(timed(lambda: emb.embed_audio(clips[:batch]), max(2, repeat - 2))))
    print_table(
        "AIST-87M throughput (CPU, fp32, torch.inference_mode)",
        ["modality", "input", "batch", "median ms", "items/s"],
        rows,
    )

    # -- each tower's share of one batch of 8 -----------------------------------------------
    towers = []
    with torch.inference_mode():
        enc = emb.tokenizer(_texts(256, 8, emb.tokenizer), padding=True, truncation=True, return_tensors="pt")
        t_feat = model.text_encoder(enc["input_ids"], enc["attention_mask"])
        t_tower = median(timed(lambda: model.text_encoder(enc["input_ids"], enc["attention_mask"]), repeat))
        t_head = median(timed(lambda: model.text_projection(t_feat), repeat))
        pre = median(timed(lambda: np.stack([preprocess_image(im) for im in images[:8]]), repeat))
        px = torch.from_numpy(np.stack([preprocess_image(im) for im in images[:8]])).contiguous(
            memory_format=torch.channels_last
        )
        i_feat = model.image_encoder(px)
        i_tower = median(timed(lambda: model.image_encoder(px), repeat))
        i_head = median(timed(lambda: model.image_projection(i_feat), repeat))
        wav = torch.from_numpy(np.stack(clips[:8]))
        mel = model.audio_encoder.mel(wav)
        a_mel = median(timed(lambda: model.audio_encoder.mel(wav), repeat))
        a_feat = model.audio_encoder.encode_mel(mel)
        a_tower = median(timed(lambda: model.audio_encoder.encode_mel(mel), max(2, repeat - 2)))
        a_head = median(timed(lambda: model.audio_projection(a_feat), repeat))
    for modality, parts in (
        ("text (256 tok)", [("BERT + Dense", t_tower), ("head", t_head)]),
        ("image", [("preprocess", pre), ("MobileNetV4", i_tower), ("head", i_head)]),
        ("audio (10 s)", [("log-mel", a_mel), ("mn20_as", a_tower), ("head", a_head)]),
    ):
        total = sum(s for _, s in parts)
        for name, s in parts:
            towers.append([modality, name, s * 1000, 100 * s / total])
            results["towers"].append(
                {"modality": modality, "part": name, "ms_batch8": s * 1000, "share_pct": 100 * s / total}
            )
    print_table("Where the time goes (batch 8)", ["modality", "part", "ms", "share %"], towers)

    # -- cheap speed-ups, each against fp32 on the same inputs ---------------------------------
    speed = []

    def cos_drift(a, b) -> float:
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        return float(1 - (a * b).sum(1).min())

    with torch.inference_mode():
        base_txt = model.embed_text(enc["input_ids"], enc["attention_mask"]).numpy()
        base_img = model.embed_image(px).numpy()
        base_aud = model.embed_audio(wav).numpy()
        t_txt = median(timed(lambda: model.embed_text(enc["input_ids"], enc["attention_mask"]), repeat))
        t_img = median(timed(lambda: model.embed_image(px), repeat))
        t_aud = median(timed(lambda: model.embed_audio(wav), max(2, repeat - 2)))

        # channels_last vs contiguous for the conv towers
        px_c = px.contiguous()
        model.image_encoder.to(memory_format=torch.contiguous_format)
        t = median(timed(lambda: model.embed_image(px_c), repeat))
        speed.append(["image", "contiguous (vs channels_last)", t_img / t, 0.0])
        model.image_encoder.to(memory_format=torch.channels_last)
        model.audio_encoder.to(memory_format=torch.channels_last)
        t = median(timed(lambda: model.embed_audio(wav), max(2, repeat - 2)))
        speed.append(["audio", "channels_last", t_aud / t, cos_drift(base_aud, model.embed_audio(wav).numpy())])
        model.audio_encoder.to(memory_format=torch.contiguous_format)

    # bf16 autocast through the embedder itself, forced on for every modality (augmem runs it
    # only for aist.BF16_MODALITIES; this measures what it would do for the others too)
    from augmem.models import aist as aist_mod

    enabled, aist_mod.BF16_MODALITIES = aist_mod.BF16_MODALITIES, frozenset({"text", "image", "audio"})
    texts8, images8, clips8 = _texts(256, 8, emb.tokenizer), images[:8], clips[:8]
    drift_rows = []
    try:
        for name, fn, items, samples in (
            ("text", emb.embed_texts, texts8, sample_texts),
            ("image", emb.embed_images, images8, sample_photos),
            ("audio", emb.embed_audio, clips8, sample_clips),
        ):
            emb.precision = "fp32"
            ref, ref_s = fn(items), fn(samples)
            t0 = median(timed(lambda: fn(items), max(2, repeat - 2)))
            emb.precision = "bf16"
            got, got_s = fn(items), fn(samples)
            t = median(timed(lambda: fn(items), max(2, repeat - 2)))
            emb.precision = "fp32"
            speed.append([name, "bf16 autocast", t0 / t, cos_drift(ref, got)])
            d = 1 - (ref_s * got_s).sum(1)
            drift_rows.append(
                {
                    "modality": name,
                    "inputs": len(samples),
                    "max_drift": float(d.max()),
                    "median_drift": float(np.median(d)),
                    "bound": aist_mod.BF16_MAX_DRIFT,
                    "bf16_in_augmem": name in enabled,
                    "speedup_vs_fp32": t0 / t,
                }
            )
    finally:
        aist_mod.BF16_MODALITIES = enabled
    results["bf16_drift"] = drift_rows
    print_table(
        f"bf16 drift on assets/samples (max 1 - cos vs fp32; bound {aist_mod.BF16_MAX_DRIFT:g})",
        ["modality", "inputs", "max drift", "median drift", "under bound", "bf16 in augmem"],
        [
            [
                r["modality"],
                r["inputs"],
                f"{r['max_drift']:.2e}",
                f"{r['median_drift']:.2e}",
                "yes" if r["max_drift"] < r["bound"] else "no",
                "yes" if r["bf16_in_augmem"] else "no",
            ]
            for r in drift_rows
        ],
    )

    # dynamic int8 on the Linear layers (text tower and every head)
    from torch.ao.quantization import quantize_dynamic

    q = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    with torch.inference_mode():
        for name, fn, base, t0 in (
            ("text", lambda: q.embed_text(enc["input_ids"], enc["attention_mask"]), base_txt, t_txt),
            ("image", lambda: q.embed_image(px), base_img, t_img),
        ):
            t = median(timed(fn, repeat))
            speed.append([name, "dynamic int8 Linear", t0 / t, cos_drift(base, fn().numpy())])
    for r in speed:
        results["speedups"].append(
            {"modality": r[0], "variant": r[1], "speedup_vs_fp32": r[2], "max_cosine_drift": r[3]}
        )
    print_table(
        "Speed-ups vs fp32 (batch 8; >1 = faster; drift = max 1 - cos vs fp32)",
        ["modality", "variant", "speedup x", "max drift"],
        [[a, b, f"{c:.2f}", f"{d:.2e}"] for a, b, c, d in speed],
    )
    # -- a row per model (batch 8) ---------------------------------------------------------------
    from augmem.models.artifacts import sha256_file
    from augmem.models.minilm import MiniLM, package_dir

    per_model = []
    for r in results["throughput"]:
        if r["batch"] == 8:
            per_model.append(
                {
                    "model": "aist-87m",
                    "variant": "fp32",
                    "modality": r["modality"],
                    "input": r["setting"],
                    "median_ms": r["median_ms"],
                    "items_per_s": r["items_per_s"],
                }
            )
    mini = MiniLM(package_dir() / "model.safetensors", sha256_file(package_dir() / "model.safetensors"))
    for n_tok in (32, 256):
        texts = _texts(n_tok, 8, mini.tokenizer)
        secs = median(timed(lambda: mini.embed_texts(texts), repeat))
        per_model.append(
            {
                "model": "minilm",
                "variant": "fp32",
                "modality": "text",
                "input": f"{n_tok} tokens",
                "median_ms": secs * 1000,
                "items_per_s": 8 / secs,
            }
        )
    if not args.aist_only:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from models_extra import rows as extra_rows

        for r in extra_rows(quick=args.quick):
            if r["modality"] != "load":
                per_model.append(
                    {k: r[k] for k in ("model", "variant", "modality", "input", "median_ms", "items_per_s")}
                    | {"note": r.get("note", "")}
                )
    results["per_model"] = per_model
    tiers = _tier_costs(repeat=repeat)
    results["candidate_tiers"] = tiers
    print_table(
        f"Candidate tiers: one brute-force scan of {tiers[0]['memories']:,} vectors for the top 100",
        ["tier", "bytes / vector", "scan ms", "card mean R@1"],
        [[r["tier"], r["bytes_per_vector"], r["scan_ms"], f"{r['card_mean_r1']:.3f}"] for r in tiers],
    )
    print_table(
        "A row per model (CPU, fp32, batch 8)",
        ["model", "variant", "modality", "input", "median ms", "items/s"],
        [
            [
                r["model"],
                r["variant"],
                r["modality"],
                r["input"],
                r["median_ms"],
                "-" if r["items_per_s"] != r["items_per_s"] else f"{r['items_per_s']:.2f}",
            ]
            for r in per_model
        ],
    )
    print(f"\nwrote {write_json('models', results)}")


if __name__ == "__main__":
    main()
