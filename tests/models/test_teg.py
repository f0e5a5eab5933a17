"""TEG-421M: parity by counting (meta device, free), strict round trips of the reduced
config (same key names), the GGUF variant, and clear errors for bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from augmem.errors import ArtifactError
from augmem.models import teg
from augmem.models.artifacts import load_safetensors, sha256_file

TEXTS = ["the dog barked at the park", "a red apple on the kitchen table next to the window", "meeting moved"]


def _images():
    return [Image.new("RGB", (320, 240), (200, 30, 30)), Image.new("L", (100, 400), 128)]


def _clips():
    rng = np.random.default_rng(0)
    return [rng.uniform(-0.2, 0.2, teg.AUDIO_SR).astype(np.float32), np.zeros(4000, np.float32)]


# ------------------------------------------------------------------ parity by counting


@pytest.fixture(scope="module")
def meta_model() -> teg.TEG421M:
    return teg.build(device="meta")


def test_counts_match_the_card(meta_model):
    counts = teg.component_counts(meta_model)
    assert counts == teg.COUNTS
    total = sum(c[1] for c in counts.values())
    assert total == teg.TOTAL == 420_625_106
    assert round(total / 1e6, 1) == 420.6
    assert sum(c[0] for c in counts.values()) == 1118
    assert round(counts["gemma"][1] / 1e6, 1) == 307.6
    assert round(counts["audio_encoder"][1] / 1e6, 1) == 18.0
    assert round(counts["image_projection"][1] / 1e6, 1) == 42.0
    assert round(counts["audio_projection"][1] / 1e6, 1) == 44.6


def test_sizes_match_the_card(meta_model):
    """gemma.* in bfloat16 and the rest in float32 gives the card's MB column (MiB)."""
    state = teg.export_state(meta_model)
    mib = {}
    for k, v in state.items():
        p = k.split(".", 1)[0]
        mib[p] = mib.get(p, 0) + v.numel() * v.element_size()
    assert {k: round(v / 2**20, 1) for k, v in mib.items()} == teg.CARD_MIB
    assert all(v.dtype == torch.bfloat16 for k, v in state.items() if k.startswith("gemma."))


def test_gemma_is_embeddinggemma(meta_model):
    sd = meta_model.state_dict()
    gemma = {k: v for k, v in sd.items() if k.startswith("gemma.")}
    backbone = [k for k in gemma if k.startswith("gemma.0.auto_model.")]
    assert len(backbone) == 314 and sum(gemma[k].numel() for k in backbone) == 302_863_104
    assert gemma["gemma.0.auto_model.embed_tokens.weight"].shape == (262_144, 768)
    assert gemma["gemma.0.auto_model.layers.0.self_attn.q_proj.weight"].shape == (3 * 256, 768)
    assert gemma["gemma.0.auto_model.layers.0.self_attn.k_proj.weight"].shape == (256, 768)
    assert gemma["gemma.0.auto_model.layers.0.mlp.gate_proj.weight"].shape == (1152, 768)
    assert gemma["gemma.2.linear.weight"].shape == (3072, 768)
    assert gemma["gemma.3.linear.weight"].shape == (768, 3072)
    assert not any(k.startswith(("gemma.2.linear.bias", "gemma.3.linear.bias")) for k in gemma)
    cfg = meta_model.gemma._modules["0"].auto_model.config
    assert cfg.use_bidirectional_attention and cfg.num_hidden_layers == 24
    assert (cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim) == (3, 1, 256)
    assert sd["image_projection.proj_in.weight"].shape == (4096, 1280)
    assert sd["audio_projection.proj_in.weight"].shape == (4096, 1920)
    assert sd["audio_projection.proj_out.weight"].shape == (768, 4096)
    assert max(len(k.encode()) for k in sd) < 64  # fits GGUF tensor names


def test_text_attention_is_bidirectional():
    torch.manual_seed(0)
    model = teg.GemmaText(teg.TEGConfig.small()).eval()
    backbone = model._modules["0"].auto_model
    ids = torch.tensor([[2, 10, 11, 12, 1]])
    changed = ids.clone()
    changed[0, 3] = 40
    mask = torch.ones_like(ids)
    with torch.no_grad():
        a = backbone(input_ids=ids, attention_mask=mask).last_hidden_state
        b = backbone(input_ids=changed, attention_mask=mask).last_hidden_state
    assert not torch.allclose(a[0, 0], b[0, 0])  # a later token changes the first one: not causal


# ------------------------------------------------------------------ round trips (reduced config)


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("teg")
    teg.synth(d / "teg-small.safetensors", small=True, seed=3)
    return d


@pytest.fixture(scope="module")
def small(small_dir) -> teg.TEG421MEmbedder:
    path = small_dir / "teg-small.safetensors"
    return teg.TEG421MEmbedder(path, sha256_file(path))


def test_synth_writes_the_card_metadata(small_dir):
    _, meta = load_safetensors(small_dir / "teg-small.safetensors")
    for key in (
        "format",
        "version",
        "text_model",
        "embed_dim",
        "image_encoder_name",
        "image_encoder_dim",
        "audio_encoder_name",
        "audio_encoder_dim",
        "audio_sample_rate",
        "matryoshka_dims",
        "total_parameters",
    ):
        assert key in meta, key
    assert json.loads(meta["matryoshka_dims"]) == [768, 512, 256, 128]
    assert meta["embed_dim"] == "768" and meta["audio_encoder_dim"] == "1920" and meta["audio_sample_rate"] == "32000"
    assert "teg_config" in meta  # the reduced config is recorded so it loads back
    assert (small_dir / "teg-small.tokenizer" / "tokenizer.json").exists()


def test_strict_round_trip_is_exact(small_dir, small):
    tensors, _ = load_safetensors(small_dir / "teg-small.safetensors")
    state = small.model.state_dict()
    assert state.keys() == tensors.keys()
    assert all(torch.equal(state[k].to(tensors[k].dtype), tensors[k]) for k in tensors)
    # the reduced config keeps the published names below every prefix
    full = set(teg.build(device="meta").state_dict())
    assert {k for k in tensors if not k.startswith("gemma.0.auto_model.layers.")} == {
        k for k in full if not k.startswith("gemma.0.auto_model.layers.")
    }


def test_fast_build_recomputes_every_non_persistent_buffer():
    cfg = teg.TEGConfig.small()
    ref = dict(teg.TEG421M(cfg).named_buffers())
    empty = teg.build_empty(cfg)
    stored = set(empty.state_dict())
    computed = {n: b for n, b in empty.named_buffers() if n not in stored}
    assert len(computed) == 8  # rotary x4, embedding scale, log-mel window, pre-emphasis, mel bank
    for name, buf in computed.items():
        assert buf.device.type == "cpu" and buf.dtype == ref[name].dtype and torch.equal(buf, ref[name]), name


def test_loaded_model_computes_what_a_normally_built_one_does(small_dir, small):
    tensors, meta = load_safetensors(small_dir / "teg-small.safetensors")
    model = teg.TEG421M(teg.TEGConfig.from_json(meta["teg_config"], "test"))
    model.load_state_dict(tensors)
    model.eval()
    enc = small.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        ref_text = model.embed_text(enc["input_ids"], enc["attention_mask"]).numpy()
        clip = torch.from_numpy(_clips()[0])[None]
        ref_audio = model.embed_audio(clip).numpy()
    np.testing.assert_allclose(
        small.model.embed_text(enc["input_ids"], enc["attention_mask"]).detach().numpy(), ref_text, atol=1e-6
    )
    np.testing.assert_allclose(small.embed_audio(_clips()[:1]), ref_audio, atol=1e-6)


def test_outputs_follow_the_runtime_contract(small):
    assert small.dim == 768 and small.tiers == (768, 512, 256, 128) and small.modalities == {"text", "image", "audio"}
    for z in (small.embed_texts(TEXTS), small.embed_images(_images()), small.embed_audio(_clips())):
        assert z.shape[1] == 768 and z.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    assert small.embed_texts([]).shape == (0, 768)
    assert small.space.startswith("teg-421m:") and len(small.space) == len("teg-421m:") + 64


def test_query_and_document_prompts_differ(small):
    q = small.embed_texts(TEXTS[:1], query=True)
    d = small.embed_texts(TEXTS[:1])
    assert not np.allclose(q, d)


def test_padding_does_not_change_a_text(small):
    alone = small.embed_texts(TEXTS[2:3])
    batched = small.embed_texts([TEXTS[2], TEXTS[1]])
    np.testing.assert_allclose(alone[0], batched[0], atol=1e-5)


def test_registry_selects_it(small_dir):
    from augmem.config import load_settings
    from augmem.models.registry import ModelRegistry
    from augmem.plugins import load_plugins

    settings = load_settings()
    settings.artifacts["teg-421m"] = str(small_dir / "teg-small.safetensors")
    registry = ModelRegistry.from_plugins(load_plugins(settings.paths.config_dir))
    assert registry.get("teg").name == registry.get("TEG-421M").name == "teg-421m"
    emb = registry.load("teg", settings, device="cpu")
    assert isinstance(emb, teg.TEG421MEmbedder) and emb.space.endswith(sha256_file(small_dir / "teg-small.safetensors"))


# ------------------------------------------------------------------ GGUF


@pytest.mark.parametrize("qtype", ["f32", "f16", "bf16", "q8_0"])
def test_gguf_round_trip(small_dir, small, qtype, tmp_path):
    from gguf import GGUFReader

    path = tmp_path / f"teg-small-{qtype}.gguf"
    teg.synth(path, small=True, seed=3, gguf_type=qtype, tokenizer=False)
    shutil.copytree(small_dir / "teg-small.tokenizer", tmp_path / f"teg-small-{qtype}.tokenizer")
    reader = GGUFReader(str(path))
    assert reader.get_field("general.architecture").contents() == "teg"
    assert reader.get_field("teg.embed_dim").contents() == "768"
    names = {t.name for t in reader.tensors}
    assert names == set(small.model.state_dict())
    kinds = {t.tensor_type.name for t in reader.tensors}
    assert kinds >= ({"F32", "I64"} | ({qtype.upper()} if qtype != "f32" else set()))

    emb = teg.TEG421MEmbedder(path, sha256_file(path))
    assert emb.format == "gguf"
    for ref, got in (
        (small.embed_texts(TEXTS), emb.embed_texts(TEXTS)),
        (small.embed_images(_images()), emb.embed_images(_images())),
        (small.embed_audio(_clips()), emb.embed_audio(_clips())),
    ):
        cos = (ref * got).sum(1)
        if qtype == "f32":
            np.testing.assert_allclose(got, ref, atol=1e-6)  # bit-for-bit the same weights
        else:
            assert cos.min() > 0.99, (qtype, cos)


def test_gguf_for_another_architecture_is_refused(tmp_path):
    import gguf

    path = tmp_path / "llama.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_tensor("token_embd.weight", np.zeros((4, 32), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    with pytest.raises(ArtifactError, match="'llama'"):
        teg.TEG421MEmbedder(path, "x")


# ------------------------------------------------------------------ bad files


def test_wrong_layout_names_the_keys(small_dir, tmp_path):
    from safetensors.torch import save_file

    tensors, meta = load_safetensors(small_dir / "teg-small.safetensors")
    del tensors["image_projection.proj_out.bias"]
    tensors["gemma.2.linear.weight"] = torch.zeros(7, 7)
    tensors["audio_encoder.extra.weight"] = torch.zeros(1)
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(ArtifactError) as err:
        teg.TEG421MEmbedder(bad, "x")
    msg = str(err.value)
    assert "image_projection.proj_out.bias" in msg and "gemma.2.linear.weight" in msg
    assert "audio_encoder.extra.weight" in msg


def test_truncated_file_is_a_clear_error(small_dir, tmp_path):
    data = (small_dir / "teg-small.safetensors").read_bytes()
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(ArtifactError, match="not a readable safetensors file"):
        teg.TEG421MEmbedder(bad, "x")
    (tmp_path / "truncated.gguf").write_bytes(b"GGUF" + b"\0" * 10)
    with pytest.raises(ArtifactError, match="not a readable GGUF file"):
        teg.TEG421MEmbedder(tmp_path / "truncated.gguf", "x")


def test_sentence_transformers_6_key_spelling_loads(small_dir, tmp_path):
    from safetensors.torch import save_file

    tensors, meta = load_safetensors(small_dir / "teg-small.safetensors")
    renamed = {k.replace("gemma.0.auto_model.", "gemma.0.model."): v for k, v in tensors.items()}
    path = tmp_path / "st6.safetensors"
    save_file(renamed, str(path), metadata=meta)
    shutil.copytree(small_dir / "teg-small.tokenizer", tmp_path / "tokenizer")
    emb = teg.TEG421MEmbedder(path, "x")
    assert emb.embed_texts(TEXTS[:1]).shape == (1, 768)


def test_without_a_tokenizer_photos_and_clips_still_work(small_dir, tmp_path, monkeypatch):
    path = tmp_path / "alone.safetensors"
    shutil.copy(small_dir / "teg-small.safetensors", path)
    emb = teg.TEG421MEmbedder(path, "x")
    assert emb.modalities == {"image", "audio"}
    assert emb.embed_images(_images()).shape == (2, 768)
    with pytest.raises(ArtifactError) as err:
        emb.embed_texts(["hello"])
    assert "tokenizer" in str(err.value) and "--opt tokenizer=FOLDER" in err.value.hint
    monkeypatch.setenv("AUGMEM_TEG_TOKENIZER", str(small_dir / "teg-small.tokenizer"))
    emb = teg.TEG421MEmbedder(path, "x")
    assert "text" in emb.modalities and emb.embed_texts(["hello"]).shape == (1, 768)
