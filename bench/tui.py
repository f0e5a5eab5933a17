"""TUI responsiveness: time to first frame, and keystroke-to-results latency at 100k memories.

Usage: python bench/tui.py [--memories 100000] [--runs 10] [--no-daemon] [--no-tmux]

* first frame: wall time from starting a process (`python -c`, the same factory as `augmem tui`)
  to the app's first painted screen; the child exits right there. Headless, and in a real
  terminal (tmux) where textual-image also asks the terminal about graphics support.
* keystroke -> results: the real app under Textual's pilot, in-process and (unless --no-daemon)
  through a running daemon. A person's typing is replayed key by key (each key fully handled,
  then 60 ms); latency is from the last key to the new results being on screen, so it includes
  the 200 ms debounce. "recall" is the worker's share (embed the query with the real MiniLM +
  search). "UI loop lag" is how late a 10 ms tick on the app's event loop fires while typing
  and recalls run: the typing-never-blocks check.

The store holds the bundled sample notes (real embeddings) plus N synthetic memories: random
unit vectors in the minilm space with a few random words of text each, written straight into
LanceDB and then optimised the way the daemon does (ANN index past 50k rows, FTS, compaction).
Results: a table on stdout and bench/results/tui.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import percentile, print_table, write_json  # noqa: E402

QUERIES = [
    "lentil soup recipe",
    "fixing a flat bicycle tyre",
    "call the dentist",
    "snowy mountain weekend",
    "budget meeting action items",
    "grocery list milk eggs",
    "guitar chords practice",
    "watering the plants",
    "packing for the beach",
    "quote from walden",
    "grandma's birthday",
    "dog barking at squirrels in the park",
]
TYPING_GAP_S = 0.06
FIRST_FRAME_CHILD = """
import sys, time
from augmem.config import load_settings
from augmem.backend import open_backend
from augmem.tui.app import make_app
settings = load_settings()
app = make_app(open_backend(settings), settings, exit_on_first_frame=True)
app.run(headless={headless})
open(sys.argv[1], "w").write(repr(app.first_frame_at))
"""


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUGMEM_")}
    env.update(
        AUGMEM_HOME=str(home),
        AUGMEM_LOAD_PLUGINS="",
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def build_store(home: Path, n: int, seed: int = 0) -> dict:
    """Sample notes through the real core, then n synthetic rows straight into the store."""
    os.environ.update(env_for(home))
    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.records import Memory

    (home / "config.toml").write_text('model = "minilm"\n')
    core = Augmem(load_settings())
    t0 = time.perf_counter()
    core.ingest([ROOT / "assets" / "samples" / "notes"])
    ingest_s = time.perf_counter() - t0
    space, tiers = core.active_space(), core.tiers()
    dim = max(tiers)
    words = " ".join(p.read_text() for p in (ROOT / "assets" / "samples" / "notes").iterdir()).split()
    vocab = sorted({w.strip(".,:;!?()[]#*-—\"'").lower() for w in words} - {""})
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for start in range(0, n, 20_000):
        k = min(20_000, n - start)
        v = rng.normal(size=(k, dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        tv = {t: v[:, :t] / np.linalg.norm(v[:, :t], axis=1, keepdims=True) for t in tiers}
        text = [" ".join(rng.choice(vocab, 12)) for _ in range(k)]
        when = 1.75e9 - rng.random(k) * 2 * 365 * 86400
        rows = [
            Memory(
                id=f"syn{start + i:08d}",
                modality="text",
                source="notes",
                path=f"/bench/syn/{start + i}.md",
                content_sha256="",
                size=0,
                mtime=float(when[i]),
                captured_at=float(when[i]),
                text=text[i],
                chunk_start=0,
                chunk_end=len(text[i]),
                vectors={t: tv[t][i] for t in tiers},
            )
            for i in range(k)
        ]
        core.store.upsert(space, rows)
        print(f"  wrote {start + k:,}/{n:,} synthetic memories", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    actions = core.store.optimize()
    optimize_s = time.perf_counter() - t0
    total = sum(core.store.count(space).values())
    core.close()
    return {
        "memories": total,
        "sample_ingest_s": round(ingest_s, 1),
        "synthetic_write_s": round(write_s, 1),
        "optimize_s": round(optimize_s, 1),
        "optimize": actions,
        "space": space,
    }


def first_frame(home: Path, runs: int, tmux: bool) -> dict[str, list[float]]:
    """Seconds from process start to first frame: headless, and in tmux when asked."""
    out: dict[str, list[float]] = {"headless": []}
    if tmux:
        out["tmux"] = []
    env = env_for(home)
    for mode in out:
        for _ in range(runs):
            stamp = home / f"ff-{uuid.uuid4().hex[:6]}"
            code = FIRST_FRAME_CHILD.format(headless=mode == "headless")
            start = time.time()
            if mode == "headless":
                subprocess.run(
                    [sys.executable, "-c", code, str(stamp)],
                    env=env,
                    check=True,
                    cwd=str(ROOT),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=120,
                )
            else:
                session = f"augmem-bench-{uuid.uuid4().hex[:6]}"
                exports = " ".join(
                    f"{k}='{v}'"
                    for k, v in env.items()
                    if k.startswith(("AUGMEM_", "HF_", "TRANSFORMERS_", "TOKENIZERS_", "PYTHONPATH"))
                )
                script = home / "ff_child.py"
                script.write_text(code)
                command = f"cd '{ROOT}' && env {exports} TERM=xterm-256color '{sys.executable}' '{script}' '{stamp}'"
                subprocess.run(
                    ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", command], check=True
                )
                deadline = time.time() + 120
                while not stamp.exists() and time.time() < deadline:
                    time.sleep(0.02)
                subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            out[mode].append(float(stamp.read_text()) - start)
            stamp.unlink()
    return out


async def typing_latency(backend, settings, queries: list[str]) -> dict[str, list[float]]:
    """Replay typing each query; measure last key -> results on screen, recall time, key handling."""
    from textual.widgets import Input

    from augmem.tui.app import make_app

    app = make_app(backend, settings, cursor_blink=False)
    got: dict[str, list[float]] = {"to_results": [], "recall": [], "lag": []}
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        box = screen.query_one("#query", Input)
        measuring = False

        async def lag_probe() -> None:
            # the app runs on this event loop: a 10 ms tick that fires late = a UI that stalls
            while True:
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                if measuring:
                    got["lag"].append(time.perf_counter() - t - 0.01)

        probe = asyncio.create_task(lag_probe())

        async def settle() -> None:
            deadline = time.monotonic() + 300
            while not (screen._debounce is None and screen.shown_generation == screen.generation):
                if time.monotonic() > deadline:
                    raise TimeoutError("no results")
                await pilot.pause(0.001)

        for i, query in enumerate(["warm up the model", *queries]):
            box.value = ""
            await settle()
            measuring = i > 0
            for ch in query[:-1]:
                await pilot.press(ch)
                await asyncio.sleep(TYPING_GAP_S)
            last = time.perf_counter()
            await pilot.press(query[-1])
            await settle()
            if i:  # the first query loads the model (in-process): reported separately
                got["to_results"].append(screen.shown_at - last)
                got["recall"].append(screen.last_recall_seconds)
            else:
                got["first_query"] = [screen.shown_at - last]
            measuring = False
        probe.cancel()
    return got


def start_daemon(home: Path) -> subprocess.Popen:
    log = open(home / "daemon-bench.out", "ab")  # noqa: SIM115 - the daemon writes to it for as long as it runs
    proc = subprocess.Popen(
        [sys.executable, "-m", "augmem", "daemon", "run"],
        env=env_for(home),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(ROOT),
    )
    from augmem.config import load_settings
    from augmem.daemon.client import connect

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited: {(home / 'daemon-bench.out').read_text()[-2000:]}")
        c = connect(load_settings(), timeout=1.0)
        if c is not None:
            return proc
        time.sleep(0.2)
    raise TimeoutError("daemon did not come up")


def ms(xs: list[float]) -> tuple[float, float]:
    return percentile(xs, 50) * 1000, percentile(xs, 95) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--memories", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=10, help="first-frame runs per mode")
    ap.add_argument("--no-daemon", action="store_true")
    ap.add_argument("--no-tmux", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary store")
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="augtb-", dir="/tmp"))  # short: the daemon's socket lives here
    try:
        print(f"building a store of {args.memories:,} memories in {home} …", file=sys.stderr)
        store = build_store(home, args.memories)
        print(f"  {store}", file=sys.stderr)
        from augmem.config import load_settings
        from augmem.core import Augmem

        results: dict = {"store": store, "typing_gap_ms": TYPING_GAP_S * 1000, "debounce_ms": 200}
        rows = []

        tmux = not args.no_tmux and shutil.which("tmux") is not None
        ff = first_frame(home, args.runs, tmux)
        for mode, xs in ff.items():
            p50, p95 = ms(xs)
            rows.append([f"first frame ({mode}, no daemon)", len(xs), p50, p95])
        results["first_frame_s"] = ff

        settings = load_settings()
        core = Augmem(settings)
        inproc = asyncio.run(typing_latency(core, settings, QUERIES))
        core.close()
        results["in_process"] = inproc
        rows.append(["first query, model load (in-process)", 1, inproc["first_query"][0] * 1000, float("nan")])
        for key, label in (("to_results", "last key -> results"), ("recall", "recall worker"), ("lag", "UI loop lag")):
            p50, p95 = ms(inproc[key])
            rows.append([f"{label} (in-process)", len(inproc[key]), p50, p95])

        if not args.no_daemon:
            proc = start_daemon(home)
            time.sleep(10)  # let its start-up jobs (reconcile, index upkeep) finish: steady state
            try:
                from augmem.daemon.client import connect

                client = connect(settings)
                ff_d = first_frame(home, args.runs, False)["headless"]
                p50, p95 = ms(ff_d)
                rows.insert(len(ff), ["first frame (headless, daemon up)", len(ff_d), p50, p95])
                results["first_frame_daemon_s"] = ff_d
                viad = asyncio.run(typing_latency(client, settings, QUERIES))
                results["daemon"] = viad
                for key, label in (
                    ("to_results", "last key -> results"),
                    ("recall", "recall worker"),
                    ("lag", "UI loop lag"),
                ):
                    p50, p95 = ms(viad[key])
                    rows.append([f"{label} (daemon)", len(viad[key]), p50, p95])
                client.close()
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(120)

        print_table(
            f"TUI latency, {store['memories']:,} memories (minilm, 200 ms debounce included in 'last key -> results')",
            ["measure", "n", "p50 ms", "p95 ms"],
            rows,
        )
        results["table"] = [dict(zip(["measure", "n", "p50_ms", "p95_ms"], r)) for r in rows]
        print(f"\nwrote {write_json('tui', results)}")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
