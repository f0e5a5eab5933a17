"""Splitting long notes into spans that fit a model's context."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

_PARA = re.compile(r"\n\s*\n")
_SENT = re.compile(r"(?<=[.!?。])\s+")


def _pieces(text: str) -> list[tuple[int, int]]:
    """Paragraph spans, falling back to sentences, then words, for oversized ones."""
    spans, start = [], 0
    for m in _PARA.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _split(text: str, a: int, b: int, limit: int, count: Callable[[str], int]) -> list[tuple[int, int]]:
    if count(text[a:b]) <= limit:
        return [(a, b)]
    for pattern in (_SENT, re.compile(r"\s+")):
        cuts = [a] + [a + m.end() for m in pattern.finditer(text[a:b])] + [b]
        cuts = sorted(set(cuts))
        if len(cuts) > 2:
            out, cur = [], cuts[0]
            for prev, nxt in pairwise(cuts):
                if nxt - cur > 0 and count(text[cur:nxt]) > limit and prev > cur:
                    out.append((cur, prev))
                    cur = prev
            out.append((cur, b))
            if len(out) > 1:
                return [s for span in out for s in _split(text, *span, limit, count)]
    # a single unbreakable run (e.g. a 10k-char token): cut by characters
    step = max(1, (b - a) * limit // max(count(text[a:b]), 1))
    return [(i, min(i + step, b)) for i in range(a, b, step)]


def chunk_spans(text: str, max_tokens: int, count: Callable[[str], int], overlap: int = 0) -> list[tuple[int, int]]:
    """Character spans covering `text`, each at most `max_tokens` by `count`.

    Paragraphs are packed greedily; an oversized paragraph is split at sentence, then
    word boundaries. `overlap` is unused beyond keeping spans contiguous: recall works on
    whole paragraphs, and packing keeps related sentences in one chunk.
    """
    if not text.strip():
        return []
    budget = max(8, max_tokens - 2)  # room for [CLS] / [SEP]
    units = [s for a, b in _pieces(text) for s in _split(text, a, b, budget, count)]
    # word-piece counts are close to additive across whitespace, so pack by summed counts
    # (one tokenizer call per unit instead of one per candidate chunk)
    chunks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    used = 0
    for a, b in units:
        n = count(text[a:b])
        if cur and used + n <= budget:
            cur, used = (cur[0], b), used + n
        else:
            if cur:
                chunks.append(cur)
            cur, used = (a, b), n
    if cur:
        chunks.append(cur)
    return chunks
