"""AIST-87M computes what its parts' reference libraries compute: the text tower is
mdbr-leaf-ir's sentence-transformers chain (with its query prompt), the image tower is timm's
model and transform, and bf16 runs only where its measured drift stays in bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image, ImageOps

from augmem.models import aist
from augmem.models.numerics import max_cosine_drift, recalibrate_batchnorm

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
PHOTOS = sorted((SAMPLES / "photos").iterdir())
QUERIES = ["dog barking at the park", "what did we decide about the budget?"]
NOTES = [
    "Sunday walk in Alder Park: Biscuit barked at two grey squirrels by the pond.",
    "Q3 budget review: marketing cut by ten percent, hiring freeze until October. " * 30,
]


def _clip(name: str, seconds: float) -> np.ndarray:
    wav, sr = sf.read(str(SAMPLES / "audio" / name), dtype="float32")
    assert sr == aist.AUDIO_SR
    return (wav.mean(1) if wav.ndim > 1 else wav)[: int(seconds * sr)]


def _leaf_chain(emb: aist.AIST87MEmbedder):
    """mdbr-leaf-ir as sentence-transformers builds it (Transformer, mean Pooling, Dense with
    the identity activation, Normalize), holding the artifact's text-tower weights."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models

    from augmem.models.minilm import package_dir

    chain = SentenceTransformer(
        modules=[
            models.Transformer(str(package_dir()), max_seq_length=emb.max_text_tokens),
            models.Pooling(384, pooling_mode="mean"),
            models.Dense(384, 768, activation_function=torch.nn.Identity()),
            models.Normalize(),
        ],
        device="cpu",
    )
    missing, unexpected = chain[0].auto_model.load_state_dict(
        emb.model.text_encoder.backbone.state_dict(), strict=False
    )
    assert not unexpected and all(k.startswith("pooler.") for k in missing)
    chain[2].linear.load_state_dict(emb.model.text_encoder.dense.state_dict())
    return chain.eval()


def test_text_is_mdbr_leaf_irs_chain_with_its_query_prompt(aist_embedder):
    chain = _leaf_chain(aist_embedder)
    head = aist_embedder.model.text_projection

    def through_head(v: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            return torch.nn.functional.normalize(head(v), dim=-1).numpy()

    queries = chain.encode(QUERIES, prompt=aist.QUERY_PROMPT, convert_to_tensor=True)
    notes = chain.encode(NOTES, convert_to_tensor=True)  # the long note is truncated at 512 tokens
    np.testing.assert_allclose(torch.linalg.norm(queries, dim=1).numpy(), 1.0, atol=1e-6)  # Normalize ran
    np.testing.assert_allclose(aist_embedder.embed_texts(QUERIES, query=True), through_head(queries), atol=1e-5)
    np.testing.assert_allclose(aist_embedder.embed_texts(NOTES), through_head(notes), atol=1e-5)


def test_the_prompt_goes_before_queries_only(aist_embedder):
    assert aist.QUERY_PROMPT == "Represent this sentence for searching relevant passages: "
    as_query = aist_embedder.embed_texts(QUERIES, query=True)
    np.testing.assert_array_equal(as_query, aist_embedder.embed_texts([aist.QUERY_PROMPT + q for q in QUERIES]))
    assert float((as_query * aist_embedder.embed_texts(QUERIES)).sum(1).max()) < 0.999  # notes get none


def test_image_tower_is_timms_model_and_transform(aist_embedder):
    import timm
    from timm.data import create_transform, resolve_data_config

    ref_model = timm.create_model(aist.IMAGE_ENCODER, pretrained=False, num_classes=0).eval()
    ref_model.load_state_dict(aist_embedder.model.image_encoder.state_dict(), strict=True)
    transform = create_transform(**resolve_data_config({}, model=ref_model))
    photos = [Image.open(p) for p in PHOTOS[:3]]
    with torch.inference_mode():
        x = torch.stack([transform(ImageOps.exif_transpose(p).convert("RGB")) for p in photos])
        ref = torch.nn.functional.normalize(aist_embedder.model.image_projection(ref_model(x)), dim=-1).numpy()
    np.testing.assert_allclose(aist_embedder.embed_images(photos), ref, atol=1e-5)


def test_options_reach_the_model(augmem_home, aist_artifact, aist_embedder):
    from augmem.config import load_settings
    from augmem.core import Augmem
    from augmem.errors import ArtifactError
    from tests.conftest import write_config

    def core_with(**options) -> Augmem:
        write_config(
            augmem_home,
            model="aist-87m",
            artifacts={"aist-87m": str(aist_artifact)},
            model_options={"aist-87m": options},
        )
        return Augmem(load_settings())

    core = core_with(query_prompt="none", candidate_tier=64, precision="fp32")
    emb = core.embedder()
    assert emb.query_prompt == "" and emb.candidate_tier == 64
    np.testing.assert_array_equal(emb.embed_texts(QUERIES, query=True), aist_embedder.embed_texts(QUERIES))
    assert core.registry.candidate_tier(core.spec, core.settings, core.tiers()) == 64
    assert core.active_space() == f"aist-87m:{aist_embedder.artifact_sha256}"  # queries only: same space
    default = core_with()
    assert default.registry.options(default.spec, default.settings) == {}
    assert default.registry.candidate_tier(default.spec, default.settings, default.tiers()) == 256
    empty = core_with(query_prompt="")  # an empty prompt in the config file also means none
    assert empty.registry.options(empty.spec, empty.settings) == {"query_prompt": ""}
    bad = core_with(candidate_tier=100)
    with pytest.raises(ArtifactError, match=r"candidate_tier = 100 .* is not one of the tiers"):
        bad.registry.options(bad.spec, bad.settings)


def test_bf16_covers_only_modalities_within_the_stated_drift(aist_artifact, aist_embedder):
    """bf16 on: within BF16_MAX_DRIFT of fp32 (and really bf16: not identical). bf16 off:
    identical to fp32, whatever `precision` says."""
    bf16 = aist.AIST87MEmbedder(aist_artifact, "x", precision="bf16")
    inputs = {
        "text": (QUERIES + NOTES, "embed_texts"),
        "image": ([Image.open(PHOTOS[0])], "embed_images"),
        "audio": ([_clip("doorbell_chime.wav", 2.0)], "embed_audio"),
    }
    assert set(inputs) >= aist.BF16_MODALITIES
    for modality, (items, method) in inputs.items():
        got, ref = getattr(bf16, method)(items), getattr(aist_embedder, method)(items)
        assert bf16.bf16_for(modality) == (modality in aist.BF16_MODALITIES)
        if modality in aist.BF16_MODALITIES:
            assert 0 < max_cosine_drift(got, ref) < aist.BF16_MAX_DRIFT, modality
        else:
            np.testing.assert_array_equal(got, ref)


@pytest.mark.slow
def test_bf16_is_off_exactly_where_it_drifts_too_far(aist_artifact, monkeypatch):
    """Re-measure what BF16_MODALITIES records: with bf16 forced on for every modality, on
    towers whose BatchNorm statistics come from real photos and clips (augmem.models.numerics),
    the modalities under the bound are exactly the ones left on."""
    emb = aist.AIST87MEmbedder(aist_artifact, "x", precision="bf16")
    photos = [Image.open(p) for p in PHOTOS]
    clips = [
        _clip(n, 2.5)
        for n in (
            "dog_barking_at_the_park.wav",
            "doorbell_chime.wav",
            "guitar_strum_g_chord.flac",
            "tuning_tone_a440.wav",
        )
    ]
    recalibrate_batchnorm(
        emb.model.image_encoder,
        [torch.from_numpy(np.stack([aist.preprocess_image(p) for p in photos]))],
        emb.model.image_encoder,
    )
    recalibrate_batchnorm(emb.model.audio_encoder, [torch.from_numpy(np.stack(clips))], emb.model.audio_encoder)
    inputs = {
        "text": (QUERIES + NOTES, emb.embed_texts),
        "image": (photos[:2], emb.embed_images),
        "audio": (clips, emb.embed_audio),
    }
    drift = {}
    for modality, (items, fn) in inputs.items():
        monkeypatch.setattr(aist, "BF16_MODALITIES", frozenset())
        ref = fn(items)
        monkeypatch.setattr(aist, "BF16_MODALITIES", frozenset(inputs))
        drift[modality] = max_cosine_drift(fn(items), ref)
    monkeypatch.undo()
    assert {m for m, d in drift.items() if d < aist.BF16_MAX_DRIFT} == aist.BF16_MODALITIES, drift
