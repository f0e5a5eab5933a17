"""Plain data passed between the core, the store, ingest, the daemon and the surfaces.

Stdlib only: the daemon client (and so every `augmem recall` answered by the daemon)
imports this module, and must stay light. `augmem.codec` turns these records into JSON
and back for the daemon's socket, field by field from their type hints.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

MODALITIES = ("text", "image", "audio")
"""Every modality augmem stores, in the order surfaces list them."""

DEFAULT_SOURCE = {"text": "notes", "image": "photos", "audio": "audio"}
"""The source a memory gets when nothing names one (by modality)."""

DERIVED_FACETS = ("transcript", "ocr")
"""Facets of a memory that hold text derived from its media, embedded with the text tower: what a
clip says (transcript) and what a photo shows in writing (ocr). A memory's own facet is its
modality ("text" for a note chunk, "image", "audio")."""
DERIVED_KIND = {"audio": "transcript", "image": "ocr"}
"""Which derived text a memory of each modality gets."""


@dataclass(frozen=True)
class Segment:
    """A stretch of speech in a recording: seconds from the start of the file, and the words."""

    start: float
    end: float
    text: str


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
    memory_id: str = ""
    """The memory this row is a facet of ("" = this row's own id: the memory's own facet)."""
    facet: str = ""
    """"" or the modality for the memory's own row; "transcript" / "ocr" for derived text."""
    detail: str = ""
    """JSON with what a derived facet knows beyond its text (segments, language)."""

    def __post_init__(self) -> None:
        self.memory_id = self.memory_id or self.id
        self.facet = self.facet or self.modality


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
    facet: str = ""
    """The facet that matched: the modality itself, or "transcript" / "ocr" (derived text)."""
    transcript: str = ""
    """What this clip says (empty: no speech, or not transcribed yet)."""
    segments: list[Segment] = field(default_factory=list)
    """The transcript's segments in this clip, times in seconds from the start of the file."""
    language: str = ""
    """The transcript's detected language."""
    ocr_text: str = ""
    """The text found in this photo."""

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.captured_at, tz=UTC).astimezone()

    def to_json(self) -> dict[str, object]:
        """The shape `augmem recall --json` prints: captured_at as a local ISO time."""
        d = asdict(self)
        d["captured_at"] = self.when.isoformat(timespec="seconds")
        return d


@dataclass
class Filters:
    """Recall filters; None = no constraint."""

    modalities: list[str] | None = None
    sources: list[str] | None = None
    since: float | None = None
    until: float | None = None
    path_prefix: str | None = None

    def any(self) -> bool:
        """Whether any filter is set."""
        return bool(
            self.modalities or self.sources or self.since is not None or self.until is not None or self.path_prefix
        )


@dataclass
class RecallResult:
    """What recall answers: hits of the active space, and what the user should know."""

    hits: list[Hit] = field(default_factory=list)
    space: str = ""
    """The active space the hits come from."""
    not_migrated: int = 0
    """Memories that exist but have no vector in the active space yet (re-embedding runs)."""
    pending: int = 0
    """Memories the active model cannot embed (e.g. photos under a text-only model)."""
    notice: str = ""
    """A one-line message for the user (e.g. which model is active and why)."""


class Rejection(NamedTuple):
    """A file that could not be ingested, and the one-line reason."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """The summary of one ingest run."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    pending: int = 0
    removed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    """Every item that could not be ingested, with its reason."""
    memories: int = 0
    """Memories embedded (a note may give several chunks, a recording several clips; their
    transcript and photo-text facets are not counted)."""
    transcribed: int = 0
    """Recordings transcribed by this run (in process; the daemon does it in the background)."""
    read: int = 0
    """Photos read for text by this run (likewise)."""

    def to_json(self) -> dict[str, object]:
        """The shape `augmem ingest --json` prints."""
        d = asdict(self)
        d["rejected"] = [{"path": p, "reason": r} for p, r in self.rejected]
        return d

    def add(self, other: IngestReport) -> None:
        """Fold another run's counts into this one."""
        for name in ("added", "updated", "skipped", "pending", "removed", "memories", "transcribed", "read"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)


@dataclass
class ForgetItem:
    """One source file a forget takes, as a person is shown it before saying yes."""

    path: str
    modality: str = ""
    source: str = ""
    captured_at: float = 0.0
    deletes_file: bool = False
    """True for a file augmem captured itself (a microphone clip, a capture source's file in the
    data folder): deleted from disk. A person's own files are only forgotten, never deleted."""


@dataclass
class ForgetPlan:
    """What a forget by filters (a stretch of time, modalities, sources) would take."""

    count: int = 0
    """Source files (a note with all its chunks, a recording with all its clips) to forget."""
    deletes: int = 0
    """Of those, files augmem captured itself, deleted from disk with their memories."""
    by_modality: dict[str, int] = field(default_factory=dict)
    examples: list[ForgetItem] = field(default_factory=list)
    """The newest few."""


SOURCE_STATUSES = ("ok", "pending", "rejected", "duplicate", "forgotten")
LIVE_STATUSES = ("ok", "pending", "duplicate")
"""Statuses of a file whose content augmem still keeps something of."""
"""ok: embedded in the active space; pending: valid, waiting for a model of its modality;
rejected: unusable (see reason); duplicate: same content as another file; forgotten: by the user."""


@dataclass
class SourceRow:
    """One file in the sources ledger: what the store knows of it and why."""

    path: str
    source: str = ""
    modality: str = ""
    size: int = 0
    mtime: float = 0.0
    content_sha256: str = ""
    status: str = "pending"
    """One of SOURCE_STATUSES."""
    reason: str = ""
    captured_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class Space:
    """One embedding space in the store: a model and the exact artifact it was built from."""

    id: str
    """`name:sha256` (the model name may carry a variant, e.g. `aegis-embed@6L`)."""
    rows: int = 0
    """Memories stored in the space."""

    @property
    def model(self) -> str:
        return self.id.partition(":")[0]

    @property
    def sha256(self) -> str:
        return self.id.partition(":")[2]


class DayCount(NamedTuple):
    """Memories captured on one local day, by modality (the timeline)."""

    day: str
    """YYYY-MM-DD in local time."""
    counts: dict[str, int]


@dataclass
class DerivedText:
    """One cached derivation: the text an engine found in a file's content (keyed by both)."""

    content_sha256: str
    kind: str
    """"transcript" or "ocr"."""
    engine: str
    """The engine id: name[variant]:sha256 of its artifact."""
    text: str = ""
    """What was found ("" = nothing: no speech, no legible text)."""
    detail: str = ""
    """JSON: segments and language of a transcript, the word count of OCR text."""
    created_at: float = 0.0


@dataclass
class DerivedDetail:
    """What a derivation knows beyond its text: the `detail` JSON of a cached derivation and of
    a derived-text facet (`augmem.codec.dumps` / `loads`)."""

    language: str = ""
    """A transcript's detected language."""
    duration: float = 0.0
    """The recording's length in seconds (its clips follow from it)."""
    segments: list[Segment] = field(default_factory=list)
    """A transcript's segments (a facet: those of its clip)."""
    words: int = 0
    """OCR: words kept."""
    languages: list[str] = field(default_factory=list)
    """OCR: the languages read."""
    error: str = ""
    """Why nothing could be derived (the file could not be read)."""
    seconds: float = 0.0
    """How long the derivation took."""


@dataclass
class DeriveInfo:
    """Transcription or OCR of the memories, as status shows it."""

    kind: str = ""
    """"transcript" or "ocr"."""
    engine: str = ""
    """The engine id in use ("" when none is available: see `error`)."""
    done: int = 0
    """Files derived with this engine."""
    found: int = 0
    """Of those, files where it found text."""
    waiting: int = 0
    """Files still to do."""
    active: bool = False
    rate: float = 0.0
    """Files per second in the current run."""
    error: str = ""
    """Why there is no engine (e.g. a missing package), or what the last run failed on."""


@dataclass
class CaptureInfo:
    """Microphone capture as `augmem status` shows it."""

    state: str = "off"
    """off | starting | listening | paused | quiet | unavailable | error."""
    paused: bool = False
    paused_until: float | None = None
    """When a timed pause ends by itself (unix seconds; None: paused until resumed)."""
    quiet_hours: str = ""
    """The daily quiet hours ("22:00-07:00"), "" for none."""
    quiet_until: float | None = None
    """Inside quiet hours: when they end."""
    message: str = ""
    device: str = ""
    clips: int = 0
    """Clips written by this daemon run."""
    samplerate: int | None = None
    dropped_blocks: int = 0
    """Audio blocks dropped because the consumer fell behind."""
    overflows: int = 0
    """Input overflows PortAudio reported."""
    floor_db: float | None = None
    """The activity gate's adaptive noise floor."""
    sounding: bool = False
    """Whether a clip is being recorded right now."""
    speech: bool = False
    """Whether the voice detector hears speech right now."""
    vad: str = "off"
    """The voice activity detector in use, or why there is none."""
    clips_dir: str = ""


@dataclass
class MigrationInfo:
    """Re-embedding into the active space: done/total from the store, rate and ETA from this run."""

    done: int = 0
    total: int = 0
    left: int = 0
    active: bool = False
    rate: float = 0.0
    """Memories re-embedded per second in this run."""
    eta_s: float | None = None
    space: str = ""


@dataclass
class JobInfo:
    """One scheduled job of the daemon."""

    runs: int = 0
    failures: int = 0
    last_run: float | None = None
    last_seconds: float | None = None
    last_error: str | None = None
    next_run: float | None = None


@dataclass
class ReconcileInfo:
    """The last full reconcile of the watched folders."""

    at: float = 0.0
    seconds: float = 0.0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    pending: int = 0
    removed: int = 0
    rejected: int = 0


@dataclass
class ResidentInfo:
    """Recall's resident tier in the daemon (augmem.store.resident)."""

    space: str = ""
    state: str = "off"
    """loading | ready | behind (reloading after a change it could not follow) | off."""
    rows: int = 0
    bytes: int = 0
    """Memory held by the tier's buffers."""
    load_seconds: float | None = None
    reloads: int = 0


@dataclass
class DaemonInfo:
    """The running daemon, as its status shows it."""

    up: bool = True
    pid: int = 0
    data_dir: str = ""
    socket: str = ""
    log: str = ""
    started_at: float | None = None
    uptime_s: float | None = None
    watching: dict[str, str] = field(default_factory=dict)
    """Watched folder -> its kind."""
    watch_errors: dict[str, str] = field(default_factory=dict)
    queue: int = 0
    working_on: str | None = None
    model_error: str | None = None
    last_reconcile: ReconcileInfo | None = None
    jobs: dict[str, JobInfo] = field(default_factory=dict)
    capture_sources: dict[str, str] = field(default_factory=dict)
    """Plugin capture sources -> "running, writing into …", "failed: …" or "refused: …"."""
    resident: ResidentInfo | None = None
    """Recall's resident tier (None: recall reads the store)."""


@dataclass
class Status:
    """Everything `augmem status` and the TUI's status screen show."""

    model: str = ""
    """The active model ("auto" resolved)."""
    model_setting: str = ""
    artifact: str | None = None
    artifact_origin: str = ""
    space: str | None = None
    """The active space id (None when the artifact is missing or refused)."""
    tiers: list[int] = field(default_factory=list)
    store_uri: str = ""
    store_bytes: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    """Memories per modality in the active space (a memory's facets count once)."""
    spaces: list[Space] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)
    """Ledger files per status (ok, pending, rejected, duplicate, forgotten)."""
    pending_by_modality: dict[str, int] = field(default_factory=dict)
    stored_files: int = 0
    """Source files with memories in the active space (a pending photo recalled by its text counts)."""
    migrated: int = 0
    not_migrated: int = 0
    notice: str = ""
    error: str = ""
    """Set when the store or the model could not be read (the rest may be defaults)."""
    capture: CaptureInfo | None = None
    daemon: DaemonInfo | None = None
    """None when no daemon answered (the status came from this process)."""
    migration: MigrationInfo | None = None
    transcripts: DeriveInfo | None = None
    ocr: DeriveInfo | None = None

    @property
    def artifact_sha256(self) -> str:
        return (self.space or "").partition(":")[2]

    @property
    def pending(self) -> int:
        return self.sources.get("pending", 0)

    @property
    def rejected(self) -> int:
        return self.sources.get("rejected", 0)

    @property
    def files(self) -> int:
        """Source files embedded in the active space (a long note gives several memories)."""
        return self.sources.get("ok", 0)

    @property
    def memories(self) -> int:
        return sum(self.counts.values())
