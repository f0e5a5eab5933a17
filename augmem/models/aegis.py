"""aegis-embed: a multilingual long-context text model, 768-d, tiers 768…64, with the
2D Matryoshka fast mode (run only the first 22 / 11 / 6 / 3 layers).

The artifact is a sentence-transformers folder (modules.json, config.json,
model.safetensors, tokenizer files, sentence_bert_config.json, 1_Pooling/config.json,
config_sentence_transformers.json). We read it without sentence-transformers: the
transformers ModernBertModel built from config.json and loaded strictly, the
Pooling module's mode from 1_Pooling/config.json (mean for aegis), then L2
normalisation (the card's similarity is cosine). Its identity is
`augmem.models.artifacts.sha256_tree` of the folder.

Parity (tests/models/test_aegis.py, counted on the meta device): the published
encoder is mmBERT-base with YaRN (22 layers, hidden 768, 12 heads, GLU MLP 1152,
vocab 256,000, no biases, global attention every 3rd layer, 128-token local window):
token embeddings 196,608,000 + embedding norm 768 + 22 layers x 5,014,272 (attention
Wqkv 768x2304 + Wo 768x768, MLP Wi 768x2304 + Wo 1152x768, MLP norm 768) + 21
attention norms x 768 (layer 0 has none) + final norm 768 = 306,939,648 elements in
134 tensors: the card's "307M". The exact config.json of the release is not public
here; PUBLISHED_CONFIG is mmBERT-base's with the 32k YaRN extension the card names.

2D Matryoshka, layer axis: with `layers=k` (< 22) the model is built with only its
first k layers, the file's later layers are checked and skipped, and the final norm
is not applied: sentence-transformers' AdaptiveLayerLoss (the card's
Matryoshka2dLoss) trains layer k's output as `hidden_states[k]`, which is before the
final norm. Vectors from k layers are not comparable with full-depth ones, so the
embedding space carries the depth: `aegis-embed@6L:<sha256>` (full depth keeps
`aegis-embed:<sha256>`). Choose k with the `layers=` argument or $AUGMEM_AEGIS_LAYERS.

Text only: photos and clips stay pending under this model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from augmem.errors import ArtifactError
from augmem.models.base import Embedder

NAME = "aegis-embed"
DIM = 768
TIERS = (768, 512, 256, 128, 64)
STORAGE_TIERS = (768, 256, 64)
LAYER_TIERS = (22, 11, 6, 3)
COUNT = 306_939_648
TENSORS = 134
DEFAULT_MAX_TOKENS = 8192
"""Longest chunk we embed by default on one machine (the model takes 32,768; attention
memory grows with the square of the length, so notes are chunked at 8k instead)."""

PUBLISHED_CONFIG = {
    "architectures": ["ModernBertModel"],
    "model_type": "modernbert",
    "vocab_size": 256_000,
    "hidden_size": 768,
    "intermediate_size": 1152,
    "num_hidden_layers": 22,
    "num_attention_heads": 12,
    "max_position_embeddings": 32_768,
    "global_attn_every_n_layers": 3,
    "local_attention": 128,
    "global_rope_theta": 160_000.0,
    "local_rope_theta": 160_000.0,
    "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 8192},
    "hidden_activation": "gelu",
    "norm_eps": 1e-5,
    "norm_bias": False,
    "attention_bias": False,
    "mlp_bias": False,
    "pad_token_id": 0,
    "eos_token_id": 1,
    "bos_token_id": 2,
    "cls_token_id": 2,
    "sep_token_id": 1,
}
SMALL_OVERRIDES = {
    "vocab_size": 512,
    "hidden_size": 128,
    "intermediate_size": 96,
    "num_attention_heads": 2,
    "max_position_embeddings": 2048,
    "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 512},
}
"""Reduced widths for tests; keeps all 22 layers so every layer tier can be exercised. Its
vectors are 128-d (the hidden size; tiers 128, 64): the embedder reads its dim from config.json."""

_SUPPORTED_POOLING = ("mean", "cls", "max")


def modernbert_config(overrides: dict | None = None):
    from transformers import ModernBertConfig

    return ModernBertConfig(**{**PUBLISHED_CONFIG, **(overrides or {})})


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(
            f"{path.parent}: not a sentence-transformers folder ({path.name} is missing)",
            hint="aegis-embed's artifact is the whole model folder, not one file",
        ) from exc
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: unreadable {what} ({exc})") from exc


def read_st_folder(folder: Path) -> dict:
    """What augmem needs from a sentence-transformers folder: pooling mode, max length,
    prompts; raises ArtifactError for a module we do not implement."""
    modules = _read_json(folder / "modules.json", "module list")
    pooling = None
    transformer = False
    for m in sorted(modules, key=lambda m: int(m.get("idx", 0))):
        kind = str(m.get("type", "")).rsplit(".", 1)[-1]
        if kind == "Transformer":
            if m.get("path", "") not in ("", "."):
                raise ArtifactError(
                    f"{folder}: the Transformer module lives in {m['path']!r}; augmem expects it at the folder root"
                )
            transformer = True
        elif kind == "Pooling":
            cfg = _read_json(folder / m.get("path", "1_Pooling") / "config.json", "pooling config")
            modes = [
                mode
                for mode in _SUPPORTED_POOLING
                if cfg.get(f"pooling_mode_{mode}_tokens" if mode != "cls" else "pooling_mode_cls_token")
            ]
            others = [
                k
                for k, v in cfg.items()
                if k.startswith("pooling_mode_")
                and v
                and k not in ("pooling_mode_mean_tokens", "pooling_mode_cls_token", "pooling_mode_max_tokens")
            ]
            if len(modes) != 1 or others:
                raise ArtifactError(
                    f"{folder}: pooling {sorted(k for k, v in cfg.items() if v is True)} is not "
                    f"supported (one of: {', '.join(_SUPPORTED_POOLING)})"
                )
            pooling = modes[0]
        elif kind == "Normalize":
            pass  # we always normalise
        else:
            raise ArtifactError(
                f"{folder}: sentence-transformers module {m.get('type')!r} is not supported by augmem",
                hint="supported: Transformer, Pooling (mean/cls/max), Normalize",
            )
    if not transformer or pooling is None:
        raise ArtifactError(f"{folder}: modules.json lacks a Transformer or a Pooling module")
    st_cfg = {}
    if (folder / "sentence_bert_config.json").exists():
        st_cfg = _read_json(folder / "sentence_bert_config.json", "sentence-bert config")
    prompts: dict = {}
    if (folder / "config_sentence_transformers.json").exists():
        prompts = (
            _read_json(folder / "config_sentence_transformers.json", "sentence-transformers config").get("prompts")
            or {}
        )
    return {"pooling": pooling, "max_seq_length": st_cfg.get("max_seq_length"), "prompts": prompts}


def _pool(hidden, mask, mode: str):
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "max":
        return hidden.masked_fill(m == 0, torch.finfo(hidden.dtype).min).amax(1)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def _weights(folder: Path) -> dict:
    from augmem.models.artifacts import load_safetensors

    path = folder / "model.safetensors"
    if not path.exists():
        raise ArtifactError(
            f"{folder}: model.safetensors is missing",
            hint="augmem reads safetensors only; convert pytorch_model.bin with `safetensors` first",
        )
    tensors, _ = load_safetensors(path)
    # a folder saved from ModernBertForMaskedLM carries `model.` in front of the encoder
    if tensors and all(k.startswith("model.") for k in tensors):
        tensors = {k[len("model.") :]: v for k, v in tensors.items()}
    return tensors


def build_empty(cfg):
    """ModernBertModel with uninitialised weights, for a strict load to fill: built on the meta
    device (no init cost for 307M elements), moved to real memory, and its only
    non-persistent buffers (the rotary frequencies) computed again. A test checks they equal
    a normally built model's."""
    import torch
    from transformers import ModernBertModel
    from transformers.models.modernbert.modeling_modernbert import ModernBertRotaryEmbedding

    with torch.device("meta"):
        model = ModernBertModel(cfg)
    model.to_empty(device="cpu")
    model.rotary_emb = ModernBertRotaryEmbedding(config=cfg)
    return model


class _LayoutOnly:
    """Stands in for a module in `load_strict` to check a file against a layout (the meta
    device's state dict) without loading anything."""

    def __init__(self, state: dict):
        self._state = state

    def state_dict(self) -> dict:
        return self._state

    def load_state_dict(self, *_args, **_kwargs) -> None:
        return None


def resolve_layers(layers: int | None, full: int) -> int:
    if layers is None:
        env = os.environ.get("AUGMEM_AEGIS_LAYERS", "").strip()
        if env:
            try:
                layers = int(env)
            except ValueError as exc:
                raise ArtifactError(
                    f"AUGMEM_AEGIS_LAYERS={env!r} is not a number",
                    hint=f"use one of {', '.join(map(str, LAYER_TIERS))}",
                ) from exc
    layers = full if layers is None else int(layers)
    if not 1 <= layers <= full:
        raise ArtifactError(
            f"aegis-embed has {full} layers; cannot run {layers}",
            hint=f"use one of {', '.join(str(k) for k in LAYER_TIERS if k <= full)}: "
            f"`augmem models use aegis-embed --opt layers=K` (or unset $AUGMEM_AEGIS_LAYERS)",
        )
    return layers


class AegisEmbedder(Embedder):
    """aegis-embed from its sentence-transformers folder; `layers=k` runs the first k layers."""

    name = NAME
    modalities = frozenset({"text"})
    dim = DIM
    tiers = TIERS
    storage_tiers = STORAGE_TIERS

    def __init__(
        self,
        folder: Path,
        sha256: str,
        device: str = "cpu",
        *,
        layers: int | None = None,
        max_tokens: int | None = None,
        batch_size: int = 16,
    ):
        super().__init__(sha256)
        import torch
        from transformers import AutoTokenizer, ModernBertConfig, ModernBertModel

        from augmem.models.artifacts import load_strict

        folder = Path(folder)
        if folder.is_file():
            folder = folder.parent
        st = read_st_folder(folder)
        self.pooling = st["pooling"]
        self.prompts = st["prompts"]
        try:
            cfg = ModernBertConfig.from_pretrained(str(folder), local_files_only=True)
        except Exception as exc:
            raise ArtifactError(f"{folder}/config.json: not a ModernBERT config ({type(exc).__name__}: {exc})") from exc
        cfg._attn_implementation = "sdpa"
        self.full_layers = cfg.num_hidden_layers
        self.layers = resolve_layers(layers, self.full_layers)
        tensors = _weights(folder)
        source = str(folder / "model.safetensors")
        if self.layers < self.full_layers:
            # check the whole file's layout first (on the meta device: free), then keep the first k layers
            with torch.device("meta"):
                full = ModernBertModel(cfg)
            load_strict(_LayoutOnly(full.state_dict()), tensors, source)
            del full
            cfg.num_hidden_layers = self.layers
            cfg.layer_types = list(cfg.layer_types[: self.layers])
            keep = {f"layers.{i}." for i in range(self.layers)}
            tensors = {
                k: v for k, v in tensors.items() if not k.startswith("layers.") or any(k.startswith(p) for p in keep)
            }
        self.model = build_empty(cfg)
        load_strict(self.model, tensors, source)
        del tensors
        if self.layers < self.full_layers:
            self.model.final_norm = torch.nn.Identity()  # hidden_states[k] is taken before the final norm
        self.model.eval().to(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        except Exception as exc:
            raise ArtifactError(f"{folder}: the tokenizer files do not load ({type(exc).__name__}: {exc})") from exc
        self.dim = int(cfg.hidden_size)  # 768 for the release; a reduced test folder is smaller
        self.tiers = (
            tuple(t for t in TIERS if t < self.dim) if self.dim not in TIERS else TIERS[TIERS.index(self.dim) :]
        )
        if self.dim not in self.tiers:
            self.tiers = (self.dim, *self.tiers)
        self.storage_tiers = tuple(t for t in STORAGE_TIERS if t < self.dim) if self.dim != DIM else STORAGE_TIERS
        if self.dim not in self.storage_tiers:
            self.storage_tiers = (self.dim, *self.storage_tiers)
        limit = st["max_seq_length"] or cfg.max_position_embeddings
        self.max_text_tokens = int(min(limit, max_tokens or DEFAULT_MAX_TOKENS, cfg.max_position_embeddings))
        self.device = device
        self.batch_size = batch_size
        self._torch = torch

    @property
    def space(self) -> str:
        depth = "" if self.layers == self.full_layers else f"@{self.layers}L"
        return f"{self.name}{depth}:{self.artifact_sha256}"

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        torch = self._torch
        prompt = self.prompts.get("query" if query else "document", "") or ""
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = [prompt + t for t in texts[i : i + self.batch_size]]
                enc = self.tokenizer(
                    batch, padding=True, truncation=True, max_length=self.max_text_tokens, return_tensors="pt"
                ).to(self.device)
                hidden = self.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
                pooled = _pool(hidden, enc["attention_mask"], self.pooling)
                out.append(torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


def load(folder: Path, sha256: str, device: str = "cpu", *, layers: int | str | None = None) -> AegisEmbedder:
    return AegisEmbedder(folder, sha256, device, layers=_as_int(layers))


def _as_int(layers: int | str | None) -> int | None:
    if layers is None or isinstance(layers, int):
        return layers
    try:
        return int(layers)
    except ValueError as exc:
        raise ArtifactError(
            f"aegis-embed option layers={layers!r} is not a number",
            hint=f"use one of {', '.join(map(str, LAYER_TIERS))}",
        ) from exc


def space_variant(folder: Path, layers: int | str | None = None) -> str:
    """The space-name suffix for running `layers` of the folder's layers ("" at full depth),
    read from its config.json without loading the model."""
    import json

    folder = Path(folder)
    if folder.is_file():  # pointed at the weights file: the folder is around it (as the embedder does)
        folder = folder.parent
    try:
        full = int(json.loads((folder / "config.json").read_text())["num_hidden_layers"])
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(
            f"{folder}: no readable config.json with num_hidden_layers ({exc})",
            hint="an aegis-embed folder is a sentence-transformers model folder",
        ) from exc
    k = resolve_layers(_as_int(layers), full)
    return "" if k == full else f"@{k}L"


# --------------------------------------------------------------------------- synth

_TOY_CORPUS = (
    "find tool descriptions related to browser automation",
    "retrieve notes about deployment failures in staging",
    "the dog barked at the park while children played",
    "a red apple on the kitchen table next to the window",
    "meeting moved to thursday afternoon with the budget team",
    "rappel: acheter du lait et des oeufs, appeler le dentiste",
    "long notes merged memory summaries and execution traces",
)


def write_toy_tokenizer(folder: Path, vocab_size: int) -> None:
    """A small word-piece tokenizer with mmBERT's special ids (pad 0, eos 1, bos 2) plus unk
    and mask; for synthetic folders and tests, not the real 256k vocabulary."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="<unk>"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, show_progress=False, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    )
    tok.train_from_iterator(list(_TOY_CORPUS) * 4, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", 2), ("<eos>", 1)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        cls_token="<bos>",
        sep_token="<eos>",
        model_max_length=PUBLISHED_CONFIG["max_position_embeddings"],
    )
    fast.save_pretrained(str(folder))


def synth(out: Path, *, small: bool = False, seed: int = 0) -> dict:
    """Write a random-initialised aegis-embed sentence-transformers folder to `out`.

    `small=True` (what the tests use): hidden 32, 2 heads, vocab 512, all 22 layers; the
    default is the published size (307M elements, ~1.2 GB in float32).
    """
    import shutil

    import torch
    from safetensors.torch import save_file
    from transformers import ModernBertModel

    out = Path(out)
    overrides = dict(SMALL_OVERRIDES) if small else {}
    cfg = modernbert_config(overrides)
    torch.manual_seed(seed)
    model = ModernBertModel(cfg).eval()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "1_Pooling").mkdir(parents=True)
    config = {**PUBLISHED_CONFIG, **overrides}
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    count = sum(v.numel() for v in state.values())
    save_file(
        state,
        str(tmp / "model.safetensors"),
        metadata={
            "format": "pt",
            "artifact": "synthetic: random init by `augmem models synth` (not the released weights)",
            "seed": str(seed),
            "parameter_count": str(count),
        },
    )
    write_toy_tokenizer(tmp, cfg.vocab_size)
    (tmp / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ],
            indent=2,
        )
    )
    (tmp / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": cfg.max_position_embeddings, "do_lower_case": False}, indent=2)
    )
    (tmp / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {
                "word_embedding_dimension": cfg.hidden_size,
                "pooling_mode_cls_token": False,
                "pooling_mode_mean_tokens": True,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
                "pooling_mode_weightedmean_tokens": False,
                "pooling_mode_lasttoken": False,
                "include_prompt": True,
            },
            indent=2,
        )
    )
    (tmp / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "model_type": "SentenceTransformer",
                "prompts": {"query": "", "document": ""},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
            indent=2,
        )
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return {"parameter_count": count, "small": small, "seed": seed}
