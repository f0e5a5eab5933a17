"""Derived text: what a clip says (transcripts) and what a photo shows in writing (OCR).

The engines here know nothing of the store or the daemon: they take a decoded wave or an
oriented RGB image and return plain records with an `engine` id that a cache can key on.
Heavy imports (faster-whisper, ctranslate2, tesserocr) happen only when an engine loads.
"""

from augmem.derive.base import (
    OcrText,
    Segment,
    TextReader,
    Transcriber,
    TranscriberRegistry,
    TranscriberSpec,
    Transcript,
)
from augmem.derive.registry import default_registry, default_transcribers, pull_transcriber

__all__ = [
    "OcrText",
    "Segment",
    "TextReader",
    "Transcriber",
    "TranscriberRegistry",
    "TranscriberSpec",
    "Transcript",
    "default_registry",
    "default_transcribers",
    "pull_transcriber",
]
