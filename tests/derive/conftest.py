"""The real engines, built once per session: Whisper base joined from its PyPI packages
(faster-whisper, int8 on the CPU) and Tesseract with Debian's English data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES

AUDIO = SAMPLES / "audio"
PHOTOS = SAMPLES / "photos"
SR = 16000


def load16k(path: Path) -> np.ndarray:
    from augmem.ingest.files import load_audio

    wave, _ = load_audio(path, path.stat().st_size, SR)
    return wave


@pytest.fixture(scope="session")
def whisper_folder(tmp_path_factory) -> Path:
    from augmem.derive.whisper import assemble_whisper_base

    return assemble_whisper_base(tmp_path_factory.mktemp("models") / "whisper-base")


@pytest.fixture(scope="session")
def transcriber(whisper_folder):
    """One loaded Whisper base for the session (loading costs seconds); read-only."""
    from augmem.derive.whisper import FasterWhisperTranscriber

    t = FasterWhisperTranscriber(whisper_folder)
    yield t
    t.close()


@pytest.fixture(scope="session")
def reader():
    from augmem.derive.ocr import TesseractReader

    r = TesseractReader()
    yield r
    r.close()
