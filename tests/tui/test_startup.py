"""Startup stays fast: the first frame never waits for torch. The model loads in a worker
once a query is typed. A fresh interpreter per check keeps other tests' imports out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe_env(home: Path, user_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUGMEM_")}
    env.update(
        AUGMEM_HOME=str(home),
        AUGMEM_LOAD_PLUGINS="",
        PYTHONPATH=str(ROOT),
        HOME=str(user_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def test_no_torch_until_a_query_is_typed(user_dir, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(user_dir / "augmem", home)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("startup_probe.py")), "lentil soup recipe"],
        env=probe_env(home, user_dir),
        capture_output=True,
        text=True,
        timeout=400,
        cwd=str(ROOT),
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("PROBE ")]
    assert out.returncode == 0 and lines, out.stdout[-2000:] + out.stderr[-4000:]
    report = json.loads(lines[-1][len("PROBE ") :])
    assert report["imported_at_start"] == []  # importing the app loads neither torch nor the store
    assert report["backend"] == "Augmem"  # no daemon here: in-process
    assert report["badge"] == "in-process · minilm"  # status() answered, still without torch
    assert report["torch_after_start"] is False
    assert report["torch_after_query"] is True
    assert report["first_result"].endswith("lentil-soup-recipe.md")
