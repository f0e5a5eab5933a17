"""augmem-nano4m: nano4M-Audio (the 4M encoder-decoder with audio as a 5th modality) as an
experimental augmem model. Installed, it registers through augmem's `register_models`
hook (entry point group "augmem", name "nano4m"); nothing heavy is imported here."""

from __future__ import annotations

from pathlib import Path

from augmem import hookimpl
from augmem.models.registry import ModelOption, ModelSpec, folder_path

__version__ = "0.1.0"


def _load(path: Path, sha256: str, device: str, **options):
    from augmem_nano4m.embedder import load

    return load(path, sha256, device, **options)


def _synth(out: Path, **opts):
    from augmem_nano4m.embedder import synth

    return synth(out, **opts)


NANO4M_AUDIO = ModelSpec(
    name="nano4m-audio",
    modalities=("audio",),
    dim=512,
    tiers=(512,),
    storage_tiers=(512,),
    description=(
        "nano4M-Audio (4M d6-6w512, 95.84M params): pooled encoder states of EnCodec audio tokens; "
        "text too with a local GPT-2 tokenizer"
    ),
    load=_load,
    artifact_filename="checkpoint-final.safetensors",
    hf_repo="zed-m97/nano4m-audio",
    size_bytes=384_481_280,  # 96,120,320 float32 state elements
    experimental=True,
    caveat=(
        "weak cross-modal retrieval (card: best R@5 4.5 %, chance 2.5 %); raw audio needs the EnCodec 24 kHz "
        "weights (facebook/encodec_24khz) locally"
    ),
    synth=_synth,
    aliases=("nano4m",),
    options={
        "encodec": ModelOption(
            "folder with facebook/encodec_24khz (default: the Hugging Face cache)",
            env="AUGMEM_ENCODEC_DIR",
            parse=folder_path,
            folder=True,
        ),
        "text_tokenizer": ModelOption(
            "folder with a GPT-2 tokenizer for text queries (default: the HF cache)",
            env="AUGMEM_GPT2_TOKENIZER",
            parse=folder_path,
            folder=True,
        ),
    },
)


@hookimpl(trylast=True)  # listed after augmem's own models
def register_models(register):
    register(NANO4M_AUDIO)
