"""nano4M-Audio: parity by counting (95.84M), strict round trips, tokens, EnCodec, the hook."""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

import numpy as np
import pytest
import torch
from augmem_nano4m import NANO4M_AUDIO, fourm
from augmem_nano4m import embedder as E

from augmem.errors import ArtifactError
from augmem.models.artifacts import load_safetensors, sha256_file

# ------------------------------------------------------------------ parity by counting


@pytest.fixture(scope="module")
def meta_model() -> fourm.FourM:
    with torch.device("meta"):
        return fourm.FourM()


def test_parameters_are_the_cards_95_84m(meta_model):
    c = fourm.count(meta_model)
    assert c["parameters"] == fourm.PARAMETERS == 95_838_720
    assert round(c["parameters"] / 1e6, 2) == 95.84
    assert c["parameters"] / 1e6 == pytest.approx(95.83872)  # eval_results/final_summary.json
    assert c["buffers"] == 281_600
    assert c["state_elements"] == fourm.STATE_ELEMENTS == 96_120_320
    assert c["state_tensors"] == fourm.STATE_TENSORS == 149


def test_decomposition(meta_model):
    sd = meta_model.state_dict()

    def total(prefix: str) -> int:
        return sum(v.numel() for k, v in sd.items() if k.startswith(prefix))

    params = dict(meta_model.named_parameters())

    def ptotal(prefix: str) -> int:
        return sum(v.numel() for k, v in params.items() if k.startswith(prefix))

    assert sd["enc_tok_emb.weight"].shape == (50_304, 512)
    assert sd["to_logits.weight"].shape == (50_304, 512)
    assert sd["pos_emb"].shape == (512, 512)
    assert sd["enc_mod_emb.weight"].shape == sd["dec_mod_emb.weight"].shape == (5, 512)
    assert ptotal("encoder.") == 6 * 3_146_752 and total("encoder.") == 6 * 3_146_752 + 12 * 512
    assert ptotal("decoder.") == 6 * 4_196_352 and total("decoder.") == 6 * 4_196_352 + 24 * 512
    assert ptotal("dec_context_proj.") == 262_656
    assert sd["decoder.blocks.0.cross_attn.kv.weight"].shape == (1024, 512)
    assert sd["encoder.blocks.0.mlp.fc1.weight"].shape == (2048, 512)
    assert "encoder.blocks.0.norm1.bias" in sd and "encoder.blocks.0.norm1.bias" not in params  # a buffer


def test_positions_are_sincos():
    pe = fourm.sincos_posemb(512, 512)
    assert torch.allclose(pe[0, :256], torch.zeros(256)) and torch.allclose(pe[0, 256:], torch.ones(256))
    assert torch.allclose(pe[3, 0], torch.sin(torch.tensor(3.0)))


# ------------------------------------------------------------------ round trips (reduced config)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nano4m") / "checkpoint-final.safetensors"
    E.synth(out, small=True, seed=2)
    return out


@pytest.fixture(scope="module")
def emb(artifact) -> E.Nano4MEmbedder:
    return E.Nano4MEmbedder(artifact, sha256_file(artifact))


def _tokens(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2048, n)


def test_strict_round_trip_is_exact(artifact, emb):
    tensors, meta = load_safetensors(artifact)
    state = emb.model.state_dict()
    assert state.keys() == tensors.keys()
    assert all(torch.equal(state[k], tensors[k]) for k in tensors)
    assert meta["_target_"] == "nanofm.models.fourm.FourM" and meta["dim"] == "64"
    full = set(fourm.FourM(fourm.FourMConfig.small()).state_dict())
    assert full == set(tensors)


def test_embeds_tokens(emb):
    z = emb.embed_audio_tokens([_tokens(512), _tokens(300, 1), _tokens(1100, 2)])
    assert z.shape == (3, 64) and z.dtype == np.float32  # the reduced model is 64-d; the release 512
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    assert emb.embed_audio_tokens([]).shape == (0, 64)
    assert emb.space.startswith("nano4m-audio:")


def test_batching_and_windows(emb):
    a, b = _tokens(512, 3), _tokens(200, 4)
    alone = emb.embed_audio_tokens([b])
    together = emb.embed_audio_tokens([a, b])
    np.testing.assert_allclose(together[1], alone[0], atol=1e-5)  # padding changes nothing
    # a 2-window clip is the mean of its windows' pooled states
    pooled = emb._pool_sequences([a, b], emb._audio_id)
    expected = pooled.mean(0) / np.linalg.norm(pooled.mean(0))
    np.testing.assert_allclose(emb.embed_audio_tokens([np.concatenate([a, b])])[0], expected, atol=1e-5)


def test_codes_are_interleaved_with_the_offset(emb):
    codes = np.array([[1, 2, 3], [4, 5, 6]])
    assert E.interleave_codes(codes).tolist() == [1, 1028, 2, 1029, 3, 1030]
    np.testing.assert_allclose(emb.embed_audio_tokens([codes]), emb.embed_audio_tokens([E.interleave_codes(codes)]))
    assert emb.embed_audio([E.interleave_codes(codes)]).shape == (1, 64)  # integer arrays are tokens
    with pytest.raises(ArtifactError, match=r"\[0, 2048\)"):
        emb.embed_audio_tokens([np.array([0, 5000])])


def test_constant_buffers_may_be_missing(artifact, tmp_path, emb):
    from safetensors.torch import save_file

    tensors, meta = load_safetensors(artifact)
    slim = {k: v for k, v in tensors.items() if (k != "pos_emb" and not k.endswith(".bias")) or "proj" in k}
    assert len(slim) < len(tensors)
    path = tmp_path / "slim.safetensors"
    save_file(slim, str(path), metadata=meta)
    other = E.Nano4MEmbedder(path, "x")
    np.testing.assert_allclose(other.embed_audio_tokens([_tokens(100)]), emb.embed_audio_tokens([_tokens(100)]))


def test_wrong_layout_names_the_keys(artifact, tmp_path):
    from safetensors.torch import save_file

    tensors, meta = load_safetensors(artifact)
    del tensors["encoder.blocks.1.attn.qkv.weight"]
    tensors["to_logits.weight"] = torch.zeros(3, 3)
    path = tmp_path / "bad.safetensors"
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(ArtifactError) as err:
        E.Nano4MEmbedder(path, "x")
    assert "encoder.blocks.1.attn.qkv.weight" in str(err.value) and "to_logits.weight" in str(err.value)


# ------------------------------------------------------------------ raw audio and text


def test_raw_audio_without_encodec_says_what_is_needed(emb):
    if emb._encodec_path is not None:
        pytest.skip("EnCodec weights are present on this machine")
    with pytest.raises(ArtifactError) as err:
        emb.embed_audio([np.zeros(24_000, np.float32)])
    msg = str(err.value)
    assert "EnCodec" in msg and "AUGMEM_ENCODEC_DIR" in msg and "facebook/encodec_24khz" in msg


@pytest.fixture(scope="module")
def encodec_dir(tmp_path_factory) -> Path:
    from transformers import EncodecConfig, EncodecModel

    torch.manual_seed(0)  # a narrow random EnCodec 24 kHz (same API, frame rate and codebooks; quick to build)
    cfg = EncodecConfig(num_filters=8, hidden_size=32, num_lstm_layers=1, codebook_dim=32)
    out = tmp_path_factory.mktemp("encodec")
    EncodecModel(cfg).save_pretrained(str(out))
    return out


def test_audio_is_tokenised_per_zero_padded_window(artifact, encodec_dir):
    """As the reference's tokenisation scripts: each 81,920-sample window, the last one
    zero-padded, encoded by EnCodec on its own at 1.5 kbps -> 2 x 256 codes -> 512 tokens."""
    from transformers import EncodecModel

    emb = E.Nano4MEmbedder(artifact, "x", encodec=encodec_dir)
    assert emb.modalities == {"audio"}
    t = np.arange(E.ENCODEC_SR * 4) / E.ENCODEC_SR  # 96,000 samples: one full window and 14,080 more
    clip = (0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
    tokens = emb.tokenize_audio([clip])[0]
    assert len(tokens) == 2 * E.WINDOW_TOKENS and tokens.min() >= 0 and tokens.max() < 2048
    assert (tokens[1::2] >= 1024).all() and (tokens[0::2] < 1024).all()
    ref = EncodecModel.from_pretrained(str(encodec_dir)).eval()
    windows = [clip[: E.WINDOW_SAMPLES], np.pad(clip[E.WINDOW_SAMPLES :], (0, 2 * E.WINDOW_SAMPLES - len(clip)))]
    for i, window in enumerate(windows):
        with torch.inference_mode():
            codes = ref.encode(torch.from_numpy(window)[None, None], bandwidth=1.5).audio_codes[0, 0].numpy()
        assert codes.shape == (2, 256)
        np.testing.assert_array_equal(tokens[i * 512 : (i + 1) * 512], E.interleave_codes(codes))
    short = emb.tokenize_audio([clip[:24_000]])[0]  # 1 s: one window, zero-padded to 3.41 s
    np.testing.assert_array_equal(short, emb.tokenize_audio([np.pad(clip[:24_000], (0, 57_920))])[0])
    assert len(short) == 512 and len(emb.tokenize_audio([np.zeros(0, np.float32)])[0]) == 512
    np.testing.assert_allclose(emb.embed_audio([clip]), emb.embed_audio_tokens([tokens]), atol=1e-6)


def test_audio_windows():
    w = E.audio_windows(np.arange(81_921, dtype=np.float32))
    assert w.shape == (2, 81_920) and w[1, 0] == 81_920 and not w[1, 1:].any()
    assert E.audio_windows(np.ones(81_920)).shape == (1, 81_920)


@pytest.fixture(scope="module")
def gpt2ish(tmp_path_factory) -> Path:
    """A small byte-level BPE tokenizer saved like GPT-2's (no special tokens of its own)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        ["a photo of a dog", "a photo of a cat", "dog barking"] * 5, vocab_size=300, show_progress=False
    )
    out = tmp_path_factory.mktemp("gpt2ish")
    PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer).save_pretrained(str(out))
    return out


def test_text_needs_a_gpt2_tokenizer(artifact, emb, gpt2ish):
    assert emb.modalities == set()  # no EnCodec, no tokenizer here: photos, clips and notes stay pending
    with pytest.raises(ArtifactError, match="GPT-2"):
        emb.embed_texts(["a photo of a dog"])
    with_text = E.Nano4MEmbedder(artifact, "x", text_tokenizer=gpt2ish)
    assert with_text.modalities == {"text"}
    z = with_text.embed_texts(["a photo of a dog", "dog barking"], query=True)
    assert z.shape == (2, 64)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)


def test_captions_are_built_as_the_dataset_builds_them(artifact, gpt2ish):
    """[SOS] text [EOS], [PAD] to 64 (nanofm SimpleMultimodalDataset), and all 64 tokens are
    encoder input: the pooled state of exactly that sequence."""
    from transformers import AutoTokenizer

    emb = E.Nano4MEmbedder(artifact, "x", text_tokenizer=gpt2ish)
    base = AutoTokenizer.from_pretrained(str(gpt2ish))
    n = len(base)  # GPT-2: 50,257, so [PAD], [SOS], [EOS] = 50257, 50258, 50259
    tok = emb.tokenizer
    assert (tok.pad_token, tok.bos_token, tok.eos_token) == ("[PAD]", "[SOS]", "[EOS]")
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id) == (n, n + 1, n + 2)
    text_ids = base("a photo of a dog", add_special_tokens=False)["input_ids"]
    ids = emb.caption_ids(["a photo of a dog", "dog " * 200])
    assert ids.shape == (2, E.CAPTION_TOKENS)
    want = [n + 1, *text_ids, n + 2] + [n] * (E.CAPTION_TOKENS - len(text_ids) - 2)
    assert ids[0].tolist() == want
    assert ids[1, 0] == n + 1 and ids[1, -1] == n + 2 and n not in ids[1]  # truncated, [EOS] kept
    assert emb.max_text_tokens == 62
    with torch.inference_mode():
        seq = torch.from_numpy(ids[:1])
        pooled = emb.model.pooled(seq, torch.full_like(seq, emb._text_id), torch.arange(64)[None]).numpy()
    np.testing.assert_allclose(emb.embed_texts(["a photo of a dog"]), pooled / np.linalg.norm(pooled), atol=1e-6)


# ------------------------------------------------------------------ the plugin


def test_spec_is_experimental_with_the_caveat():
    assert NANO4M_AUDIO.experimental and "4.5" in NANO4M_AUDIO.caveat and NANO4M_AUDIO.dim == 512


def test_entry_point_registers_the_model(artifact, monkeypatch):
    try:
        dist = md.distribution("augmem-nano4m")
    except md.PackageNotFoundError:
        pytest.skip("augmem-nano4m is not installed: pip install --no-deps -e plugins/augmem-nano4m")
    assert any(ep.name == "nano4m" and ep.value == "augmem_nano4m" for ep in dist.entry_points)
    from augmem.config import load_settings
    from augmem.models.registry import ModelRegistry
    from augmem.plugins import load_plugins

    monkeypatch.setenv("AUGMEM_LOAD_PLUGINS", "nano4m")
    settings = load_settings()
    pm = load_plugins(settings.paths.config_dir)
    assert "nano4m" in [name for name, _ in pm.report.loaded]
    registry = ModelRegistry.from_plugins(pm)
    spec = registry.get("nano4m")
    assert spec.name == "nano4m-audio" and spec.experimental
    settings.artifacts["nano4m-audio"] = str(artifact)
    loaded = registry.load("nano4m", settings, device="cpu")
    assert isinstance(loaded, E.Nano4MEmbedder)
