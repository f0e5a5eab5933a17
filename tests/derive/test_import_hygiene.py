"""Importing augmem.derive and building its registry loads no model library: the daemon
and CLI may list transcribers without paying for faster-whisper, Tesseract or torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_registry_is_built_without_importing_engines():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from augmem.derive import default_registry; import augmem.derive.ocr;"
        "names = default_registry().names();"
        "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'onnxruntime', 'tesserocr', 'torch', 'av')"
        " if m in sys.modules];"
        "print(','.join(names)); print(','.join(heavy) or 'none')"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    names, heavy = out.stdout.split()
    assert names.startswith("whisper-base,") and heavy == "none"
