"""An audio waveform drawn with braille dots (2×4 dots per cell), mirrored about the middle."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

# Dot bits of a braille cell, by (column, row): rows go down 0..3.
_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def braille_wave(peaks: Any, width: int, height: int) -> list[str]:
    """`height` lines of `width` braille cells drawing `peaks` (values in [0, 1])."""
    import numpy as np  # imported on first use: the first frame must not wait for numpy

    if width <= 0 or height <= 0:
        return []
    cols, rows = width * 2, height * 4
    peaks = np.asarray(peaks, dtype=np.float32)
    if len(peaks) == 0:
        levels = np.zeros(cols, dtype=np.float32)
    else:
        # max-pool (or repeat) the envelope onto the dot columns
        edges = np.linspace(0, len(peaks), cols + 1)
        levels = np.array(
            [peaks[int(a) : max(int(np.ceil(b)), int(a) + 1)].max() for a, b in pairwise(edges)],
            dtype=np.float32,
        )
    center = (rows - 1) / 2
    half = np.maximum(levels * rows / 2, 0.5)  # silence still draws a flat line
    cells = np.zeros((height, width), dtype=np.int32)
    r = np.arange(rows)[:, None]
    on = np.abs(r - center) <= half[None, :]  # (rows, cols)
    for dr in range(4):
        for dc in range(2):
            cells |= np.where(on[dr::4, dc::2], _BITS[dc][dr], 0)
    return ["".join(chr(0x2800 + int(v)) for v in line) for line in cells]


class Waveform(Widget):
    """The envelope of a sound; `peaks` is set once the file is read in a worker."""

    peaks: reactive[Any] = reactive(None, always_update=True)

    def render(self) -> Content:
        if self.peaks is None:
            return Content.from_markup("[$text-muted]reading…[/]")
        lines = braille_wave(self.peaks, self.content_size.width, self.content_size.height)
        return Content("\n".join(lines))
