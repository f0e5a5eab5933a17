"""ALM2Vec-FT adapter: the remote-code `encode` API through a small stand-in model folder.

The stand-in is a real transformers remote-code model (config.json with `auto_map`,
its own configuration and modeling modules, safetensors weights) that implements the
card's documented API: encode(text=, audio=, task=, instruction=, normalize=, device=).
It is loaded through AutoModel(trust_remote_code=True, local_files_only=True) exactly
as the real folder is; only the GPU requirement is switched off, explicitly, with
`require_cuda=False` (and tested on its own).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from augmem.errors import ArtifactError, AugmemError
from augmem.models import alm2vec

CONFIGURATION = """
from transformers import PretrainedConfig


class StandInConfig(PretrainedConfig):
    model_type = "alm2vec_standin"

    def __init__(self, hidden_size=48, vocab=2048, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.vocab = vocab
"""

MODELING = '''
import hashlib

import numpy as np
import soundfile as sf
import torch
from transformers import PreTrainedModel

from .configuration_standin import StandInConfig


class StandInModel(PreTrainedModel):
    """A tiny model with ALM2Vec's documented encode() API (hashed words, audio statistics)."""

    config_class = StandInConfig

    def __init__(self, config):
        super().__init__(config)
        self.text_emb = torch.nn.Embedding(config.vocab, config.hidden_size)
        self.audio_proj = torch.nn.Linear(6, config.hidden_size)
        self.post_init()

    def _init_weights(self, module):
        pass

    def _ids(self, text):
        words = text.lower().split() or ["<empty>"]
        return torch.tensor([int(hashlib.md5(w.encode()).hexdigest(), 16) % self.config.vocab for w in words])

    def encode(self, text=None, audio=None, task="query", instruction=None, normalize=True, device=None):
        if task not in ("query", "document"):
            raise ValueError(task)
        n = len(text) if text is not None else len(audio)
        dev = self.text_emb.weight.device
        out = torch.zeros(n, self.config.hidden_size, device=dev)
        prefix = f"{instruction or ''} {task}"
        if text is not None:
            for i, t in enumerate(text):
                out[i] += self.text_emb(self._ids(prefix + " " + t).to(dev)).mean(0)
        if audio is not None:
            for i, path in enumerate(audio):
                wav, sr = sf.read(path, dtype="float32")
                feats = [wav.mean(), wav.std(), np.abs(wav).max(), np.sqrt((wav ** 2).mean()), len(wav) / sr, sr / 1e5]
                out[i] += self.audio_proj(torch.tensor(np.array(feats, np.float32), device=dev))
                out[i] += self.text_emb(self._ids(prefix).to(dev)).mean(0) * 0.1
        if normalize:
            out = torch.nn.functional.normalize(out, dim=-1)
        return out
'''


def make_standin(folder: Path, hidden: int = 48) -> Path:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "configuration_standin.py").write_text(CONFIGURATION)
    (folder / "modeling_standin.py").write_text(MODELING)
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "alm2vec_standin",
                "architectures": ["StandInModel"],
                "auto_map": {
                    "AutoConfig": "configuration_standin.StandInConfig",
                    "AutoModel": "modeling_standin.StandInModel",
                },
                "hidden_size": hidden,
                "vocab": 2048,
            }
        )
    )
    g = torch.Generator().manual_seed(0)
    save_file(
        {
            "text_emb.weight": torch.randn(2048, hidden, generator=g),
            "audio_proj.weight": torch.randn(hidden, 6, generator=g),
            "audio_proj.bias": torch.zeros(hidden),
        },
        str(folder / "model.safetensors"),
        metadata={"format": "pt"},
    )
    return folder


@pytest.fixture(scope="module")
def modules_cache(tmp_path_factory):
    """transformers copies remote code into its modules cache: keep that inside tmp."""
    import transformers.dynamic_module_utils as dmu

    mp = pytest.MonkeyPatch()
    mp.setattr(dmu, "HF_MODULES_CACHE", str(tmp_path_factory.mktemp("hf_modules")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def standin(tmp_path_factory, modules_cache) -> Path:
    return make_standin(tmp_path_factory.mktemp("alm") / "alm2vec_standin")


@pytest.fixture(scope="module")
def embedder(standin) -> alm2vec.ALM2VecEmbedder:
    return alm2vec.ALM2VecEmbedder(standin, "0" * 64, device="cpu", require_cuda=False)


def test_loads_remote_code_and_reads_dim(embedder):
    assert embedder.dim == 48 and embedder.tiers == (48,) and embedder.storage_tiers == (48,)
    assert embedder.instruction_aware is True
    assert embedder.modalities == {"text", "audio"}
    assert embedder.space == "alm2vec-ft:" + "0" * 64


def test_texts_are_normalised_and_deterministic(embedder):
    texts = ["a dog barking at the park", "rain on the window", "meeting on thursday"] * 4  # > batch size
    a = embedder.embed_texts(texts)
    b = embedder.embed_texts(texts)
    assert a.shape == (12, 48) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, b)
    assert embedder.embed_texts([]).shape == (0, 48)


def test_query_task_and_instruction_pass_through(embedder):
    doc = embedder.embed_texts(["what is the speaker's gender"])
    q = embedder.embed_texts(["what is the speaker's gender"], query=True)
    q2 = embedder.embed_texts(
        ["what is the speaker's gender"], query=True, instruction="Focus on the background music."
    )
    assert not np.allclose(doc, q)  # task reaches the model
    assert not np.allclose(q, q2)  # so does the instruction
    q3 = embedder.embed_texts(
        ["what is the speaker's gender"], query=True, instruction="Focus on the background music."
    )
    np.testing.assert_array_equal(q2, q3)


def test_audio_goes_through_wav_files(embedder):
    sr = embedder.audio_sample_rate
    t = np.arange(sr) / sr
    clips = [
        0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32),
        np.zeros(sr // 2, np.float32),
        np.random.default_rng(0).uniform(-0.3, 0.3, sr * 2).astype(np.float32),
    ]
    z = embedder.embed_audio(clips)
    assert z.shape == (3, 48)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(z[0], z[2])
    assert embedder.embed_audio([]).shape == (0, 48)


def test_gpu_is_required_by_default(standin):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; see test_gpu_path_runs_on_cuda")
    with pytest.raises(AugmemError) as err:
        alm2vec.ALM2VecEmbedder(standin, "0" * 64, device="cpu")
    msg = str(err.value)
    assert "GPU" in msg and "CUDA" in msg and "hint:" in msg


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_path_runs_on_cuda(standin):
    emb = alm2vec.ALM2VecEmbedder(standin, "0" * 64, device="cuda")
    z = emb.embed_texts(["dog barking"], query=True, instruction="Find sounds.")
    assert z.shape == (1, 48)
    with pytest.raises(AugmemError, match="configured device is 'cpu'"):
        alm2vec.ALM2VecEmbedder(standin, "0" * 64, device="cpu")
    with pytest.raises(AugmemError, match="GPU memory"):
        alm2vec.check_gpu("cuda", 10**15)
    emb.close()


def test_missing_folder_says_how_to_get_it(tmp_path):
    with pytest.raises(ArtifactError) as err:
        alm2vec.ALM2VecEmbedder(tmp_path / "nope", "x", device="cpu", require_cuda=False)
    assert "hf download cara-ai/ALM2Vec-FT" in str(err.value)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text("{}")
    with pytest.raises(ArtifactError, match="holds no weights"):
        alm2vec.ALM2VecEmbedder(tmp_path / "empty", "x", device="cpu", require_cuda=False)


def test_a_model_without_encode_is_rejected(tmp_path, modules_cache):
    folder = make_standin(tmp_path / "no_encode")
    text = (folder / "modeling_standin.py").read_text().replace("def encode(", "def not_encode(")
    (folder / "modeling_standin.py").write_text(text)
    with pytest.raises(ArtifactError, match="no encode"):
        alm2vec.ALM2VecEmbedder(folder, "x", device="cpu", require_cuda=False)


def test_a_model_whose_encode_fails_is_rejected(tmp_path, modules_cache):
    folder = make_standin(tmp_path / "bad_encode")
    text = (
        (folder / "modeling_standin.py")
        .read_text()
        .replace(
            '        if task not in ("query", "document"):',
            '        raise RuntimeError("CUDA kernel missing")\n        if task not in ("query", "document"):',
        )
    )
    (folder / "modeling_standin.py").write_text(text)
    with pytest.raises(ArtifactError, match=r"fails on a one-word probe.*CUDA kernel missing"):
        alm2vec.ALM2VecEmbedder(folder, "x", device="cpu", require_cuda=False)
