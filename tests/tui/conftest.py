"""The TUI is tested the way people use it: the real app, driven by Textual's pilot, over a
real store (the bundled sample notes, photos and sounds ingested by the real core with
the real MiniLM model into LanceDB on disk).

Everything a person sees is made deterministic: a fixed clock (relative times), TZ=UTC,
HOME pointing at the fixture's "user folder" (paths show as ~/notes/...), no cursor blink.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from augmem.config import load_settings
from augmem.paths import Paths
from tests.conftest import SAMPLES

FIXED_NOW = datetime(2026, 7, 22, 10, 0, tzinfo=UTC).timestamp()
"""The app's clock in every TUI test: relative times in snapshots never drift."""

HOUR, DAY = 3600, 86400
NOTE_AGES = {
    "lentil-soup-recipe.md": 2 * HOUR,
    "grocery-list.txt": 5 * HOUR,
    "call-the-dentist.txt": 1 * DAY + 3 * HOUR,
    "2026-04-12-walk-in-the-park.md": 3 * DAY,
    "beach-trip-packing-list.md": 4 * DAY,
    "guitar-chords-practice.md": 6 * DAY,
    "plant-watering-schedule.md": 10 * DAY,
    "bike-flat-tyre-repair.txt": 14 * DAY,
    "2026-06-30-q3-budget-meeting.md": 22 * DAY,
    "book-quote-walden.txt": 45 * DAY,
    "anniversaire-mamie.fr.md": 60 * DAY,
    "2026-02-15-mountain-weekend-journal.md": 157 * DAY,
}
SIZE = (110, 32)


def home_paths(root: Path) -> Paths:
    return Paths(config_dir=root, data_dir=root / "data", cache_dir=root / "cache")


def settings_for(root: Path):
    """Settings of one augmem home (minilm, augmem's own plugins only)."""
    os.environ["AUGMEM_LOAD_PLUGINS"] = ""
    return load_settings(home_paths(root))


@pytest.fixture(scope="session", autouse=True)
def utc_everywhere():
    """Dates in snapshots are computed in UTC, whatever the machine's zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(scope="session")
def user_dir(tmp_path_factory, utc_everywhere) -> Path:
    """A person's folder: the sample notes, photos and sounds with fixed capture times,
    and a template augmem home where the core has ingested them."""
    root = tmp_path_factory.mktemp("user")
    for kind in ("notes", "photos", "audio"):
        shutil.copytree(SAMPLES / kind, root / kind)
    for name, age in NOTE_AGES.items():
        os.utime(root / "notes" / name, (FIXED_NOW - age, FIXED_NOW - age))
    for i, f in enumerate(sorted((root / "audio").iterdir())):
        t = FIXED_NOW - (i + 1) * 2 * DAY
        os.utime(f, (t, t))
    t = FIXED_NOW - 30 * DAY
    for f in (root / "photos").iterdir():
        os.utime(f, (t, t))
    home = root / "augmem"
    home.mkdir()
    (home / "config.toml").write_text('model = "minilm"\n')

    from augmem.core import Augmem

    core = Augmem(settings_for(home))
    report = core.ingest([root / "notes", root / "photos", root / "audio"])
    assert report.rejected == [], report.rejected
    core.close()
    return root


@pytest.fixture
def daemon(user_dir):
    """A real daemon process on a copy of the user's data folder (its socket needs a short path)."""
    from tests.daemon.proc import DaemonProcess, short_home

    home = short_home("augtui-")
    shutil.rmtree(home)
    shutil.copytree(user_dir / "augmem", home)
    proc = DaemonProcess(home)
    try:
        yield proc.start(wait=240)
    finally:
        if proc.proc is not None:
            proc.terminate()
        proc.cleanup()


@pytest.fixture(scope="session")
def shared_core(user_dir):
    """One warm in-process core over the template store, for tests that only read."""
    from augmem.core import Augmem

    core = Augmem(settings_for(user_dir / "augmem"))
    core.embedder()
    yield core
    core.close()


@pytest.fixture
def fresh_core(user_dir, tmp_path):
    """A core over a private copy of the template store, for tests that change it."""
    from augmem.core import Augmem

    home = user_dir / f"augmem-{tmp_path.name}"
    shutil.copytree(user_dir / "augmem", home)
    core = Augmem(settings_for(home))
    yield core
    core.close()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def person_home(user_dir, monkeypatch) -> Path:
    """HOME = the fixture's user folder, so paths read ~/notes/... in every snapshot."""
    monkeypatch.setenv("HOME", str(user_dir))
    return user_dir


@pytest.fixture
def make_tui(shared_core) -> Callable:
    """The real app (same factory as `augmem tui`) with a fixed clock and no blink."""
    from augmem.tui.app import make_app

    def factory(backend=None, **kwargs):
        kwargs.setdefault("now", FIXED_NOW)
        kwargs.setdefault("cursor_blink", False)
        kwargs.setdefault("show_timings", False)
        return make_app(backend or shared_core, shared_core.settings if backend is None else backend.settings, **kwargs)

    return factory


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
    """Let the app run until `predicate()` holds (workers answer in their own time)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            notes = [n.message for n in pilot.app._notifications]
            raise AssertionError(f"timed out waiting for {what or predicate}; notifications: {notes}")
        await pilot.pause(0.05)
    await pilot.pause()


async def settle(pilot) -> None:
    """Wait until the recall screen shows the answer to the newest recall it sent."""
    screen = pilot.app.screen
    await wait_for(
        pilot,
        lambda: screen._debounce is None and screen.shown_generation == screen.generation,
        what="the newest recall",
    )
    # the preview scrolls to the matching passage after a refresh: let that land too
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()


async def type_query(pilot, text: str) -> None:
    """Type like a person (one key at a time), then wait for the results of the whole text."""
    await pilot.press(*text)
    await settle(pilot)
