"""A real daemon process (`python -m augmem daemon run`) on a temporary data folder:
watched notes become recallable, the socket is owner-only, one daemon per folder,
microphone clips from a real (WAV-backed) ALSA capture device land as files and store
rows, pause stops capture, SIGTERM shuts down cleanly.

These tests share one daemon (starting one loads the model) and run in file order.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from augmem import codec
from augmem.records import Status
from tests.daemon.proc import ROOT, DaemonProcess, short_home, wait_for, write_config
from tests.daemon.wavmic import DEVICE, WavMic, speech_wav


@pytest.fixture(scope="module")
def world():
    home = short_home()
    notes = home / "notes"
    notes.mkdir()
    (notes / "seed.md").write_text("A note that was there before the daemon started: buy oat milk.\n")
    mic = WavMic(home / "mic", speech_wav(home / "speech.wav"), lead=1.5, gap=3.0).start()
    write_config(
        home,
        model="minilm",
        watch=[{"path": str(notes), "kind": "notes"}],
        mic_enabled=True,
        mic_device=DEVICE,
        mic_min_clip_seconds=1.0,
        mic_max_clip_seconds=20.0,
    )
    d = DaemonProcess(home, **mic.env)
    try:
        d.start()
        yield d, notes, mic
    finally:
        d.cleanup()
        mic.stop()


def _recall_paths(client, query, limit=10):
    return [h.path for h in client.recall(query, limit=limit).hits]


def test_note_written_to_watched_folder_becomes_recallable(world):
    d, notes, _ = world
    with d.client() as c:
        # the startup reconcile picked up the note that was already there
        wait_for(lambda: str(notes / "seed.md") in _recall_paths(c, "oat milk"), 180, what="startup reconcile")
        note = notes / "kayak.md"
        note.write_text("Rented a red kayak at the lake and paddled to the small island.\n")
        found = wait_for(lambda: str(note) in _recall_paths(c, "kayak trip on the lake"), 60, what="watched note")
        assert found
        result = c.recall("kayak trip on the lake", limit=1)
        assert result.hits[0].path == str(note)
        assert result.space.startswith("minilm:")


def test_editor_temp_files_are_ignored_and_deletions_forgotten(world):
    d, notes, _ = world
    with d.client() as c:
        (notes / ".hidden.md").write_text("secret hidden kayak note")
        (notes / "draft.md.swp").write_text("swap")
        (notes / "4913").write_text("")
        gone = notes / "temporary.md"
        gone.write_text("A short-lived note about glacier hiking boots.\n")
        wait_for(lambda: str(gone) in _recall_paths(c, "glacier hiking boots"), 60, what="short-lived note")
        gone.unlink()
        wait_for(lambda: str(gone) not in _recall_paths(c, "glacier hiking boots"), 60, what="deletion forgotten")
        paths = _recall_paths(c, "secret hidden kayak note", limit=50)
        assert not any(Path(p).name.startswith(".") or p.endswith(".swp") for p in paths)


def test_recall_through_the_daemon_does_not_import_torch(world):
    d, _, _ = world
    code = (
        "import sys, json\n"
        "from augmem.cli import cli\n"
        "try:\n"
        "    cli(['recall', 'kayak', '--json'], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = [m for m in ('torch', 'lancedb', 'transformers', 'augmem.ingest.pipeline', 'augmem.store.lance')"
        " if m in sys.modules]\n"
        "    print('HEAVY=' + json.dumps(heavy))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=d.env, capture_output=True, text=True, timeout=120, cwd=str(ROOT)
    )
    assert r.returncode == 0, r.stderr
    assert "kayak.md" in r.stdout
    heavy = json.loads(r.stdout.rsplit("HEAVY=", 1)[1])
    assert heavy == [], f"a recall answered by the daemon imported {heavy}"


def test_socket_is_owner_only(world):
    d, _, _ = world
    assert stat.S_ISSOCK(d.socket.stat().st_mode)
    assert stat.S_IMODE(d.socket.stat().st_mode) == 0o600
    assert stat.S_IMODE(d.run_dir.stat().st_mode) == 0o700


def test_second_daemon_on_the_same_folder_refuses(world):
    d, _, _ = world
    r = d.cli("daemon", "run", timeout=120)
    assert r.returncode != 0
    assert f"pid {d.proc.pid}" in r.stderr
    assert str(d.home / "data") in r.stderr
    assert "already running" in r.stderr
    # and `start` says the same without spawning anything
    r = d.cli("daemon", "start", timeout=60)
    assert r.returncode != 0 and f"pid {d.proc.pid}" in r.stderr


def _clips(d: DaemonProcess) -> list[Path]:
    return sorted((d.home / "data" / "clips").rglob("*.flac"))


def test_mic_clips_land_as_files_and_rows(world):
    d, _, _mic = world
    wait_for(lambda: len(_clips(d)) >= 2, 60, what="two microphone clips")
    clips = _clips(d)
    import soundfile

    for clip in clips[:2]:
        info = soundfile.info(clip)
        assert info.samplerate == 32000 and info.channels == 1 and info.format == "FLAC"
        clip_len_s = info.frames / info.samplerate  # audio length, not a timing
        assert 2.0 < clip_len_s < 8.0  # ~3 s of speech plus preroll/hangover, not the silence
    from augmem.store import MemoryStore

    store = MemoryStore(d.settings().effective_store_uri)

    def ledgered():
        rows = store.get_sources([str(p) for p in clips[:2]])
        return len(rows) == 2 and all(r.source == "mic" for r in rows.values()) and rows

    rows = wait_for(ledgered, 60, what="mic clips in the store")
    # minilm is text-only: the clips are stored as pending memories until an audio model is active
    assert {r.modality for r in rows.values()} == {"audio"}
    with d.client() as c:
        cap = c.status().capture
    assert cap.state == "listening" and cap.device == DEVICE and cap.clips >= 2


def test_pause_stops_capture_and_resume_restarts_it(world):
    d, _, mic = world
    with d.client() as c:
        info = c.pause()
        assert info.state == "paused"
        time.sleep(1.0)  # a clip being written when the pause came still lands
        before = len(_clips(d))
        time.sleep(mic.program_seconds + 2)  # the speech plays at least once more in the room
        assert len(_clips(d)) == before
        st = c.status().capture
        assert st.state == "paused"
        persisted = json.loads((d.run_dir / "capture.json").read_text())
        assert persisted["paused"] is True
        # `augmem daemon status` shows it too
        r = d.cli("daemon", "status", timeout=60)
        assert "capture    paused" in r.stdout, r.stdout + r.stderr
        assert c.resume().state == "listening"
        wait_for(lambda: len(_clips(d)) > before, 3 * mic.program_seconds, what="a clip after resume")


def test_daemon_status_command(world):
    d, notes, _ = world
    r = d.cli("daemon", "status", "--json", timeout=60)
    assert r.returncode == 0, r.stderr
    st = codec.from_json(Status, json.loads(r.stdout))  # the JSON is the typed record, field by field
    assert st.daemon.up and st.daemon.pid == d.proc.pid
    assert st.daemon.watching == {str(notes): "notes"}
    assert st.capture.state == "listening"
    assert st.migration.left == 0
    assert st.daemon.jobs["reconcile"].runs >= 1


def test_watch_add_while_running_takes_effect_at_once(world):
    d, _, _ = world
    trips = d.home / "trips"
    trips.mkdir()
    note = trips / "lisbon.md"
    note.write_text("Tram 28 through Alfama, then custard tarts in Belem.\n")
    r = d.cli("watch", "add", str(trips), timeout=60)
    assert r.returncode == 0 and "the daemon picked it up" in r.stdout, r.stdout + r.stderr
    with d.client() as c:
        assert str(trips) in c.status().daemon.watching
        wait_for(lambda: str(note) in _recall_paths(c, "custard tarts in Lisbon"), 60, what="reconciled new folder")
        later = trips / "porto.md"
        later.write_text("Port wine cellars across the river in Gaia.\n")
        wait_for(lambda: str(later) in _recall_paths(c, "port wine cellars"), 60, what="watched new folder")


def test_sigterm_shuts_down_cleanly(world):
    d, _, _ = world
    from augmem.daemon.lock import is_locked

    assert is_locked(d.run_dir / "daemon.lock")
    assert d.terminate(timeout=120) == 0
    assert not is_locked(d.run_dir / "daemon.lock")
    assert not d.socket.exists()
    log = (d.run_dir / "daemon.log").read_text()
    assert "SIGTERM received" in log and "daemon stopped" in log
    assert "Traceback" not in log
    assert json.loads((d.run_dir / "capture.json").read_text())["state"] == "off"
