"""The embedder interface every model implements, and the Matryoshka tier helpers."""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from augmem.errors import ModalityError

if TYPE_CHECKING:
    from PIL import Image


def l2norm(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=axis, keepdims=True)
    return (x / np.maximum(n, 1e-12)).astype(np.float32)


def tier_view(z: np.ndarray, k: int) -> np.ndarray:
    """The Matryoshka tier k of full embeddings z: truncate to k dims, then renormalise."""
    return l2norm(np.asarray(z)[..., :k])


def embed_by_length(clips, min_samples: int, dim: int, embed) -> np.ndarray:
    """Embed mono clips (short ones zero-padded to `min_samples`) one group of equal length
    at a time with `embed(list_of_clips) -> (n, dim)`, so a clip's vector never depends on
    what else is in the batch (no padding across clips). Rows come back in input order."""
    clips = [np.asarray(c, np.float32).reshape(-1) for c in clips]
    clips = [np.pad(c, (0, min_samples - len(c))) if len(c) < min_samples else c for c in clips]
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(clips):
        groups.setdefault(len(c), []).append(i)
    out = np.zeros((len(clips), dim), np.float32)
    for idx in groups.values():
        out[idx] = embed([clips[i] for i in idx])
    return out


class Embedder(ABC):
    """A loaded model that maps memories of some modalities into one vector space.

    Subclasses set the class attributes and override the `embed_*` methods of the
    modalities they support. Every `embed_*` takes a batch and returns an (n, dim)
    float32 array of L2-normalised rows; an empty batch gives shape (0, dim).
    """

    name: str = ""
    modalities: frozenset[str] = frozenset()
    dim: int = 0
    tiers: tuple[int, ...] = ()
    """Every Matryoshka prefix the model was trained for, largest (= dim) first."""
    storage_tiers: tuple[int, ...] = ()
    """The tiers augmem stores by default: the full vector, a mid tier, a small one."""
    max_text_tokens: int = 512
    """Longest text (in the model's tokens) one embedding covers; callers chunk notes."""
    audio_sample_rate: int = 0
    """Sample rate `embed_audio` expects (mono float32 in [-1, 1]); 0 if no audio."""

    def __init__(self, artifact_sha256: str):
        self.artifact_sha256 = artifact_sha256

    @property
    def space(self) -> str:
        """The embedding space: model name + sha256 of the exact artifact it was built from."""
        return f"{self.name}:{self.artifact_sha256}"

    def supports(self, modality: str) -> bool:
        return modality in self.modalities

    def _unsupported(self, modality: str) -> ModalityError:
        return ModalityError(
            f"model {self.name!r} does not embed {modality} (it embeds: {', '.join(sorted(self.modalities))})",
            hint="choose a multimodal model with `augmem models use aist-87m`",
        )

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """Embed texts; `query=True` for search queries (models with prompts use it)."""
        raise self._unsupported("text")

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Embed decoded PIL images (already EXIF-oriented by the caller or not: we do it)."""
        raise self._unsupported("image")

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Embed mono float32 waveforms sampled at `audio_sample_rate`."""
        raise self._unsupported("audio")

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for `text` (without special tokens)."""
        return len(text.split())

    def text_chunks(self, text: str, max_tokens: int | None = None, overlap: int = 32) -> list[tuple[int, int]]:
        """Character spans of `text` that each fit the model's context.

        The default splits on whitespace-delimited words, a safe over-estimate for
        word-piece tokenizers is applied by subclasses through `count_tokens`.
        """
        from augmem.models.chunking import chunk_spans

        limit = max_tokens or self.max_text_tokens
        return chunk_spans(text, limit, self.count_tokens, overlap=overlap)

    def close(self) -> None:
        """Free what the model holds (GPU memory); the default does nothing."""
