"""Plain data passed between store, ingest, recall and the surfaces (no heavy imports)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone


@dataclass
class Memory:
    """One row to store: a photo, an audio clip, or one chunk of a note."""

    id: str
    """Stable: sha256 of (path, chunk index) for notes, (path, clip index) for audio."""
    modality: str  # "text" | "image" | "audio"
    source: str  # "notes" | "photos" | "audio" | "mic" | a plugin's capture source name
    path: str
    content_sha256: str
    size: int
    mtime: float
    captured_at: float
    """Unix seconds: EXIF DateTimeOriginal for photos, clip start for audio, else mtime."""
    text: str = ""
    """The note chunk; for photos/clips, searchable text from enrichers (may be empty)."""
    chunk_start: int = 0
    """Character span of the chunk in the note; for audio, the clip's span in milliseconds."""
    chunk_end: int = 0
    vectors: dict[int, list[float]] = field(default_factory=dict)
    """tier -> L2-normalised vector; filled by ingest."""


@dataclass
class Hit:
    """One recall result."""

    id: str
    modality: str
    source: str
    path: str
    score: float
    captured_at: float
    text: str = ""
    chunk_start: int = 0
    chunk_end: int = 0
    size: int = 0

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.captured_at, tz=timezone.utc).astimezone()

    def to_json(self) -> dict:
        d = asdict(self)
        d["captured_at"] = self.when.isoformat(timespec="seconds")
        return d

    @classmethod
    def from_json(cls, d: dict) -> Hit:
        d = dict(d)
        if isinstance(d.get("captured_at"), str):
            d["captured_at"] = datetime.fromisoformat(d["captured_at"]).timestamp()
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Filters:
    """Recall filters; None = no constraint."""

    modalities: list[str] | None = None
    sources: list[str] | None = None
    since: float | None = None
    until: float | None = None
    path_prefix: str | None = None
