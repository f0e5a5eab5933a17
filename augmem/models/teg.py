"""TEG-421M (Trimodal Embeddings Gemma): text + image + audio -> 768-d, tiers 768…128.

Built from its parts, as the card describes:

    text   embeddinggemma-300M: Gemma3 text encoder, bidirectional attention,
           mean pooling, Dense 768->3072, Dense 3072->768 (no bias, no activation)
    image  timm mobilenetv4_conv_medium (num_classes=0, 1280-d) -> head 1280->4096->768
    audio  EfficientAT mn20_as, 1920-d pooled features          -> head 1920->4096->768
    z = l2norm(...); tier k = l2norm(z[:k]), k in 768, 512, 256, 128

State-dict elements per prefix (tests/models/test_teg.py counts them on the meta device):

    prefix              tensors     elements   card                  stored as
    gemma.*                 316  307,581,696   316, 307.6M, 586.7 MB  bf16 (586.7 MiB)
    image_encoder.*         462    8,502,493   462, 8.5M,   32.4 MB   fp32 (32.4 MiB)
    audio_encoder.*         312   17,958,133   312, 18.0M,  68.5 MB   fp32 (68.5 MiB)
    image_projection.*       14   41,980,672   14,  42.0M, 160.1 MB   fp32 (160.1 MiB)
    audio_projection.*       14   44,602,112   14,  44.6M, 170.1 MB   fp32 (170.1 MiB)
    total                 1,118  420,625,106   420.6M, 1017.8 MB

gemma.* decomposition: token embeddings 262,144 x 768 = 201,326,592; per layer
q 768x768 + k 256x768 + v 256x768 + o 768x768 + q/k norms 2x256 + gate/up/down
3 x 768x1152 + four RMSNorms 4x768 = 4,230,656 (13 tensors), x 24 = 101,535,744;
final norm 768; Gemma total 302,863,104 in 314 tensors; Dense 768x3072 + 3072x768 =
4,718,592 in 2 tensors. The rotary inv_freq and the embedding scale are
non-persistent buffers in transformers, so the file does not carry them.

Every count matches the card; the card gives rounded figures (307.6M, 18.0M, 420.6M),
the head counts exactly (MODELS.md), and the sizes in MiB to 0.1. What the card does
NOT give are the key names below each prefix. Ours are assumptions, written down here:

* gemma.*: the state dict of the sentence-transformers model of embeddinggemma
  (`gemma.0.auto_model.<transformers Gemma3TextModel keys>`, `gemma.2.linear.weight`,
  `gemma.3.linear.weight`; modules 1 = Pooling and 4 = Normalize have no weights).
  That is what `{k.removeprefix("gemma.")}` in the card's loading snippet would feed
  back into a SentenceTransformer. sentence-transformers >= 6 names the transformer
  `model` instead of `auto_model`; both spellings load.
* image_encoder.*: timm's names; audio_encoder.*: EfficientAT's (augmem/models/efficientat.py).
* *_projection.*: augmem/models/heads.py's names (proj_in, norm_in, blocks.i.*, proj_out).

Image preprocessing is timm's eval transform for the encoder the artifact's metadata
names (`image_encoder_name`, a card metadata key), resolved through timm's pretrained
cfg: "mobilenetv4_conv_medium" (timm's default tag, e500_r256_in1k) gives 256 px, crop
0.95; "mobilenetv4_conv_medium.e180_r384_in12k" gives 384 px, crop 1.0. Only an artifact
that names no encoder falls back to 256 px / 0.95, bicubic, ImageNet mean/std (the values
augmem guessed before it read the metadata). Audio: 32 kHz mono through EfficientAT's
log-mel front end, clips shorter than 0.5 s zero-padded. Text: embeddinggemma's
retrieval prompts ("task: search result | query: " for queries, "title: none | text: "
for documents), at most 2048 tokens.

The text tokenizer (Gemma's 262k SentencePiece vocabulary) is not inside the artifact.
It is looked for, in order: the `tokenizer=` argument, $AUGMEM_TEG_TOKENIZER, a folder
`<artifact stem>.tokenizer/` or `tokenizer/` next to the artifact, a `tokenizer.json`
next to it, and google/embeddinggemma-300m in the Hugging Face cache. Without one,
TEG still embeds photos and clips, and text says exactly what is missing.

GGUF variant: the same tensors under the same names in a GGUF file; the storage policy
and the reader and writer are in augmem/models/teg_gguf.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from augmem.errors import ArtifactError
from augmem.models.base import Embedder, embed_by_length
from augmem.models.heads import DeepProjectionHead
from augmem.models.imaging import ImageConfig, image_config
from augmem.models.imaging import preprocess_image as _preprocess
from augmem.models.teg_gguf import _fit_scalars, read_gguf, write_gguf

NAME = "teg-421m"
DIM = 768
TIERS = (768, 512, 256, 128)
STORAGE_TIERS = (768, 256, 128)
QUERY_PROMPT = "task: search result | query: "
DOCUMENT_PROMPT = "title: none | text: "
MAX_TOKENS = 2048
IMAGE_SIZE = 256
IMAGE_CROP_PCT = 0.95
FALLBACK_IMAGE_CONFIG = ImageConfig(IMAGE_SIZE, IMAGE_CROP_PCT, source="default (the metadata names no encoder)")
AUDIO_SR = 32_000
MIN_AUDIO_SAMPLES = AUDIO_SR // 2
HF_TOKENIZER_REPO = "google/embeddinggemma-300m"

COUNTS = {  # prefix: (tensors, elements), as the card lists them
    "gemma": (316, 307_581_696),
    "image_encoder": (462, 8_502_493),
    "audio_encoder": (312, 17_958_133),
    "image_projection": (14, 41_980_672),
    "audio_projection": (14, 44_602_112),
}
TOTAL = 420_625_106
CARD_MIB = {
    "gemma": 586.7,
    "image_encoder": 32.4,
    "audio_encoder": 68.5,
    "image_projection": 160.1,
    "audio_projection": 170.1,
}


@dataclass(frozen=True)
class TEGConfig:
    """Sizes of the parts; the defaults are the published model. `small()` keeps every key
    name and the 768-d output but shrinks the Gemma widths, depth and vocabulary and the
    head width, so tests can round-trip a file in a second."""

    vocab_size: int = 262_144
    hidden_size: int = 768
    num_layers: int = 24
    num_heads: int = 3
    num_kv_heads: int = 1
    head_dim: int = 256
    intermediate_size: int = 1152
    max_positions: int = 2048
    sliding_window: int = 512
    dense_size: int = 3072
    head_width: int = 4096

    @classmethod
    def small(cls) -> TEGConfig:
        return cls(
            vocab_size=1024,
            hidden_size=64,
            num_layers=6,
            num_heads=2,
            num_kv_heads=1,
            head_dim=32,
            intermediate_size=128,
            dense_size=128,
            head_width=128,
        )

    @property
    def is_published(self) -> bool:
        return self == TEGConfig()

    @classmethod
    def from_json(cls, text: str, source: str) -> TEGConfig:
        try:
            data = json.loads(text)
            known = {f.name for f in fields(cls)}
            if not isinstance(data, dict) or set(data) - known:
                raise ValueError(f"unknown keys {sorted(set(data) - known)}")
            return cls(**{k: int(v) for k, v in data.items()})
        except (ValueError, TypeError) as exc:
            raise ArtifactError(f"{source}: bad teg_config metadata: {exc}") from exc

    def gemma_config(self):
        from transformers import Gemma3TextConfig

        return Gemma3TextConfig(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            num_key_value_heads=self.num_kv_heads,
            head_dim=self.head_dim,
            max_position_embeddings=self.max_positions,
            sliding_window=self.sliding_window,
            query_pre_attn_scalar=self.head_dim,
            rope_theta=1_000_000.0,
            rope_local_base_freq=10_000.0,
            use_bidirectional_attention=True,  # embeddinggemma: an encoder, not a causal LM
            hidden_activation="gelu_pytorch_tanh",
            rms_norm_eps=1e-6,
            attention_dropout=0.0,
            use_cache=False,
            pad_token_id=0,
            eos_token_id=1,
            bos_token_id=2,
        )


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class _STTransformer(nn.Module):
    """sentence-transformers module 0: holds the transformers model as `auto_model`."""

    def __init__(self, config) -> None:
        super().__init__()
        from transformers import Gemma3TextModel

        self.auto_model = Gemma3TextModel(config)


class _STDense(nn.Module):
    """sentence-transformers Dense without bias and with the identity activation."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class GemmaText(nn.Module):
    """embeddinggemma as sentence-transformers lays it out: 0 = Transformer, 1 = mean
    Pooling, 2 and 3 = Dense, 4 = Normalize (applied by the caller)."""

    def __init__(self, cfg: TEGConfig) -> None:
        super().__init__()
        self.add_module("0", _STTransformer(cfg.gemma_config()))
        self.add_module("2", _STDense(cfg.hidden_size, cfg.dense_size))
        self.add_module("3", _STDense(cfg.dense_size, DIM))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        backbone = getattr(self, "0").auto_model
        hidden = backbone(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        return getattr(self, "3")(getattr(self, "2")(mean_pool(hidden, attention_mask)))


class TEG421M(nn.Module):
    """The five components under the card's key prefixes."""

    def __init__(self, cfg: TEGConfig | None = None) -> None:
        super().__init__()
        import timm

        from augmem.models.efficientat import AudioTower

        cfg = cfg or TEGConfig()
        self.config = cfg
        self.gemma = GemmaText(cfg)
        self.image_encoder = timm.create_model("mobilenetv4_conv_medium", pretrained=False, num_classes=0)
        self.audio_encoder = AudioTower("features")
        self.image_projection = DeepProjectionHead(1280, cfg.head_width, DIM)
        self.audio_projection = DeepProjectionHead(1920, cfg.head_width, DIM)

    def embed_text(self, input_ids, attention_mask):
        return nn.functional.normalize(self.gemma(input_ids, attention_mask).float(), dim=-1)

    def embed_image(self, pixels):
        return nn.functional.normalize(self.image_projection(self.image_encoder(pixels)), dim=-1)

    def embed_audio(self, waveforms):
        return nn.functional.normalize(self.audio_projection(self.audio_encoder(waveforms)), dim=-1)


def build(cfg: TEGConfig | None = None, device: str | None = None) -> TEG421M:
    """The model, randomly initialised; `device="meta"` builds it without memory (counting)."""
    if device == "meta":
        with torch.device("meta"):
            return TEG421M(cfg)
    return TEG421M(cfg)


def build_empty(cfg: TEGConfig | None = None) -> TEG421M:
    """The model with uninitialised weights, to be filled by a strict load: built on the meta
    device (no init cost for 420M elements), moved to real memory, and its non-persistent
    buffers (rotary frequencies, embedding scale, log-mel constants: values computed in
    `__init__`, not stored in the file) computed again on the CPU. A test checks they equal
    those of a normally built model."""
    from transformers.models.gemma3.modeling_gemma3 import Gemma3RotaryEmbedding

    from augmem.models.efficientat import LogMel

    cfg = cfg or TEGConfig()
    with torch.device("meta"):
        model = TEG421M(cfg)
    model.to_empty(device="cpu")
    backbone = model.gemma._modules["0"].auto_model
    backbone.rotary_emb = Gemma3RotaryEmbedding(backbone.config)
    backbone.embed_tokens.embed_scale = torch.tensor(backbone.embed_tokens.scalar_embed_scale)
    model.audio_encoder.mel = LogMel()
    return model


def component_counts(model: nn.Module) -> dict[str, tuple[int, int]]:
    """{prefix: (tensors, elements)} of the state dict, parameters and buffers alike."""
    out: dict[str, list[int]] = {}
    for key, t in model.state_dict().items():
        c = out.setdefault(key.split(".", 1)[0], [0, 0])
        c[0] += 1
        c[1] += t.numel()
    return {k: (v[0], v[1]) for k, v in out.items()}


def export_state(model: TEG421M) -> dict[str, torch.Tensor]:
    """The artifact's tensors: gemma.* in bfloat16 (as published), the rest as built (fp32)."""
    state = {}
    for k, v in model.state_dict().items():
        if k.startswith("gemma.") and v.is_floating_point():
            v = v.to(torch.bfloat16)
        state[k] = v.contiguous()
    return state


def normalise_keys(tensors: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Accept sentence-transformers >= 6's `gemma.0.model.` for `gemma.0.auto_model.`."""
    old, new = "gemma.0.model.", "gemma.0.auto_model."
    return {(new + k[len(old) :] if k.startswith(old) else k): v for k, v in tensors.items()}


def read_artifact(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str], str]:
    """(tensors, metadata, "safetensors" | "gguf"), told apart by the file's magic bytes."""
    from augmem.models.artifacts import load_safetensors

    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot read the artifact ({exc.strerror})") from exc
    if magic == b"GGUF":
        tensors, meta = read_gguf(path)
        return normalise_keys(tensors), meta, "gguf"
    tensors, meta = load_safetensors(path)
    return normalise_keys(tensors), meta, "safetensors"


# --------------------------------------------------------------------------- tokenizer

_TOY_CORPUS = (
    "the dog barked at the park while children played",
    "a red apple on the kitchen table next to the window",
    "meeting moved to thursday afternoon with the budget team",
    "rain on the window and a guitar strum in the evening",
    "remember to buy milk and eggs and call the dentist",
    "snowy mountains at sunset over the sea, a beach with an umbrella",
    "search result query text title none task notes photos audio memory",
)


def write_toy_tokenizer(folder: Path, vocab_size: int = 1024) -> Path:
    """A small word-piece tokenizer with Gemma's special ids (pad 0, eos 1, bos 2, unk 3).
    For synthetic artifacts and tests only: it is not embeddinggemma's vocabulary."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="<unk>"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"], show_progress=False
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
        model_max_length=MAX_TOKENS,
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(folder))
    return folder


def tokenizer_candidates(artifact: Path) -> list[Path]:
    """Where a tokenizer folder for `artifact` may be, in the order they are tried."""
    artifact = Path(artifact)
    out = []
    env = os.environ.get("AUGMEM_TEG_TOKENIZER")
    if env:
        out.append(Path(env).expanduser())
    out += [artifact.parent / f"{artifact.stem}.tokenizer", artifact.parent / "tokenizer"]
    if (artifact.parent / "tokenizer.json").exists():
        out.append(artifact.parent)
    return out


def find_tokenizer(artifact: Path, explicit: str | Path | None = None) -> tuple[Path | None, list[str]]:
    """(folder or None, where it looked)."""
    looked: list[str] = []
    candidates = [Path(explicit).expanduser()] if explicit else tokenizer_candidates(artifact)
    for c in candidates:
        looked.append(str(c))
        if (c / "tokenizer.json").exists() or (c / "tokenizer.model").exists():
            return c, looked
    if explicit:
        return None, looked
    looked.append(f"hugging face cache: {HF_TOKENIZER_REPO}")
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(repo_id=HF_TOKENIZER_REPO, filename="tokenizer.json")
    except Exception:
        hit = None
    if isinstance(hit, str) and Path(hit).exists():
        return Path(hit).parent, looked
    return None, looked


# --------------------------------------------------------------------------- embedder


def image_config_from_metadata(metadata: Mapping[str, str], source: str) -> ImageConfig:
    """timm's data config for the metadata's `image_encoder_name`; the fallback only when it
    names none. A name timm does not know is an error, not a silent guess."""
    name = (metadata.get("image_encoder_name") or "").strip()
    if not name:
        return FALLBACK_IMAGE_CONFIG
    try:
        return image_config(name)
    except ValueError as exc:
        raise ArtifactError(
            f"{source}: image_encoder_name {name!r}: {exc}",
            hint="the image preprocessing comes from timm's pretrained cfg of that name; "
            "a newer timm may know it (pip install -U timm)",
        ) from exc


def preprocess_image(image: Image.Image, cfg: ImageConfig = FALLBACK_IMAGE_CONFIG) -> np.ndarray:
    """timm's eval transform for `cfg` (see augmem.models.imaging)."""
    return _preprocess(image, cfg)


class TEG421MEmbedder(Embedder):
    """TEG-421M from a safetensors or GGUF artifact; text needs a tokenizer folder (see above)."""

    name = NAME
    modalities = frozenset({"text", "image", "audio"})
    dim = DIM
    tiers = TIERS
    storage_tiers = STORAGE_TIERS
    max_text_tokens = MAX_TOKENS - 16  # room for the prompt and the special tokens
    audio_sample_rate = AUDIO_SR

    def __init__(
        self,
        artifact: Path,
        sha256: str,
        device: str = "cpu",
        *,
        tokenizer: str | Path | None = None,
        batch_size: int = 8,
    ):
        super().__init__(sha256)
        artifact = Path(artifact)
        tensors, self.metadata, self.format = read_artifact(artifact)
        cfg = TEGConfig()
        if "teg_config" in self.metadata:
            cfg = TEGConfig.from_json(self.metadata["teg_config"], str(artifact))
        self.config = cfg
        self.model = build_empty(cfg)
        from augmem.models.artifacts import load_strict

        _fit_scalars(tensors, self.model.state_dict())
        load_strict(self.model, tensors, str(artifact))
        del tensors
        self.model.eval().to(device)
        self.device = device
        self.batch_size = batch_size
        self.image_config = image_config_from_metadata(self.metadata, str(artifact))

        self.tokenizer = None
        folder, looked = find_tokenizer(artifact, tokenizer)
        self.tokenizer_looked = looked
        if folder is not None:
            from transformers import AutoTokenizer

            try:
                self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            except Exception as exc:
                raise ArtifactError(
                    f"{folder}: not a loadable tokenizer folder ({type(exc).__name__}: {exc})",
                    hint="point it at embeddinggemma-300m's tokenizer files: "
                    "`augmem models use teg-421m --opt tokenizer=FOLDER`",
                ) from exc
            self.tokenizer_path = folder
        else:
            # photos and clips still work; notes stay pending under this model until a tokenizer exists
            self.modalities = frozenset({"image", "audio"})

    def _need_tokenizer(self):
        if self.tokenizer is None:
            raise ArtifactError(
                "TEG-421M needs embeddinggemma-300m's tokenizer for text, and none was found "
                f"(looked in: {'; '.join(self.tokenizer_looked)})",
                hint=(
                    f"on a machine with internet: `hf download {HF_TOKENIZER_REPO} tokenizer.json "
                    "tokenizer_config.json special_tokens_map.json tokenizer.model --local-dir FOLDER` (a gated "
                    "repository: `hf auth login` first), then name FOLDER `tokenizer/` next to the artifact, "
                    "or `augmem models use teg-421m --opt tokenizer=FOLDER`"
                ),
            )
        return self.tokenizer

    def count_tokens(self, text: str) -> int:
        if self.tokenizer is None:
            return len(text.split())
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def _batches(self, items: Sequence, fn) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(items), self.batch_size):
                out.append(fn(items[i : i + self.batch_size]).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, DIM), np.float32)

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        tok = self._need_tokenizer()
        prompt = QUERY_PROMPT if query else DOCUMENT_PROMPT

        def run(batch):
            enc = tok(
                [prompt + t for t in batch], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            ).to(self.device)
            return self.model.embed_text(enc["input_ids"], enc["attention_mask"])

        return self._batches(list(texts), run)

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        def run(batch):
            x = np.stack([preprocess_image(im, self.image_config) for im in batch])
            return self.model.embed_image(torch.from_numpy(x).to(self.device))

        return self._batches(list(images), run)

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Each group of equal-length clips is batched on its own (see embed_by_length)."""

        def encode(batch):
            return self.model.embed_audio(torch.from_numpy(np.stack(batch)).to(self.device))

        return embed_by_length(clips, MIN_AUDIO_SAMPLES, DIM, lambda group: self._batches(group, encode))


def load(artifact: Path, sha256: str, device: str = "cpu", *, tokenizer: str | None = None) -> TEG421MEmbedder:
    return TEG421MEmbedder(artifact, sha256, device, tokenizer=tokenizer)


def synth(
    out: Path, *, small: bool = False, seed: int = 0, gguf_type: str | None = None, tokenizer: bool = True
) -> dict:
    """Write a random-initialised TEG-421M with the card's layout and metadata keys.

    `out` ending in `.gguf` (or `gguf_type` given: f32, f16, bf16, q8_0) writes the GGUF
    variant, else one safetensors file. `small=True` writes the reduced config (same key
    names, 768-d output; recorded in the `teg_config` metadata key so it loads back).
    `tokenizer=True` also writes a toy tokenizer folder `<stem>.tokenizer/` next to it
    (unless one is there), so the synthetic model embeds text offline.
    """
    out = Path(out)
    as_gguf = out.suffix == ".gguf" or gguf_type is not None
    cfg = TEGConfig.small() if small else TEGConfig()
    torch.manual_seed(seed)
    model = TEG421M(cfg).eval()
    counts = component_counts(model)
    metadata = {
        "format": "pt",
        "version": "synthetic",
        "model": "TEG-421M",
        "artifact": "synthetic: random init by `augmem models synth` (not the released weights)",
        "seed": str(seed),
        "text_model": "google/embeddinggemma-300m",
        "embed_dim": str(DIM),
        "image_encoder_name": "mobilenetv4_conv_medium",  # timm's default tag: 256 px, crop 0.95
        "image_encoder_dim": "1280",
        "audio_encoder_name": "mn20_as",
        "audio_encoder_dim": "1920",
        "audio_sample_rate": str(AUDIO_SR),
        "matryoshka_dims": json.dumps(list(TIERS)),
        "matryoshka_weights": json.dumps([1.0, 1.0, 2.0, 4.0]),
        "query_prompt": QUERY_PROMPT,
        "document_prompt": DOCUMENT_PROMPT,
        "total_parameters": str(sum(c[1] for c in counts.values())),
        "parameter_count": str(sum(c[1] for c in counts.values())),
        "components": json.dumps({k: v[1] for k, v in counts.items()}),
    }
    if not cfg.is_published:
        metadata["teg_config"] = json.dumps(asdict(cfg))
    state = export_state(model)
    del model
    out.parent.mkdir(parents=True, exist_ok=True)
    if as_gguf:
        write_gguf(state, metadata, out, gguf_type or "q8_0")
    else:
        from safetensors.torch import save_file

        tmp = out.with_suffix(out.suffix + ".tmp")
        save_file(state, str(tmp), metadata=metadata)
        tmp.replace(out)
    if tokenizer:
        folder = out.parent / f"{out.stem}.tokenizer"
        if not (folder / "tokenizer.json").exists():
            write_toy_tokenizer(folder, vocab_size=min(cfg.vocab_size, 1024))
    return metadata
