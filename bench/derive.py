"""Derived-text engines on this machine: transcription speed (audio seconds per wall second)
for Whisper base int8 per sample clip and in total, faster-whisper's plain call beside ours,
OCR photos per second, and ingest of the samples with and without derived text.

    python bench/derive.py            # 3 runs each (about 4 minutes on 2 cores)
    python bench/derive.py --quick    # 1 run each

Writes bench/results/derive.json. The Whisper folder is assembled from the PyPI packages
into a temporary models dir, so nothing in the user's data dir is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._util import median, print_table, write_json  # noqa: E402

SAMPLES = ROOT / "assets" / "samples"
SR = 16000


def _load(path: Path) -> np.ndarray:
    from augmem.ingest.files import load_audio

    return load_audio(path, path.stat().st_size, SR)[0]


def _runs(fn, repeat: int) -> list[float]:
    """Wall seconds of `repeat` calls; the CPU seconds of the process go to _CPU."""
    out = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t)
        _CPU.append(time.process_time() - c)
    return out


_CPU: list[float] = []


def _cpu_median(repeat: int) -> float:
    return median(_CPU[-repeat:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3

    from augmem.derive.ocr import TesseractReader
    from augmem.derive.whisper import FasterWhisperTranscriber, assemble_whisper_base, default_threads

    results: dict = {"load_average_at_start": os.getloadavg(), "transcribe": [], "plain_faster_whisper": [], "ocr": []}
    tmp = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    folder = assemble_whisper_base(tmp / "models" / "whisper-base")
    assemble_s = time.perf_counter() - t
    t = time.perf_counter()
    tr = FasterWhisperTranscriber(folder)
    load_s = time.perf_counter() - t
    results.update(assemble_s=assemble_s, load_s=load_s, cpu_threads=default_threads(), engine=tr.engine_id)
    print(f"assembled in {assemble_s:.1f} s, loaded in {load_s:.1f} s; load average {os.getloadavg()}", flush=True)

    clips = {p.name: _load(p) for p in sorted((SAMPLES / "audio").iterdir())}
    speech = [n for n in clips if n.startswith(("meeting", "reminder", "dog"))]
    gap = np.zeros(SR // 2, np.float32)
    clips["long: the 3 spoken clips x3 (44 s)"] = np.concatenate([x for n in speech * 3 for x in (clips[n], gap)])
    tr.transcribe(clips[speech[0]])  # warm-up (first call allocates)

    rows, speech_audio, speech_wall = [], 0.0, 0.0
    for name, wave in clips.items():
        secs = len(wave) / SR
        passes = tr.encoder_passes
        last = {}
        wall = median(_runs(lambda: last.update(t=tr.transcribe(wave)), repeat))
        cpu = _cpu_median(repeat)
        passes = (tr.encoder_passes - passes) // repeat
        words = len(last["t"].text.split())
        rows.append([name, secs, wall, secs / wall, cpu, passes, words])
        results["transcribe"].append(
            {
                "clip": name,
                "audio_s": secs,
                "median_wall_s": wall,
                "x_realtime": secs / wall,
                "median_cpu_s": cpu,
                "encoder_passes": passes,
                "words": words,
            }
        )
        if words:
            speech_audio += secs
            speech_wall += wall
        print(f"  {name}: {wall:.2f} s", flush=True)
    total_audio = sum(r[1] for r in rows)
    total_wall = sum(r[2] for r in rows)
    total_cpu = sum(r[4] for r in rows)
    rows.append(["all clips", total_audio, total_wall, total_audio / total_wall, total_cpu, "", ""])
    rows.append(["clips with speech", speech_audio, speech_wall, speech_audio / speech_wall, "", "", ""])
    results["total"] = {
        "audio_s": total_audio,
        "wall_s": total_wall,
        "x_realtime": total_audio / total_wall,
        "cpu_s": total_cpu,
        "speech_x_realtime": speech_audio / speech_wall,
    }
    print_table(
        f"Transcription, whisper-base int8, {default_threads()} threads (median of {repeat}; "
        "x = audio s per wall s; cpu s = process CPU time, both threads)",
        ["clip", "audio s", "wall s", "x realtime", "cpu s", "encoder passes", "words"],
        rows,
    )

    # faster-whisper's own call on the spoken clips: VAD inside, language detected by it
    model = tr._model
    plain = []
    for name in speech:
        wave = clips[name]
        secs = len(wave) / SR

        def call():
            model.forget()  # no help from our memo: what a plain WhisperModel does
            segs, _ = model.transcribe(wave, vad_filter=True, condition_on_previous_text=False, beam_size=5)
            list(segs)
            model.forget()

        passes = model.encoder_passes
        wall = median(_runs(call, repeat))
        cpu = _cpu_median(repeat)
        passes = (model.encoder_passes - passes) // repeat
        ours = next(r for r in results["transcribe"] if r["clip"] == name)
        plain.append([name, secs, wall, cpu, passes, ours["median_cpu_s"]])
        results["plain_faster_whisper"].append(
            {
                "clip": name,
                "audio_s": secs,
                "median_wall_s": wall,
                "median_cpu_s": cpu,
                "x_realtime": secs / wall,
                "encoder_passes": passes,
            }
        )
    print_table(
        "faster-whisper's plain transcribe(vad_filter=True) on the same clips",
        ["clip", "audio s", "wall s", "cpu s", "encoder passes", "ours: cpu s"],
        plain,
    )
    tr.close()

    # -- OCR -------------------------------------------------------------------------------
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    receipt = Image.new("RGB", (640, 480), (250, 248, 240))
    d = ImageDraw.Draw(receipt)
    for i, line in enumerate(
        ["CORNER BAKERY", "Sourdough loaf 4.20", "Croissant x2 3.10", "Oat milk 1.85", "TOTAL 9.15"]
    ):
        d.text((40, 30 + 54 * i), line, fill=(20, 20, 20), font=font)
    big = receipt.resize((4032, 3024), Image.LANCZOS)
    photos = {
        p.name: ImageOps.exif_transpose(Image.open(p)).convert("RGB") for p in sorted((SAMPLES / "photos").iterdir())
    }
    reader = TesseractReader()
    reader.read(receipt)  # warm-up
    orows = []
    for name, ims in (
        ("receipt 640x480 (text)", [receipt]),
        ("receipt 4032x3024 (12 MP, text)", [big]),
        ("7 sample photos (no text)", list(photos.values())),
    ):
        wall = median(_runs(lambda: [reader.read(im) for im in ims], repeat))
        cpu = _cpu_median(repeat)
        words = sum(reader.read(im).words for im in ims)
        orows.append([name, len(ims), wall / len(ims) * 1000, len(ims) / wall, cpu / len(ims) * 1000, words])
        results["ocr"].append(
            {
                "set": name,
                "images": len(ims),
                "ms_per_image": wall / len(ims) * 1000,
                "images_per_s": len(ims) / wall,
                "cpu_ms_per_image": cpu / len(ims) * 1000,
                "words": words,
            }
        )
    reader.close()
    print_table(
        f"OCR, {reader.engine_id.split(':')[0]} (median of {repeat})",
        ["images", "n", "ms / image", "images / s", "cpu ms / image", "words kept"],
        orows,
    )
    results["ingest"] = ingest_with_and_without(repeat, folder)
    results["load_average_at_end"] = os.getloadavg()
    out = write_json("derive", results)
    print(f"\nload average {os.getloadavg()} (the 2 cores are shared); wrote {out}")


def ingest_with_and_without(repeat: int, whisper: Path) -> list[dict]:
    """In-process ingest of the sample notes, photos and clips under minilm, with transcripts
    and photo text (the default) and with both turned off, in one run."""
    import shutil

    import tomli_w

    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.paths import Paths

    os.environ["AUGMEM_LOAD_PLUGINS"] = ""
    rows, out = [], []
    files = sum(1 for k in ("notes", "photos", "audio") for _ in (SAMPLES / k).iterdir())
    for label, extra in (
        ("with derived text", {}),
        ("without (transcriber none, no OCR)", {"transcriber": "none", "ocr_languages": []}),
    ):
        walls = []
        for _ in range(repeat):
            home = Path(tempfile.mkdtemp(prefix="augbench-"))
            (home / "data" / "models").mkdir(parents=True)
            (home / "data" / "models" / "whisper-base").symlink_to(whisper, target_is_directory=True)
            (home / "config.toml").write_text(tomli_w.dumps({"model": "minilm", **extra}))
            core = Augmem(load_settings(Paths(config_dir=home, data_dir=home / "data", cache_dir=home / "cache")))
            core.embedder()  # the model load is not ingest
            if not extra:
                core.engine("transcript"), core.engine("ocr")  # nor are the engines' loads
            t = time.perf_counter()
            report = core.ingest([SAMPLES / k for k in ("notes", "photos", "audio")])
            walls.append(time.perf_counter() - t)
            core.close()
            shutil.rmtree(home, ignore_errors=True)
        wall = median(walls)
        rows.append([label, files, wall, files / wall, report.memories, report.transcribed, report.read])
        out.append(
            {
                "variant": label,
                "files": files,
                "median_wall_s": wall,
                "files_per_s": files / wall,
                "memories": report.memories,
                "transcribed": report.transcribed,
                "read": report.read,
            }
        )
    print_table(
        f"Ingest of the {files} sample files under minilm, in process (median of {repeat})",
        ["variant", "files", "wall s", "files / s", "memory rows", "transcribed", "photos read"],
        rows,
    )
    return out


if __name__ == "__main__":
    main()
