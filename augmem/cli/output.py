"""Plain-text tables for the terminal (the humanising itself is augmem.humanize)."""

from __future__ import annotations


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = (
        [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
        if rows
        else [len(h) for h in headers]
    )

    def line(r: list[str]) -> str:
        return "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
