"""The command line's whole-process time: `augmem recall` answered by a running daemon, `--help`
and `--version`, next to a bare `python -c pass` in the same run (the ratio is what carries over
between machines and loads).

Usage: python bench/cli.py [--runs 15] [--model minilm]

A real daemon (`python -m augmem daemon run`, tests/daemon/proc.py) on a temporary AUGMEM_HOME with
a few notes; every command is its own process, started the way a shell starts it, and the
commands run round-robin so a change in the machine's load hits all of them alike. After the
timings, `-X importtime` of one recall lists the modules that process imported, slowest first,
and the heavy ones it must not import. Results: a table on stdout and bench/results/cli.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import median, percentile, print_table, write_json
from tests.daemon.proc import ROOT, DaemonProcess, short_home, wait_for, write_config

HEAVY = ("torch", "numpy", "lancedb", "pyarrow", "pluggy", "textual", "transformers", "pandas")
"""Modules a daemon-answered recall must not import."""


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--model", default="minilm")
    args = ap.parse_args()

    home = short_home("augc-")
    notes = home / "notes"
    notes.mkdir()
    for i, text in enumerate(
        [
            "Baked sourdough bread on Sunday.",
            "The dentist moved my appointment.",
            "Lentil soup: cumin, garlic, lemon.",
            "Fixed the bike's flat tyre.",
        ]
    ):
        (notes / f"n{i}.md").write_text(text + "\n")
    write_config(home, model=args.model, watch=[{"path": str(notes), "kind": "notes"}])
    d = DaemonProcess(home)
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "augmem --version": [py, "-m", "augmem", "--version"],
        "augmem --help": [py, "-m", "augmem", "--help"],
        "augmem recall --help": [py, "-m", "augmem", "recall", "--help"],
        "augmem recall (via daemon)": [py, "-m", "augmem", "recall", "sourdough bread", "-n", "3"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    try:
        d.start()
        with d.client() as c:
            wait_for(
                lambda: any("n0.md" in h.path for h in c.recall("sourdough bread").hits),
                300,
                interval=0.5,
                what="the notes to be recallable",
            )
        load0 = load_average()
        for cmd in commands.values():  # warm the page cache and the daemon's query path once
            subprocess.run(cmd, env=d.env, capture_output=True, cwd=str(ROOT), check=True)
        for _ in range(args.runs):
            for name, cmd in commands.items():
                t0 = time.perf_counter()
                r = subprocess.run(cmd, env=d.env, capture_output=True, text=True, cwd=str(ROOT))
                times[name].append(time.perf_counter() - t0)
                if r.returncode != 0:
                    raise RuntimeError(f"{name}: {r.stderr}")
        load1 = load_average()
        probe = subprocess.run(
            [
                py,
                "-X",
                "importtime",
                "-c",
                "import sys; sys.argv = ['augmem', 'recall', 'sourdough bread'];"
                "from augmem.entry import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
                "print('HEAVY', [m for m in " + repr(HEAVY) + " if m in sys.modules])",
            ],
            env=d.env,
            capture_output=True,
            text=True,
            cwd=str(ROOT),
        )
        assert d.terminate() == 0
    finally:
        d.cleanup()

    imports = []
    for line in probe.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self, cum, name = line.split(":", 1)[1].split("|")
            depth = (len(name) - len(name.lstrip())) // 2  # importtime indents nested imports by two spaces
            if cum.strip().isdigit() and depth <= 1:
                imports.append((int(cum) / 1000, name.strip()))
    heavy = next((ln for ln in probe.stdout.splitlines() if ln.startswith("HEAVY")), "HEAVY ?")
    base = median(times["python -c pass"])
    rows = [
        [name, round(median(ts) * 1000, 1), round(percentile(ts, 95) * 1000, 1), f"{median(ts) / base:.2f}"]
        for name, ts in times.items()
    ]
    print(f"load average before / after: {load0} / {load1}")
    print_table(
        f"Whole-process time, {args.runs} runs each, round-robin ({args.model} daemon)",
        ["command", "median ms", "p95 ms", "x python -c pass"],
        rows,
    )
    top = sorted(imports, reverse=True)[:12]
    print_table(
        "Top-level imports of one daemon-answered recall (cumulative, -X importtime)",
        ["module", "ms"],
        [[n, round(ms, 1)] for ms, n in top],
    )
    print(f"heavy modules imported: {heavy.split(' ', 1)[1]}")
    out = write_json(
        "cli",
        {
            "runs": args.runs,
            "model": args.model,
            "load_average": [load0, load1],
            "times_s": times,
            "imports_ms": {n: ms for ms, n in imports},
            "heavy_imported": heavy.split(" ", 1)[1],
        },
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
