"""nano4M-Audio as an (experimental) augmem embedder: pooled encoder states, 512-d.

Audio, as the reference tokenises it (nano4M-Audio scripts/tokenization/v4_01_audio.py and
10_tok_audio.py, then scripts/splits/v5_merge_and_split.py): 24 kHz mono, zero-padded (or
cut) to exactly 81,920 samples (3.41 s), encoded alone by EnCodec 24 kHz at 1.5 kbps into
2 codebooks x 256 frames, interleaved frame by frame [c1[0], c2[0], c1[1], c2[1], ...],
and 1024 added to the second codebook: one `tok_audio@512` sequence, ids in [0, 2048).
A longer clip is cut into consecutive 81,920-sample windows, the last one zero-padded,
and each window is encoded by EnCodec on its own (never the whole clip at once, whose
frames at window edges would see audio across the edge). Each window's 512 tokens go
through the encoder alone (modality id 1, positions 0..511), its states are mean-pooled,
the windows are averaged, and the result is L2-normalised.

EnCodec itself is a separate model (facebook/encodec_24khz, ~15M parameters) that
augmem cannot download offline. `embed_audio_tokens` takes tokens you computed
elsewhere (the dataset's .npy rows, or raw (2, T) codes); `embed_audio` on waveforms
needs transformers' EncodecModel weights present locally (the `encodec=` argument,
$AUGMEM_ENCODEC_DIR, or the Hugging Face cache) and otherwise says exactly that.

Text (optional): captions are `scene_desc` tokens (modality id 4), built exactly as the
reference dataset builds them (nanofm/data/multimodal/simple_multimodal_dataset.py,
`_get_text_tokenizer` and `__getitem__`, text_max_length 64 in cfgs/nano4M/
animal_full_5mod_v5.yaml): GPT-2 BPE with "[PAD]" added as the pad token and "[SOS]" /
"[EOS]" as bos / eos (ids 50257, 50258, 50259 on GPT-2's 50,257), the template
"[SOS] $A [EOS]", truncated and padded with [PAD] to 64 tokens. The [PAD] tokens are real
input tokens to the model (its masking samples caption positions from all 64), so all 64
go through the encoder, positions 0..63. With a GPT-2 tokenizer present locally
(`text_tokenizer=`, $AUGMEM_GPT2_TOKENIZER, or the Hugging Face cache) text queries embed
this way; without one the model is audio-only, and text says what is missing.

This is not an embedding model: the card's best cross-modal retrieval is R@5 4.5 %.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from augmem.errors import ArtifactError
from augmem.models.base import Embedder

NAME = "nano4m-audio"
DIM = 512
ENCODEC_SR = 24_000
ENCODEC_REPO = "facebook/encodec_24khz"
ENCODEC_BANDWIDTH = 1.5
CODEBOOK_SIZE = 1024
WINDOW_SAMPLES = 81_920  # the reference's EXPECT_SAMPLES: 3.41 s at 24 kHz
WINDOW_TOKENS = 512  # tok_audio@512 = 256 frames x 2 codebooks
CAPTION_TOKENS = 64  # scene_desc: text_max_length in the training config
GPT2_REPOS = ("openai-community/gpt2", "gpt2")
CAVEAT = (
    "experimental: pooled encoder states of a small generative model trained on 9k animal clips; "
    "weak cross-modal retrieval (card: best R@5 4.5 %, depth->audio; chance 2.5 %)"
)


def interleave_codes(codes: np.ndarray) -> np.ndarray:
    """(2, T) EnCodec codes in [0, 1024) -> (2T,) tokens c1[0], c2[0]+1024, c1[1], c2[1]+1024, ..."""
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[0] != 2:
        raise ValueError(f"expected (2, frames) EnCodec codes, got shape {codes.shape}")
    out = codes.astype(np.int64).T.copy()
    out[:, 1] += CODEBOOK_SIZE
    return out.reshape(-1)


def as_tokens(item: np.ndarray) -> np.ndarray:
    """Tokens of one clip: (n,) audio tokens in [0, 2048), or (2, T) raw codes (interleaved here)."""
    arr = np.asarray(item)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"audio tokens must be integers, got {arr.dtype}")
    if arr.ndim == 2 and arr.shape[0] == 2:
        arr = interleave_codes(arr)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"expected a 1-D token sequence or (2, T) codes, got shape {arr.shape}")
    if arr.min() < 0 or arr.max() >= 2 * CODEBOOK_SIZE:
        raise ValueError(f"audio tokens must lie in [0, {2 * CODEBOOK_SIZE}); got [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64)


def _hf_snapshot(repo: str, filename: str) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(repo_id=repo, filename=filename)
    except Exception:
        return None
    return Path(hit).parent if isinstance(hit, str) and Path(hit).exists() else None


def find_encodec(explicit: str | Path | None = None) -> tuple[Path | None, list[str]]:
    looked = []
    for c in [explicit, os.environ.get("AUGMEM_ENCODEC_DIR")]:
        if c:
            p = Path(c).expanduser()
            looked.append(str(p))
            if (p / "config.json").exists():
                return p, looked
            if explicit:
                return None, looked
    looked.append(f"hugging face cache: {ENCODEC_REPO}")
    snap = _hf_snapshot(ENCODEC_REPO, "config.json")
    if snap and any((snap / f).exists() for f in ("model.safetensors", "pytorch_model.bin")):
        return snap, looked
    return None, looked


def caption_tokenizer(folder: str | Path):
    """The reference dataset's caption tokenizer, from a local GPT-2 tokenizer folder: pad
    "[PAD]", bos "[SOS]", eos "[EOS]" added in that order, and "[SOS] $A [EOS]" around
    every caption."""
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    tok.add_special_tokens({"pad_token": "[PAD]"})
    tok.add_special_tokens({"bos_token": "[SOS]", "eos_token": "[EOS]"})
    tok.backend_tokenizer.post_processor = TemplateProcessing(
        single="[SOS] $A [EOS]", special_tokens=[("[SOS]", tok.bos_token_id), ("[EOS]", tok.eos_token_id)]
    )
    return tok


def find_gpt2_tokenizer(explicit: str | Path | None = None) -> Path | None:
    for c in [explicit, os.environ.get("AUGMEM_GPT2_TOKENIZER")]:
        if c:
            p = Path(c).expanduser()
            return p if p.exists() else None
    for repo in GPT2_REPOS:
        for f in ("tokenizer.json", "vocab.json"):
            snap = _hf_snapshot(repo, f)
            if snap:
                return snap
    return None


def config_from_metadata(meta: dict, source: str):
    """The reference writes its model args as the safetensors metadata (str(value) each)."""
    from augmem_nano4m.fourm import FourMConfig

    kwargs = {}
    for key in ("modalities", "vocab_sizes", "max_seq_lens", "dim", "enc_depth", "dec_depth", "head_dim", "mlp_ratio"):
        if key in meta:
            try:
                value = ast.literal_eval(meta[key])
            except (ValueError, SyntaxError) as exc:
                raise ArtifactError(f"{source}: metadata {key}={meta[key]!r} is not a literal") from exc
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    try:
        return FourMConfig(**kwargs)
    except TypeError as exc:
        raise ArtifactError(f"{source}: bad model metadata ({exc})") from exc


class Nano4MEmbedder(Embedder):
    """Pooled nano4M encoder states; audio (tokens, or waveforms with EnCodec), optional text."""

    name = NAME
    modalities = frozenset({"audio", "text"})
    """The most it embeds; an instance keeps only what its EnCodec / tokenizer files allow."""
    dim = DIM
    tiers = (DIM,)
    storage_tiers = (DIM,)
    max_text_tokens = CAPTION_TOKENS - 2  # room for [SOS] and [EOS]
    audio_sample_rate = ENCODEC_SR

    def __init__(
        self,
        artifact: Path,
        sha256: str,
        device: str = "cpu",
        *,
        encodec: str | Path | None = None,
        text_tokenizer: str | Path | None = None,
        batch_size: int = 8,
    ):
        super().__init__(sha256)
        import torch

        from augmem.models.artifacts import load_safetensors, load_strict
        from augmem_nano4m.fourm import FourM, constant_buffer_keys

        tensors, self.metadata = load_safetensors(Path(artifact))
        tensors = {k.removeprefix("module."): v for k, v in tensors.items()}  # a DDP-wrapped save
        cfg = config_from_metadata(self.metadata, str(artifact))
        self.model = FourM(cfg)
        own = self.model.state_dict()
        for key in constant_buffer_keys(self.model):  # constants the file may leave out (card: strict=False)
            tensors.setdefault(key, own[key])
        load_strict(self.model, tensors, str(artifact))
        del tensors
        self.model.eval().to(device)
        self.config = cfg
        self.dim = cfg.dim
        self.tiers = self.storage_tiers = (cfg.dim,)
        self.device = device
        self.batch_size = batch_size
        self._torch = torch
        self._audio_id = cfg.modality_index("tok_audio@512")
        self._text_id = cfg.modality_index("scene_desc")
        self._encodec = None
        self._encodec_path, self._encodec_looked = find_encodec(encodec)
        self.tokenizer = None
        folder = find_gpt2_tokenizer(text_tokenizer)
        if folder is not None:
            self.tokenizer = caption_tokenizer(folder)
        # what ingest may hand us: waveforms only with EnCodec, text only with the GPT-2 tokenizer;
        # the rest stays pending (precomputed tokens always work through embed_audio_tokens)
        self.modalities = frozenset({"audio"} if self._encodec_path else set()) | frozenset(
            {"text"} if self.tokenizer is not None else set()
        )

    # -- encoder ---------------------------------------------------------------------------

    def _pool_sequences(self, seqs: list[np.ndarray], modality: int) -> np.ndarray:
        """Pooled (unnormalised) encoder states of token sequences, batched with padding."""
        torch = self._torch
        out = np.zeros((len(seqs), self.dim), np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        with torch.inference_mode():
            for s in range(0, len(order), self.batch_size):
                idx = order[s : s + self.batch_size]
                n = max(len(seqs[i]) for i in idx)
                tokens = torch.zeros(len(idx), n, dtype=torch.long)
                pad = torch.zeros(len(idx), n, dtype=torch.bool)
                for r, i in enumerate(idx):
                    tokens[r, : len(seqs[i])] = torch.from_numpy(seqs[i])
                    pad[r, : len(seqs[i])] = True
                positions = torch.arange(n).expand(len(idx), n)
                mods = torch.full_like(tokens, modality)
                pooled = self.model.pooled(
                    tokens.to(self.device), mods.to(self.device), positions.to(self.device), pad.to(self.device)
                )
                out[idx] = pooled.float().cpu().numpy()
        return out

    def embed_audio_tokens(self, items: Sequence[np.ndarray]) -> np.ndarray:
        """Embed precomputed audio tokens: per clip a 1-D sequence in [0, 2048) (interleaved,
        second codebook +1024) or raw (2, T) EnCodec codes."""
        from augmem.models.base import l2norm

        windows: list[np.ndarray] = []
        owner: list[int] = []
        for i, item in enumerate(items):
            try:
                tokens = as_tokens(item)
            except ValueError as exc:
                raise ArtifactError(f"audio clip {i}: {exc}") from exc
            for s in range(0, len(tokens), WINDOW_TOKENS):
                windows.append(tokens[s : s + WINDOW_TOKENS])
                owner.append(i)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        pooled = self._pool_sequences(windows, self._audio_id)
        out = np.zeros((len(items), self.dim), np.float32)
        counts = np.zeros(len(items), np.float32)
        np.add.at(out, owner, pooled)
        np.add.at(counts, owner, 1.0)
        return l2norm(out / counts[:, None])

    # -- EnCodec ---------------------------------------------------------------------------

    def _need_encodec(self):
        if self._encodec is None:
            if self._encodec_path is None:
                raise ArtifactError(
                    "nano4M-Audio reads audio as EnCodec 24 kHz tokens, and the EnCodec weights are not here "
                    f"(looked in: {'; '.join(self._encodec_looked)})",
                    hint=(
                        f"on a machine with internet: `hf download {ENCODEC_REPO} --local-dir FOLDER`, "
                        "then `augmem models use nano4m-audio --opt encodec=FOLDER` ($AUGMEM_ENCODEC_DIR), or copy "
                        "the Hugging Face cache; or embed precomputed tokens with embed_audio_tokens()"
                    ),
                )
            from transformers import EncodecModel

            try:
                self._encodec = EncodecModel.from_pretrained(str(self._encodec_path), local_files_only=True)
            except Exception as exc:
                raise ArtifactError(
                    f"{self._encodec_path}: EnCodec does not load ({type(exc).__name__}: {exc})"
                ) from exc
            self._encodec.eval().to(self.device)
        return self._encodec

    def tokenize_audio(self, clips: Sequence[np.ndarray]) -> list[np.ndarray]:
        """24 kHz mono waveforms -> audio tokens, 512 per 81,920-sample window (needs EnCodec)."""
        torch = self._torch
        model = self._need_encodec()
        out = []
        with torch.inference_mode():
            for clip in clips:
                windows = audio_windows(clip)
                tokens = []
                for s in range(0, len(windows), self.batch_size):  # windows are independent: batch them
                    x = torch.from_numpy(windows[s : s + self.batch_size])[:, None].to(self.device)
                    codes = model.encode(x, bandwidth=ENCODEC_BANDWIDTH).audio_codes  # (1 chunk, B, 2, 256)
                    if codes.shape[0] != 1 or codes.shape[2] != 2 or codes.shape[3] != WINDOW_TOKENS // 2:
                        raise ArtifactError(
                            f"EnCodec gave codes of shape {tuple(codes.shape)} for an 81,920-sample "
                            "window; nano4M-Audio needs 2 codebooks x 256 frames (24 kHz, 1.5 kbps)"
                        )
                    tokens += [interleave_codes(c) for c in codes[0].cpu().numpy()]
                out.append(np.concatenate(tokens))
        return out

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Waveforms (float, 24 kHz) via EnCodec; integer arrays are taken as tokens already."""
        clips = list(clips)
        if not clips:
            return np.zeros((0, self.dim), np.float32)
        if all(np.issubdtype(np.asarray(c).dtype, np.integer) for c in clips):
            return self.embed_audio_tokens(clips)
        return self.embed_audio_tokens(self.tokenize_audio(clips))

    # -- text ------------------------------------------------------------------------------

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        from augmem.models.base import l2norm

        if self.tokenizer is None:
            raise ArtifactError(
                "nano4M-Audio embeds text as GPT-2 BPE caption tokens, and no GPT-2 tokenizer is here",
                hint=(
                    "on a machine with internet: `hf download openai-community/gpt2 tokenizer.json "
                    "vocab.json merges.txt --local-dir FOLDER`, then "
                    "`augmem models use nano4m-audio --opt text_tokenizer=FOLDER` ($AUGMEM_GPT2_TOKENIZER)"
                ),
            )
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return l2norm(self._pool_sequences(list(self.caption_ids(texts)), self._text_id))

    def caption_ids(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 64) scene_desc tokens: [SOS] text [EOS] [PAD]..., as the reference dataset
        tokenises a caption (needs the GPT-2 tokenizer)."""
        enc = self.tokenizer(list(texts), max_length=CAPTION_TOKENS, padding="max_length", truncation=True)
        return np.asarray(enc["input_ids"], np.int64)

    def count_tokens(self, text: str) -> int:
        if self.tokenizer is None:
            return len(text.split())
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def audio_windows(clip: np.ndarray) -> np.ndarray:
    """(n, 81,920) float32: the clip cut into consecutive windows, the last zero-padded (an
    empty clip gives one silent window)."""
    wav = np.asarray(clip, np.float32).reshape(-1)
    n = max(1, -(-len(wav) // WINDOW_SAMPLES))
    return np.pad(wav, (0, n * WINDOW_SAMPLES - len(wav))).reshape(n, WINDOW_SAMPLES)


def load(
    artifact: Path, sha256: str, device: str = "cpu", *, encodec: str | None = None, text_tokenizer: str | None = None
) -> Nano4MEmbedder:
    return Nano4MEmbedder(artifact, sha256, device, encodec=encodec, text_tokenizer=text_tokenizer)


def synth(out: Path, *, small: bool = False, seed: int = 0) -> dict:
    """Write a random-initialised nano4M-Audio checkpoint (`model.state_dict()` and the model
    args as metadata, as the reference saves it). `small=True`: same keys, narrower."""
    import torch
    from safetensors.torch import save_file

    from augmem_nano4m.fourm import FourM, FourMConfig, count

    cfg = FourMConfig.small() if small else FourMConfig()
    torch.manual_seed(seed)
    model = FourM(cfg).eval()
    meta = {
        "_target_": "nanofm.models.fourm.FourM",
        "modalities": str(list(cfg.modalities)),
        "vocab_sizes": str(list(cfg.vocab_sizes)),
        "max_seq_lens": str(list(cfg.max_seq_lens)),
        "dim": str(cfg.dim),
        "enc_depth": str(cfg.enc_depth),
        "dec_depth": str(cfg.dec_depth),
        "head_dim": str(cfg.head_dim),
        "artifact": "synthetic: random init by `augmem models synth` (not the released weights)",
        "seed": str(seed),
        "parameter_count": str(count(model)["parameters"]),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp), metadata=meta)
    tmp.replace(out)
    return meta
