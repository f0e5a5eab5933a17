"""The daemon, end to end: how soon a note dropped into a watched folder can be
recalled, what a daemon-answered `augmem recall` costs versus a cold in-process one,
the CPU share of microphone capture (idle room vs speech), and the daemon's memory
with the model loaded.

Usage: python bench/daemon.py [--notes 20] [--runs 5] [--cpu-seconds 15] [--models minilm,aist-87m]
                              [--aist-artifact FILE]

Everything runs for real: a `python -m augmem daemon run` process on a temporary
AUGMEM_HOME, the CLI as separate processes, and capture through PortAudio from an ALSA
device that plays a WAV file (tests/daemon/wavmic.py: the `file` plugin reading a FIFO
that a feeder fills at the real-time rate). AIST-87M is benchmarked with a synthesized
artifact (random init, real MiniLM text backbone; `augmem models synth aist-87m`)
unless one is given. Results: a table on stdout and bench/results/daemon.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from augmem.records import ReconcileInfo
from bench._util import median, percentile, print_table, write_json
from tests.daemon.proc import ROOT, DaemonProcess, short_home, wait_for, write_config
from tests.daemon.wavmic import DEVICE, WavMic, speech_wav

WORDS = [
    "amber",
    "falcon",
    "quartz",
    "meadow",
    "harbor",
    "lantern",
    "violet",
    "summit",
    "ember",
    "willow",
    "canyon",
    "orchid",
    "glacier",
    "cobalt",
    "thistle",
    "juniper",
    "saffron",
    "tundra",
    "marble",
    "cedar",
]
ACTIVITIES = [
    "repaired the bicycle",
    "baked sourdough bread",
    "planted tulip bulbs",
    "tuned the old piano",
    "painted the fence",
    "hiked to the waterfall",
    "sorted the tax receipts",
    "fixed the leaking tap",
    "knitted a scarf",
    "assembled the bookshelf",
]


def note_text(i: int) -> tuple[str, str]:
    """A distinctive note and a query that should find it."""
    w1, w2 = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
    act = ACTIVITIES[i % len(ACTIVITIES)]
    return f"On the {w1} {w2} weekend I {act} with my neighbour.\n", f"{w1} {w2} {act}"


def bench_watch_latency(d: DaemonProcess, folder: Path, n: int) -> list[float]:
    out = []
    with d.client() as c:
        for i in range(n):
            text, query = note_text(i)
            path = folder / f"bench-{i:03d}.md"
            t0 = time.perf_counter()
            path.write_text(text)
            wait_for(
                lambda: str(path) in [h.path for h in c.recall(query, limit=5).hits],
                120,
                interval=0.02,
                what=f"note {i}",
            )
            out.append(time.perf_counter() - t0)
    return out


def bench_cli_recall(d: DaemonProcess, runs: int) -> tuple[list[float], list[float]]:
    def one(*extra: str) -> float:
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "augmem", "recall", "bread baking weekend", "-n", "5", *extra],
            env=d.env,
            capture_output=True,
            text=True,
            cwd=str(ROOT),
            timeout=600,
        )
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return dt

    one()  # page cache warm for both
    via_daemon = [one() for _ in range(runs)]
    in_process = [one("--no-daemon") for _ in range(runs)]
    return via_daemon, in_process


CPU_PROBE = textwrap.dedent(
    """
    import json, sys, time, psutil
    from pathlib import Path
    from augmem.capture.microphone import MicrophoneCapture
    out = Path(sys.argv[1]); seconds = float(sys.argv[2])
    clips = []
    mic = MicrophoneCapture(out / "clips", out / "run", clips.append, device=sys.argv[3], min_clip_seconds=1.0)
    assert mic.start() == "listening", mic.info()
    time.sleep(2.0)
    me = psutil.Process()
    c0, t0 = me.cpu_times(), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = me.cpu_times(), time.perf_counter()
    mic.stop()
    cpu = (c1.user - c0.user + c1.system - c0.system) / (t1 - t0) * 100
    print(json.dumps({"cpu_percent": cpu, "clips": len(clips), "dropped": mic.dropped_blocks}))
    """
)


def bench_mic_cpu(seconds: float, speech: Path | None, work: Path) -> dict:
    mic = WavMic(work / ("speech" if speech else "idle"), speech, lead=1.0, gap=1.5).start()
    try:
        import os

        env = {**os.environ, **mic.env, "PYTHONPATH": str(ROOT)}
        r = subprocess.run(
            [sys.executable, "-c", CPU_PROBE, str(mic.folder), str(seconds), DEVICE],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        if r.returncode != 0:
            raise RuntimeError(r.stderr[-2000:])
        return json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        mic.stop()


def rss_mib(pid: int) -> float:
    import psutil

    p = psutil.Process(pid)
    return p.memory_info().rss / 2**20


def bench_model(model: str, artifact: Path | None, args) -> dict:
    home = short_home("augb-")
    notes = home / "notes"
    notes.mkdir()
    for i in range(30):  # something to search among
        (notes / f"old-{i:02d}.md").write_text(f"Old note {i}: groceries, meetings and errands for week {i}.\n")
    cfg = {"model": model, "watch": [{"path": str(notes), "kind": "notes"}]}
    if artifact:
        cfg["artifacts"] = {model: str(artifact)}
    write_config(home, **cfg)
    d = DaemonProcess(home)
    try:
        t0 = time.perf_counter()
        d.start()
        socket_s = time.perf_counter() - t0
        with d.client() as c:
            wait_for(
                lambda: (c.status().daemon.last_reconcile or ReconcileInfo()).added >= 30,
                600,
                interval=0.5,
                what="startup reconcile",
            )
        ready_s = time.perf_counter() - t0
        rss_idle = rss_mib(d.proc.pid)
        lat = bench_watch_latency(d, notes, args.notes)
        via, cold = bench_cli_recall(d, args.runs)
        rss_after = rss_mib(d.proc.pid)
        assert d.terminate() == 0
        return {
            "model": model,
            "startup_socket_s": socket_s,
            "startup_ready_s": ready_s,
            "watch_to_recall_s": lat,
            "watch_to_recall_p50_ms": percentile(lat, 50) * 1000,
            "watch_to_recall_p95_ms": percentile(lat, 95) * 1000,
            "cli_recall_via_daemon_s": via,
            "cli_recall_in_process_s": cold,
            "cli_recall_via_daemon_median_ms": median(via) * 1000,
            "cli_recall_in_process_median_ms": median(cold) * 1000,
            "daemon_rss_mib_model_loaded": rss_idle,
            "daemon_rss_mib_after_bench": rss_after,
        }
    finally:
        d.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu-seconds", type=float, default=15.0)
    ap.add_argument("--models", default="minilm,aist-87m")
    ap.add_argument("--aist-artifact", type=Path)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="augbench-", dir="/tmp"))
    results: dict = {"notes": args.notes, "runs": args.runs, "models": {}}
    try:
        for model in [m.strip() for m in args.models.split(",") if m.strip()]:
            artifact = None
            if model == "aist-87m":
                artifact = args.aist_artifact
                if artifact is None:
                    from augmem.models.aist import synth

                    artifact = work / "AIST-87M.safetensors"
                    print("synthesizing an AIST-87M artifact (random init, MiniLM text backbone)…", file=sys.stderr)
                    synth(artifact, seed=0, text_from="minilm")
                results["aist_artifact"] = (
                    "synthesized (random init, MiniLM text backbone)"
                    if args.aist_artifact is None
                    else str(args.aist_artifact)
                )
            print(f"benchmarking the daemon with {model}…", file=sys.stderr)
            results["models"][model] = bench_model(model, artifact, args)
        print("benchmarking microphone capture CPU…", file=sys.stderr)
        speech = speech_wav(work / "speech.wav", "the dog is barking at the park near the river")
        results["mic_idle"] = bench_mic_cpu(args.cpu_seconds, None, work)
        results["mic_speech"] = bench_mic_cpu(args.cpu_seconds, speech, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for model, r in results["models"].items():
        rows += [
            [model, "daemon start → socket answers", f"{r['startup_socket_s'] * 1000:,.0f} ms"],
            [model, "daemon start → model loaded + 30 notes reconciled", f"{r['startup_ready_s']:,.1f} s"],
            [
                model,
                f"note in watched folder → recallable, p50 (n={args.notes})",
                f"{r['watch_to_recall_p50_ms']:,.0f} ms",
            ],
            [
                model,
                f"note in watched folder → recallable, p95 (n={args.notes})",
                f"{r['watch_to_recall_p95_ms']:,.0f} ms",
            ],
            [
                model,
                f"`augmem recall` process, via daemon (median of {args.runs})",
                f"{r['cli_recall_via_daemon_median_ms']:,.0f} ms",
            ],
            [
                model,
                f"`augmem recall` process, in-process cold (median of {args.runs})",
                f"{r['cli_recall_in_process_median_ms']:,.0f} ms",
            ],
            [model, "daemon RSS, model loaded", f"{r['daemon_rss_mib_model_loaded']:,.0f} MiB"],
        ]
    for key, label in (("mic_idle", "idle room (noise only)"), ("mic_speech", "speech present")):
        m = results[key]
        rows.append(["—", f"mic capture CPU, {label}", f"{m['cpu_percent']:.1f} % of a core ({m['clips']} clips)"])
    print_table(
        "augmem daemon benchmark (debounce 1 s included in the watch latency)", ["model", "metric", "value"], rows
    )
    out = write_json("daemon", results)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
