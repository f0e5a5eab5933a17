"""Which words of a query a memory's text matches: highlighted in the preview, and the
transcript segment Enter plays from."""

from __future__ import annotations

import re

from textual.content import Content

from augmem.records import Hit, Segment

_WORD = re.compile(r"[\w']+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)
"""Words too common to be what a person meant (English; other languages keep every word)."""


def query_words(query: str | None) -> set[str]:
    """The words of a query worth highlighting: lowercased, stopwords dropped."""
    return {w for w in (m.group().lower() for m in _WORD.finditer(query or "")) if w not in STOPWORDS}


def _stem(word: str) -> str:
    """A crude stem so "barking" finds "bark" and "meetings" "meeting" (a hint, not linguistics)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def highlight(text: str, query: str | None, style: str = "b $accent") -> Content:
    """`text` with the words that match the query's words (or their stems) styled."""
    wanted = {_stem(w) for w in query_words(query)}
    content = Content(text)
    if not wanted:
        return content
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if _stem(m.group().lower()) in wanted]
    for start, end in spans:
        content = content.stylize(style, start, end)
    return content


def best_segment(hit: Hit, query: str | None) -> Segment | None:
    """The transcript segment sharing the most words with the query (the first on a tie, and
    the first of all when nothing matches), or None without segments."""
    if not hit.segments:
        return None
    wanted = {_stem(w) for w in query_words(query)}

    def overlap(seg: Segment) -> int:
        return len(wanted & {_stem(m.group().lower()) for m in _WORD.finditer(seg.text)})

    return max(hit.segments, key=lambda s: (overlap(s), -s.start))
