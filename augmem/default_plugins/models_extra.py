"""The other seed models, registered like any plugin's: TEG-421M, aegis-embed, ALM2Vec-FT.

Registration is cheap: nothing here imports torch, transformers or the model modules;
each `load` / `synth` imports its module when called.
"""

from __future__ import annotations

from pathlib import Path

from augmem.hookspecs import hookimpl
from augmem.models.registry import ModelOption, ModelSpec, folder_path, whole_number


def _load_teg(path: Path, sha256: str, device: str, **options):
    from augmem.models.teg import load

    return load(path, sha256, device, **options)


def _synth_teg(out: Path, **opts):
    from augmem.models.teg import synth

    return synth(out, **opts)


def _load_aegis(path: Path, sha256: str, device: str, **options):
    from augmem.models.aegis import load

    return load(path, sha256, device, **options)


def _aegis_variant(path: Path, options) -> str:
    from augmem.models.aegis import space_variant

    return space_variant(path, options.get("layers"))


def _synth_aegis(out: Path, **opts):
    from augmem.models.aegis import synth

    return synth(out, **opts)


def _load_alm2vec(path: Path, sha256: str, device: str):
    from augmem.models.alm2vec import load

    return load(path, sha256, device)


TEG_421M = ModelSpec(
    name="teg-421m",
    modalities=("text", "image", "audio"),
    dim=768,
    tiers=(768, 512, 256, 128),
    storage_tiers=(768, 256, 128),
    description=(
        "text + image + audio in embeddinggemma-300M's space, 420,625,106 params; "
        "safetensors or GGUF (edge); text needs embeddinggemma's tokenizer folder"
    ),
    load=_load_teg,
    artifact_filename="teg-421m.safetensors",
    hf_repo="augmem/teg-421m",
    size_bytes=1_067_337_524,  # tensor bytes: gemma.* in bf16, the rest fp32 (card: 1017.8 MB)
    synth=_synth_teg,
    aliases=("teg", "teg421m"),
    options={
        "tokenizer": ModelOption(
            "folder with embeddinggemma-300m's tokenizer files (default: "
            "<artifact>.tokenizer/ or tokenizer/ next to the artifact)",
            env="AUGMEM_TEG_TOKENIZER",
            parse=folder_path,
            folder=True,
        )
    },
)

AEGIS_EMBED = ModelSpec(
    name="aegis-embed",
    modalities=("text",),
    dim=768,
    tiers=(768, 512, 256, 128, 64),
    storage_tiers=(768, 256, 64),
    description=(
        "multilingual long-context text (ModernBERT, 32K context), 2D Matryoshka: dims and layers "
        "(22/11/6/3: --opt layers=K); a sentence-transformers folder"
    ),
    load=_load_aegis,
    artifact_filename="aegis-embed",  # a folder: its sha256 is sha256_tree of the files
    artifact_is_folder=True,
    # no hf_repo: the card names no repository of its own (only the upstream it derives from);
    # `augmem models pull aegis-embed --repo ORG/NAME` fetches it from wherever the user has it
    size_bytes=1_227_758_592,  # 306,939,648 float32 elements
    synth=_synth_aegis,
    aliases=("aegis",),
    options={
        "layers": ModelOption(
            "run only the first K layers (22, 11, 6, 3): faster, coarser vectors in a space of their own",
            env="AUGMEM_AEGIS_LAYERS",
            parse=whole_number,
        )
    },
    variant=_aegis_variant,
)

ALM2VEC_FT = ModelSpec(
    name="alm2vec-ft",
    modalities=("text", "audio"),
    dim=3584,
    tiers=(3584,),
    storage_tiers=(3584,),
    description=(
        "instruction-aware audio + text (MiDashengLM, ~8B); a transformers remote-code folder; "
        "`augmem recall --instruct` steers queries"
    ),
    load=_load_alm2vec,
    artifact_filename="ALM2Vec-FT",
    artifact_is_folder=True,
    hf_repo="cara-ai/ALM2Vec-FT",  # the card's repo_id
    size_bytes=31_000_000_000,
    caveat="needs an NVIDIA GPU with ~31 GB free; runs the model's own remote code (trust_remote_code)",
    aliases=("alm2vec",),
    requires_gpu=True,
)


@hookimpl(trylast=True)  # after augmem's own defaults, so `models list` starts with aist-87m
def register_models(register):
    register(TEG_421M)
    register(AEGIS_EMBED)
    register(ALM2VEC_FT)
