"""Offline and isolated, like augmem's own suite: a fresh AUGMEM_HOME per test, no hub."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("augmem_places") is None:  # not pip-installed: test the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def augmem_home(tmp_path, monkeypatch):
    home = tmp_path / "augmem-home"
    home.mkdir()
    monkeypatch.setenv("AUGMEM_HOME", str(home))
    for var in [v for v in os.environ if v.startswith("AUGMEM_") and v != "AUGMEM_HOME"]:
        monkeypatch.delenv(var)
    return home
