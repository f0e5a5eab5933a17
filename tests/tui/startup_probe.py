"""Run by test_startup.py in a fresh interpreter (other tests' imports must not leak into
sys.modules): start the real app like `augmem tui` does, and report when torch arrives."""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def main(query: str) -> dict:
    from augmem.config import load_settings
    from augmem.tui.app import make_app

    report: dict = {"imported_at_start": sorted(m for m in ("torch", "transformers", "lancedb") if m in sys.modules)}
    app = make_app(settings=load_settings(), cursor_blink=False)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        report["backend"] = type(app.backend).__name__
        deadline = time.monotonic() + 120
        while app.model_name == "" and time.monotonic() < deadline:  # the startup status() ran
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        report["torch_after_start"] = "torch" in sys.modules
        report["badge"] = app.backend_label
        await pilot.press(*query)
        screen = app.screen
        deadline = time.monotonic() + 180
        while (
            not (
                screen._debounce is None
                and screen.shown_generation == screen.generation
                and screen.query_one("#results").hits
            )
            and time.monotonic() < deadline
        ):
            await pilot.pause(0.05)
        report["torch_after_query"] = "torch" in sys.modules
        hits = screen.query_one("#results").hits
        report["first_result"] = hits[0].path if hits else None
    return report


if __name__ == "__main__":
    print("PROBE " + json.dumps(asyncio.run(main(sys.argv[1]))))
