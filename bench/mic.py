"""Microphone capture's CPU share, with the Silero speech detector on and off, in a quiet
room, with mains hum and a fan, and while someone talks.

Usage: python bench/mic.py [--seconds 15] [--gate-seconds 60]

Two measurements per row, all in one run:

* **capture process**: a process running MicrophoneCapture for real (PortAudio, the
  consumer thread, the gate, FLAC clips) on an ALSA device that plays the scene in a
  loop at the real-time rate (tests/daemon/wavmic.py: the `file` plugin reading a FIFO).
  Its CPU time over `--seconds` of wall time, as a percentage of one core, plus its RSS.
* **gate alone**: the same scene fed straight to ActivityGate in this process, CPU time per
  second of audio (what the consumer thread spends deciding, without PortAudio).

Results: a table on stdout and bench/results/mic.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import print_table, write_json
from tests.daemon.proc import ROOT
from tests.daemon.sounds import RATE, fan, room, say
from tests.daemon.wavmic import DEVICE, WavMic

PROBE = textwrap.dedent(
    """
    import json, sys, time, psutil
    from pathlib import Path
    from augmem.capture.gate import GateConfig
    from augmem.capture.microphone import MicrophoneCapture
    out, seconds, device, vad = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4] == "on"
    clips = []
    mic = MicrophoneCapture(out / "clips", out / "run", clips.append, device=device,
                            gate_config=GateConfig(vad=vad))
    assert mic.start() == "listening", mic.info()
    time.sleep(2.0)  # past the stream's start-up
    me = psutil.Process()
    c0, t0 = me.cpu_times(), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = me.cpu_times(), time.perf_counter()
    info = mic.info()
    mic.stop()
    cpu = (c1.user - c0.user + c1.system - c0.system) / (t1 - t0) * 100
    print(json.dumps({"cpu_percent": cpu, "clips": len(clips), "dropped": mic.dropped_blocks,
                      "rss_mib": me.memory_info().rss / 2**20, "vad": info["vad"]}))
    """
)


class SceneMic(WavMic):
    """The wavmic device, playing `program` (32 kHz float) in a loop."""

    def __init__(self, folder: Path, program: np.ndarray):
        super().__init__(folder, None)
        (np.clip(program, -1, 1) * 32767).astype("<i2").tofile(self.program)
        self.program_seconds = program.size / RATE


def scenes() -> dict[str, np.ndarray]:
    sentence = np.concatenate([say("remember to buy milk"), room(0.4, 7), say("and eggs on the way home")])
    talk = np.concatenate([room(1.0, 1), sentence + room(sentence.size / RATE, 2)[: sentence.size], room(1.5, 3)])
    hum = fan(10.0)  # 500 whole cycles of 50 Hz: the loop joins without a click
    return {
        "idle: quiet room (-65 dBFS)": room(10.0),
        "idle: 50 Hz hum + fan (-34 dBFS)": hum,
        f"speech ({sentence.size / talk.size:.0%} of the time)": talk,
    }


def capture_cpu(program: np.ndarray, vad: bool, seconds: float, work: Path) -> dict:
    with SceneMic(work, program) as mic:
        env = {**os.environ, **mic.env, "PYTHONPATH": str(ROOT)}
        r = subprocess.run(
            [sys.executable, "-c", PROBE, str(work), str(seconds), DEVICE, "on" if vad else "off"],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=False,
        )
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def gate_cpu(program: np.ndarray, vad, seconds: float) -> dict:
    from augmem.capture.gate import ActivityGate, GateConfig

    reps = max(1, int(np.ceil(seconds * RATE / program.size)))
    audio = np.tile(program, reps)
    gate = ActivityGate(RATE, GateConfig(), vad)
    block = 1024  # what PortAudio hands the consumer at 32 kHz
    clips = 0
    c0 = time.process_time()
    for i in range(0, audio.size, block):
        clips += len(gate.feed(audio[i : i + block]))
    cpu = time.process_time() - c0
    frames = audio.size / RATE / 0.032
    return {
        "cpu_percent": cpu / (audio.size / RATE) * 100,
        "clips": clips,
        "audio_s": audio.size / RATE,
        "detector_ran_percent": gate.vad_frames / frames * 100,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="wall seconds measured per capture run")
    ap.add_argument("--gate-seconds", type=float, default=60.0, help="seconds of audio fed to the gate alone")
    args = ap.parse_args()

    from augmem.capture.vad import load_vad

    vad = load_vad()
    work = Path(tempfile.mkdtemp(prefix="augbench-mic-", dir="/tmp"))
    results: dict = {"seconds": args.seconds, "gate_seconds": args.gate_seconds, "detector": vad.name, "rows": []}
    try:
        for i, (name, program) in enumerate(scenes().items()):
            for on in (True, False):
                print(f"{name}, VAD {'on' if on else 'off'}…", file=sys.stderr)
                cap = capture_cpu(program, on, args.seconds, work / f"{i}-{on}")
                alone = gate_cpu(program, vad if on else None, args.gate_seconds)
                results["rows"].append({"scene": name, "vad": on, "capture": cap, "gate": alone})
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        [
            r["scene"],
            "on" if r["vad"] else "off",
            f"{r['capture']['cpu_percent']:.1f} %",
            f"{r['gate']['cpu_percent']:.2f} %",
            f"{r['gate']['detector_ran_percent']:.0f} %" if r["vad"] else "—",
            f"{r['capture']['rss_mib']:.0f} MiB",
            f"{r['capture']['clips']} in {args.seconds:g} s",
        ]
        for r in results["rows"]
    ]
    print_table(
        f"microphone capture CPU (% of one core; detector: {vad.name})",
        ["scene", "VAD", "capture process", "gate alone", "detector ran", "RSS", "clips"],
        rows,
    )
    out = write_json("mic", results)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
