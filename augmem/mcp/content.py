"""Memories as an assistant reads them: recall hits as JSON and text, and one memory's
content as MCP content (a note's text, a photo as an image, a clip's transcript).

Hits are turned into JSON generically (`augmem.codec.to_json`), so every field a `Hit`
carries reaches the assistant, including ones added after this module was written
(derived text: transcripts, OCR, segments). Where the text view names derived text it
reads it with `getattr(hit, name, "")`, which works with and without those fields.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from augmem import codec
from augmem.humanize import KIND_NAMES, media_time, not_here, relative_time, short_path, snippet
from augmem.records import Hit, RecallResult, Status

URI_SCHEME = "memory"
IMAGE_MIME = "image/jpeg"
IMAGE_PIXELS = 1024
"""Longest side of a photo handed to the assistant: enough to see what it shows, and a
bounded message (vision models downscale larger images anyway)."""
IMAGE_MAX_BYTES = 750 * 1024
"""Encoded photos above this are re-encoded smaller: some clients cap a message near 1 MB."""
NOTE_MAX_CHARS = 200_000
"""A note longer than this is cut (with a line saying so): an assistant's context is finite."""
DERIVED_TEXT = (("transcript", "said"), ("ocr_text", "reads"))
"""Derived text a hit may carry, and how the text view introduces it."""


def uri(memory_id: str) -> str:
    return f"{URI_SCHEME}://{memory_id}"


def derived(hit: Hit) -> list[tuple[str, str]]:
    """(label, text) of the derived text the hit carries (empty before derived text exists)."""
    out = []
    for name, label in DERIVED_TEXT:
        value = getattr(hit, name, "")
        if isinstance(value, str) and value.strip():
            out.append((label, value.strip()))
    return out


def hit_snippet(hit: Hit, width: int = 160) -> str:
    """One readable line: a note's passage, else what the memory says or reads, else its file name."""
    if hit.modality == "text" and hit.text.strip():
        return snippet(hit.text, width)
    for _, text in derived(hit):
        return snippet(text, width)
    if hit.text.strip():  # enrichers' searchable text (places, camera…)
        return snippet(hit.text, width)
    return Path(hit.path).name


def hit_json(hit: Hit) -> dict[str, Any]:
    """Every field of the hit, plus what an assistant needs to use it: kind, local time,
    snippet, the memory's URI, and whether its file is on this machine."""
    out: dict[str, Any] = codec.to_json(hit)
    out.update(
        kind=KIND_NAMES.get(hit.modality, hit.modality),
        time=hit.when.isoformat(timespec="seconds"),
        snippet=hit_snippet(hit),
        uri=uri(hit.id),
        on_this_machine=Path(hit.path).exists(),
    )
    return out


def recall_json(result: RecallResult) -> dict[str, Any]:
    return {
        "hits": [hit_json(h) for h in result.hits],
        "space": result.space,
        "not_migrated": result.not_migrated,
        "pending": result.pending,
        "notice": result.notice,
    }


def recall_text(result: RecallResult, query: str | None, now: float | None = None) -> str:
    """The hits as a numbered list an assistant (or a person reading its log) can follow."""
    lines = []
    if result.notice:
        lines.append(f"note: {result.notice}")
    if result.not_migrated:
        lines.append(f"note: {result.not_migrated} memories are still being re-embedded and are not searched yet")
    if not result.hits:
        lines.append(f"No memories found{f' for {query!r}' if query else ''}.")
        return "\n".join(lines)
    n = len(result.hits)
    lines.append(f"{n} {'memory' if n == 1 else 'memories'}{f' for {query!r}' if query else ''}:")
    for i, h in enumerate(result.hits, 1):
        when = h.when.strftime("%Y-%m-%d %H:%M")
        where = short_path(h.path, 80)
        if h.modality == "audio" and h.chunk_end:
            where += f" @{media_time(h.chunk_start / 1000)}–{media_time(h.chunk_end / 1000)}"
        lines.append(
            f"{i}. {KIND_NAMES.get(h.modality, h.modality)} · {when} ({relative_time(h.captured_at, now)})"
            f" · {where} · score {h.score:.3f}"
        )
        lines.append(f"   id {h.id} ({uri(h.id)})")
        if h.modality == "text":
            lines.append(f"   {hit_snippet(h, 240)}")
        for label, text in derived(h):
            lines.append(f"   {label}: {snippet(text, 240)}")
        if not Path(h.path).exists():
            lines.append(f"   ({not_here(h.path)})")
    return "\n".join(lines)


def status_text(st: Status) -> str:
    """The status in a few lines."""
    counts = ", ".join(f"{n} {KIND_NAMES.get(m, m)}{'s' if n != 1 else ''}" for m, n in sorted(st.counts.items()))
    lines = [
        f"model: {st.model}" + (f" ({st.space})" if st.space else " (no artifact)"),
        f"memories: {st.memories} ({counts or 'none yet'}) from {st.files} files",
        f"pending: {st.pending} · rejected: {st.rejected} · not yet re-embedded: {st.not_migrated}",
        f"store: {st.store_uri}",
        "daemon: " + (f"running (pid {st.daemon.pid})" if st.daemon else "not running (answered in process)"),
    ]
    if st.capture is not None:
        lines.append(f"microphone: {st.capture.state}" + (f" ({st.capture.message})" if st.capture.message else ""))
    if st.notice:
        lines.append(f"note: {st.notice}")
    if st.error:
        lines.append(f"error: {st.error}")
    return "\n".join(lines)


# -- one memory's content ----------------------------------------------------------------------
@dataclass
class Content:
    """A memory's content, transport-neutral: the server makes MCP tool content or resource
    contents of it."""

    text: str
    """What to say about the memory (and a note's text, a clip's transcript)."""
    mime_type: str = "text/plain"
    """Of `text` for a note (text/markdown), else text/plain."""
    image: bytes | None = None
    image_mime: str = IMAGE_MIME
    meta: dict[str, Any] = field(default_factory=dict)


def describe(hit: Hit) -> str:
    """The header line of a memory: kind, time, place."""
    return (
        f"{KIND_NAMES.get(hit.modality, hit.modality)} · {hit.when.strftime('%Y-%m-%d %H:%M')} · {hit.path}"
        f" · id {hit.id}"
    )


def note_content(hit: Hit, chunks: list[Hit]) -> Content:
    """The whole note: from its file when it is on this machine, else the stored chunks."""
    path = Path(hit.path)
    mime = "text/markdown" if path.suffix.lower() in (".md", ".markdown") else "text/plain"
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
        origin = "file"
    except OSError:
        parts = sorted(
            {c.chunk_start: c for c in [*chunks, hit] if c.path == hit.path}.values(), key=lambda c: c.chunk_start
        )
        text = _join_chunks(parts)
        origin = "store"
    cut = len(text) > NOTE_MAX_CHARS
    body = text[:NOTE_MAX_CHARS]
    lines = [describe(hit)]
    if origin == "store":
        lines.append(f"({not_here(hit.path)}; this is the text the store keeps)")
    if cut:
        lines.append(f"(cut at {NOTE_MAX_CHARS:,} of {len(text):,} characters)")
    return Content(text="\n".join(lines) + "\n\n" + body, mime_type=mime, meta={"origin": origin, "truncated": cut})


def _join_chunks(parts: list[Hit]) -> str:
    """Stored chunks back into one text: chunks are consecutive paragraph runs of the note
    (augmem.models.chunking), so a blank line between them restores its shape."""
    return "\n\n".join(c.text.strip("\n") for c in parts)


def photo_content(hit: Hit) -> Content:
    """The photo, EXIF-oriented and downscaled to a bounded JPEG, with its OCR text if any."""
    lines = [describe(hit)]
    lines += [f"{label}: {text}" for label, text in derived(hit)]
    path = Path(hit.path)
    if not path.exists():
        lines.append(not_here(hit.path))
        return Content(text="\n".join(lines), meta={"on_this_machine": False})
    from augmem.errors import AugmemError, RejectedItem
    from augmem.ingest import files

    try:
        image, _ = files.load_photo(path, path.stat().st_size)
    except RejectedItem as exc:
        raise AugmemError(f"cannot show {hit.path}: {exc.message}") from exc
    except OSError as exc:
        raise AugmemError(f"cannot read {hit.path}: {exc.strerror or exc}") from exc
    width, height = image.size
    data = encode_jpeg(image)
    lines.append(f"{width}×{height} pixels (sent as a JPEG of at most {IMAGE_PIXELS} px, {len(data):,} bytes)")
    return Content(text="\n".join(lines), image=data, meta={"width": width, "height": height})


def encode_jpeg(image: Any, pixels: int = IMAGE_PIXELS, max_bytes: int = IMAGE_MAX_BYTES) -> bytes:
    """A JPEG of `image` (PIL) no larger than `pixels` on its long side and, by lowering the
    quality and then the size, no larger than `max_bytes`."""
    im = image.copy()
    im.thumbnail((pixels, pixels))
    while True:
        for quality in (85, 70, 55):
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=quality, optimize=True)
            if buf.tell() <= max_bytes:
                return buf.getvalue()
        if max(im.size) <= 64:
            return buf.getvalue()
        im.thumbnail((max(im.size) * 3 // 4,) * 2)


def audio_content(hit: Hit) -> Content:
    """A clip: when and where, its span, and what was said (or that there is no transcript yet)."""
    lines = [describe(hit)]
    if hit.chunk_end:
        lines.append(f"clip {media_time(hit.chunk_start / 1000)}–{media_time(hit.chunk_end / 1000)} of the recording")
    said = [text for label, text in derived(hit) if label == "said"]
    if said:
        lines.append("transcript: " + said[0])
    else:
        lines.append("no transcript yet: augmem has not transcribed this clip")
    if hit.text.strip():
        lines.append(f"searchable text: {hit.text.strip()}")
    if not Path(hit.path).exists():
        lines.append(not_here(hit.path))
    return Content(text="\n".join(lines))
