"""The same commands give the same answers whichever backend answers them: the in-process
core, or a real daemon process over its socket (augmem.contract.Backend on both sides).

Each backend gets one data folder and runs the scenario in file order: ingest (again, and
with --force), recall with filters, status, timeline, forget. The daemon's version once
dropped `--force` on the floor; these tests are what would have caught it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem import codec
from augmem.cli import cli
from augmem.records import Status
from tests.conftest import SAMPLES, write_config
from tests.daemon.proc import DaemonProcess, short_home

NOTES = sorted((SAMPLES / "notes").iterdir())


@dataclass
class World:
    kind: str
    home: Path
    notes: Path
    daemon: DaemonProcess | None = None


@pytest.fixture(scope="module", params=["in-process", "daemon"])
def world(request) -> Iterator[World]:
    home = short_home("augb-")
    notes = home / "notes"
    shutil.copytree(SAMPLES / "notes", notes)
    shutil.copy(SAMPLES / "photos" / "red_apple_on_table.jpg", notes / "apple.jpg")  # pending under minilm
    shutil.copy(SAMPLES / "audio" / "meeting_moved_to_thursday.flac", notes / "memo.flac")  # recalled by its words
    write_config(home, model="minilm", reconcile_minutes=600)
    w = World(request.param, home, notes)
    if request.param == "daemon":
        w.daemon = DaemonProcess(home).start()
    try:
        yield w
    finally:
        if w.daemon is not None:
            w.daemon.terminate()
            w.daemon.cleanup()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def run(world, monkeypatch):
    """`augmem ARGS…` against the world's data folder (the CLI finds the daemon if one is up)."""
    monkeypatch.setenv("AUGMEM_HOME", str(world.home))

    def invoke(*args: str, input: str | None = None) -> str:
        result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def test_ingest_skips_unchanged_and_force_reembeds(world, run):
    first = json.loads(run("ingest", str(world.notes), "--json"))
    assert (first["added"], first["pending"], first["rejected"]) == (len(NOTES), 2, [])
    again = json.loads(run("ingest", str(world.notes), "--json"))
    assert (again["added"], again["updated"], again["skipped"]) == (0, 0, len(NOTES) + 2)
    forced = json.loads(run("ingest", str(world.notes), "--json", "--force"))
    assert (forced["added"], forced["updated"]) == (0, len(NOTES))


def test_a_voice_memo_is_recalled_by_what_was_said(world, run):
    """In process the ingest transcribed it; the daemon does it in the background: wait for it."""
    deadline = time.monotonic() + 300
    while True:
        st = codec.from_json(Status, json.loads(run("status", "--json")))
        if (st.transcripts and st.transcripts.done == 1) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    assert (st.transcripts.done, st.transcripts.found, st.transcripts.waiting) == (1, 1, 0)
    hits = json.loads(run("recall", "when is the finance meeting now", "--json", "-n", "3"))
    assert Path(hits[0]["path"]).name == "memo.flac" and hits[0]["facet"] == "transcript"
    assert "Thursday" in hits[0]["transcript"]


def test_recall_with_filters(world, run):
    hits = json.loads(run("recall", "lentil soup recipe", "--json", "-n", "3"))
    assert Path(hits[0]["path"]).name == "lentil-soup-recipe.md"
    notes_only = json.loads(run("recall", "lentil soup recipe", "--json", "-m", "text", "-s", "notes", "--since", "1w"))
    assert notes_only and {h["modality"] for h in notes_only} == {"text"}
    audio = json.loads(run("recall", "lentil soup recipe", "--json", "-m", "audio"))
    assert [Path(h["path"]).name for h in audio] == ["memo.flac"]  # the only audio memory (transcribed above)
    assert json.loads(run("recall", "lentil soup recipe", "--json", "--until", "2001-01-01")) == []


def test_status_fields(world, run):
    st = codec.from_json(Status, json.loads(run("status", "--json")))
    assert st.model == "minilm" and st.space and st.space.startswith("minilm:")
    assert st.counts.get("text", 0) >= len(NOTES) and st.files == len(NOTES)
    assert st.pending == 2 and st.pending_by_modality == {"image": 1, "audio": 1} and st.rejected == 0
    assert [s.id for s in st.spaces] == [st.space]
    assert (st.daemon is not None) == (world.kind == "daemon")
    text = run("status")
    assert "pending    2" in text and f"{st.counts['text']} text" in text
    assert "transcripts  1 of 1 recordings (1 with speech)" in text


def test_timeline_counts_every_note(world, run, monkeypatch):
    from augmem.backend import open_backend
    from augmem.config import load_settings

    monkeypatch.setenv("AUGMEM_HOME", str(world.home))
    backend = open_backend(load_settings())
    try:
        days = backend.timeline()
        assert sum(c.get("text", 0) for _, c in days) == backend.status().counts["text"]
    finally:
        backend.close()


def test_forget_a_path(world, run):
    soup = world.notes / "lentil-soup-recipe.md"
    out = run("forget", "--path", str(soup), "--yes")
    assert "forgot 1 memory" in out
    hits = json.loads(run("recall", "lentil soup recipe", "--json", "-n", "10"))
    assert str(soup) not in {h["path"] for h in hits}
    st = codec.from_json(Status, json.loads(run("status", "--json")))
    assert st.files == len(NOTES) - 1 and st.sources.get("forgotten") == 1
