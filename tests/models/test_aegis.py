"""aegis-embed: parity by counting, the sentence-transformers folder (checked against the
sentence-transformers library itself), the 2D Matryoshka layer tiers, and bad folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from augmem.errors import ArtifactError
from augmem.models import aegis
from augmem.models.artifacts import sha256_file, sha256_tree

TEXTS = [
    "find tool descriptions related to browser automation",
    "the dog barked at the park",
    "retrieve notes about deployment failures in staging",
    "rappel: acheter du lait",
]


def test_published_size_is_the_cards_307m():
    from transformers import ModernBertModel

    with torch.device("meta"):
        model = ModernBertModel(aegis.modernbert_config())
    sd = model.state_dict()
    assert len(sd) == aegis.TENSORS == 134
    assert sum(v.numel() for v in sd.values()) == aegis.COUNT == 306_939_648
    assert round(aegis.COUNT / 1e6) == 307
    assert sd["embeddings.tok_embeddings.weight"].shape == (256_000, 768)
    assert len(model.layers) == 22 and model.config.max_position_embeddings == 32_768
    assert model.config.rope_parameters["full_attention"]["rope_type"] == "yarn"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("aegis") / "aegis-embed"
    aegis.synth(out, small=True, seed=1)
    return out


@pytest.fixture(scope="module")
def full_depth(folder) -> aegis.AegisEmbedder:
    return aegis.AegisEmbedder(folder, sha256_tree(folder))


def test_synth_writes_a_sentence_transformers_folder(folder):
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
    ):
        assert (folder / name).exists(), name
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling"]
    assert json.loads((folder / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"] is True


def test_matches_sentence_transformers(folder, full_depth):
    """The same folder through sentence-transformers gives the same vectors."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    ref = st.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(full_depth.embed_texts(TEXTS), ref, atol=1e-5)


def test_fast_build_recomputes_the_non_persistent_buffers():
    from transformers import ModernBertModel

    cfg = aegis.modernbert_config(aegis.SMALL_OVERRIDES)
    ref = dict(ModernBertModel(cfg).named_buffers())
    empty = aegis.build_empty(cfg)
    stored = set(empty.state_dict())
    computed = {n: b for n, b in empty.named_buffers() if n not in stored}
    assert len(computed) == 4  # rotary inv_freq (+ original) for global and local layers
    for name, buf in computed.items():
        assert buf.device.type == "cpu" and torch.equal(buf, ref[name]), name


def test_runtime_contract(full_depth, folder):
    z = full_depth.embed_texts(TEXTS)
    assert z.shape == (4, 128) and z.dtype == np.float32  # the reduced folder is 128-d
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    assert full_depth.modalities == {"text"}
    assert full_depth.tiers == (128, 64) and full_depth.storage_tiers == (128, 64)
    assert full_depth.space == f"aegis-embed:{sha256_tree(folder)}"
    alone = full_depth.embed_texts(TEXTS[1:2])
    np.testing.assert_allclose(alone[0], z[1], atol=1e-5)  # padding in a batch changes nothing
    with pytest.raises(Exception, match="does not embed image"):
        full_depth.embed_images([])


@pytest.mark.parametrize("layers", [11, 6, 3])
def test_layer_tiers_run_only_the_first_layers(folder, full_depth, layers):
    fast = aegis.AegisEmbedder(folder, "s" * 64, layers=layers)
    assert len(fast.model.layers) == layers
    assert isinstance(fast.model.final_norm, torch.nn.Identity)
    assert fast.space == f"aegis-embed@{layers}L:" + "s" * 64
    # the reference: hidden_states[k] of the full model (what Matryoshka2dLoss trains), mean-pooled
    enc = full_depth.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = full_depth.model(**enc, output_hidden_states=True)
    hidden = out.hidden_states[layers]
    m = enc["attention_mask"].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=-1).numpy()
    np.testing.assert_allclose(fast.embed_texts(TEXTS), ref, atol=1e-5)


@pytest.mark.parametrize("layers", [22, 11, 6, 3])
def test_layer_tiers_equal_sentence_transformers_hidden_states(folder, layers):
    """The oracle for the 2D Matryoshka layer axis: sentence-transformers' own modules run
    the folder with output_hidden_states (as its AdaptiveLayerLoss does), the token
    embeddings of hidden state k go through its own Pooling module, then are normalised."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    transformer, pooling = st[0], st[1]
    transformer.auto_model.config.output_hidden_states = True
    with torch.inference_mode():
        features = transformer(st.tokenize(TEXTS))
        hidden = features["all_layer_embeddings"]
        assert len(hidden) == 23  # the embeddings, then each of the 22 layers
        if layers == 22:  # full depth: the last hidden state after the final norm, i.e. encode()
            tokens = features["token_embeddings"]
        else:  # layer k as AdaptiveLayerLoss trains it: hidden_states[k], before the final norm
            tokens = hidden[layers]
        pooled = pooling({**features, "token_embeddings": tokens})["sentence_embedding"]
    ref = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    if layers == 22:
        np.testing.assert_allclose(ref, st.encode(TEXTS, normalize_embeddings=True), atol=1e-5)
    emb = aegis.AegisEmbedder(folder, "s" * 64, layers=layers)
    np.testing.assert_allclose(emb.embed_texts(TEXTS), ref, atol=1e-5)


def test_layers_from_the_environment(folder, monkeypatch):
    monkeypatch.setenv("AUGMEM_AEGIS_LAYERS", "3")
    assert aegis.load(folder, "x").layers == 3
    monkeypatch.setenv("AUGMEM_AEGIS_LAYERS", "40")
    with pytest.raises(ArtifactError, match="cannot run 40"):
        aegis.load(folder, "x")


def test_layers_option_gives_its_own_space_and_loads_once(folder, augmem_home):
    from augmem.config import load_settings
    from augmem.core import Augmem
    from tests.conftest import write_config

    def core_with(**options) -> Augmem:
        write_config(
            augmem_home,
            model="aegis-embed",
            artifacts={"aegis-embed": str(folder)},
            model_options={"aegis-embed": options},
        )
        return Augmem(load_settings())

    full = core_with()
    assert full.active_space() == f"aegis-embed:{sha256_tree(folder)}"
    fast = core_with(layers=3)
    assert fast.active_space() == f"aegis-embed@3L:{sha256_tree(folder)}"
    emb = fast.embedder()
    assert emb.layers == 3 and emb.space == fast.active_space()
    assert fast.embedder() is emb  # the space matches, so the model is not built again
    with pytest.raises(ArtifactError, match="cannot run 40"):
        core_with(layers=40).active_space()
    # a hand-written config may quote the number; the artifact may name the weights file
    write_config(
        augmem_home,
        model="aegis-embed",
        artifacts={"aegis-embed": str(folder / "model.safetensors")},
        model_options={"aegis-embed": {"layers": "6"}},
    )
    by_file = Augmem(load_settings())
    assert by_file.active_space() == f"aegis-embed@6L:{sha256_file(folder / 'model.safetensors')}"
    assert by_file.embedder().space == by_file.active_space()


def test_a_file_rewritten_inside_the_folder_changes_the_space(folder, augmem_home, tmp_path):
    import shutil

    from augmem.config import load_settings
    from augmem.core import Augmem
    from tests.conftest import write_config

    copy = tmp_path / "aegis-copy"
    shutil.copytree(folder, copy)
    write_config(augmem_home, model="aegis-embed", artifacts={"aegis-embed": str(copy)})
    core = Augmem(load_settings())
    before = core.active_space()
    with open(copy / "config_sentence_transformers.json", "a") as f:  # in place: the folder's own mtime stays
        f.write("\n")
    assert core.active_space() == f"aegis-embed:{sha256_tree(copy)}" != before


def test_registry_selects_it(folder):
    from augmem.config import load_settings
    from augmem.models.registry import ModelRegistry
    from augmem.plugins import load_plugins

    settings = load_settings()
    settings.artifacts["aegis-embed"] = str(folder)
    registry = ModelRegistry.from_plugins(load_plugins(settings.paths.config_dir))
    emb = registry.load("aegis", settings, device="cpu")
    assert isinstance(emb, aegis.AegisEmbedder)
    assert emb.artifact_sha256 == sha256_tree(folder)


def test_wrong_layout_names_the_keys(folder, tmp_path):
    from safetensors.torch import save_file

    from augmem.models.artifacts import load_safetensors

    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    tensors, meta = load_safetensors(folder / "model.safetensors")
    del tensors["layers.7.mlp.Wo.weight"]
    tensors["final_norm.weight"] = torch.ones(3)
    save_file(tensors, str(bad / "model.safetensors"), metadata=meta)
    for layers in (None, 6):  # the fast mode checks the whole file too
        with pytest.raises(ArtifactError) as err:
            aegis.AegisEmbedder(bad, "x", layers=layers)
        assert "layers.7.mlp.Wo.weight" in str(err.value) and "final_norm.weight" in str(err.value)


def test_unsupported_folders_say_why(folder, tmp_path):
    bad = tmp_path / "dense"
    shutil.copytree(folder, bad)
    modules = json.loads((bad / "modules.json").read_text())
    modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (bad / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ArtifactError, match="Dense"):
        aegis.AegisEmbedder(bad, "x")
    (bad / "modules.json").unlink()
    with pytest.raises(ArtifactError, match=r"modules.json is missing"):
        aegis.AegisEmbedder(bad, "x")
