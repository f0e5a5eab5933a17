"""Fixtures for the daemon tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def aist_artifact_b(tmp_path_factory) -> Path:
    """A second random-init AIST-87M (another seed): same layout, another sha256, another space."""
    from augmem.models.aist import synth

    out = tmp_path_factory.mktemp("models-b") / "AIST-87M.safetensors"
    synth(out, seed=1, text_from="minilm")
    return out
