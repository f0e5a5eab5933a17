"""Private by default: whatever the caller's umask, every folder augmem creates is 0700 and
every file 0600 (store files written by LanceDB, the config, the daemon's log, lock, socket
and state, microphone clips, downloads), an existing folder left open is tightened (and
said once), and another user of the machine (`nobody`) can neither list nor read anything
under the data folder, while a person's own files keep the modes they had.

Real parts throughout: the CLI and the daemon as subprocesses, the real LanceDB store, the
real MiniLM model, a real PortAudio capture device backed by a WAV file (tests/daemon/wavmic.py).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.daemon.proc import ROOT, DaemonProcess, env_for, wait_for, whisper_base, write_config


def loose_files(root: Path) -> list[str]:
    """Everything under root (links not followed) that group or others may touch."""
    out = []
    for dirpath, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(dirpath) / name
            st = p.lstat()
            if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                out.append(f"{p} {oct(stat.S_IMODE(st.st_mode))}")
    st = root.lstat()
    if stat.S_IMODE(st.st_mode) & 0o077:
        out.append(f"{root} {oct(stat.S_IMODE(st.st_mode))}")
    return out


def augmem_cli(home: Path, *args: str, umask: int = 0o000, **env: str) -> subprocess.CompletedProcess:
    """`python -m augmem ARGS` as a person with a careless umask would run it."""
    return subprocess.run(
        [sys.executable, "-m", "augmem", *args],
        env=env_for(home, **env),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(ROOT),
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.fixture
def machine():
    """A machine-like layout other users can walk: /tmp/X (0755) holding a person's folder with
    their own notes (0755 / 0644, as people have them) and an augmem home, Whisper base linked in."""
    base = Path(tempfile.mkdtemp(prefix="augpriv-", dir="/tmp"))
    os.chmod(base, 0o755)
    person = base / "person"
    person.mkdir(mode=0o755)
    os.chmod(person, 0o755)
    note = person / "diary.md"
    note.write_text("Told nobody about the surprise party for Ines on Saturday at the boathouse.\n")
    os.chmod(note, 0o644)
    home = base / "home"
    home.mkdir()
    os.chmod(home, 0o755)
    models = home / "data" / "models"
    models.mkdir(parents=True)
    (models / "whisper-base").symlink_to(whisper_base(), target_is_directory=True)
    for d in (home / "data", models):
        os.chmod(d, 0o755)
    try:
        yield base, person, home
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_ingest_and_config_writes_are_owner_only_under_umask_000(machine):
    _, person, home = machine
    shutil.copy(SAMPLES / "audio" / "reminder_buy_milk_and_eggs.wav", person / "memo.wav")
    os.chmod(person / "memo.wav", 0o644)
    write_config(home, model="minilm")
    os.chmod(home / "config.toml", 0o666)
    r = augmem_cli(home, "ingest", str(person))
    assert r.returncode == 0, r.stderr
    assert "added 1" in r.stdout and "pending 1" in r.stdout  # the memo waits for an audio model
    r = augmem_cli(home, "watch", "add", str(person))  # rewrites the config file
    assert r.returncode == 0, r.stderr
    r = augmem_cli(home, "daemon", "pause")  # the capture state file
    assert r.returncode == 0, r.stderr
    assert (home / "data" / "store").is_dir() and any((home / "data" / "store").rglob("*.lance"))
    assert (home / "data" / "run" / "capture.json").exists()
    assert loose_files(home) == []
    # the person's own files are theirs: never tightened, never moved
    assert stat.S_IMODE((person / "diary.md").stat().st_mode) == 0o644
    assert stat.S_IMODE(person.stat().st_mode) == 0o755


def test_an_open_folder_left_behind_is_tightened_and_said_once(machine):
    _, person, home = machine
    write_config(home, model="minilm", watch=[{"path": str(person), "kind": "notes"}])
    r = augmem_cli(home, "ingest", str(person), umask=0o077)
    assert r.returncode == 0, r.stderr
    # an older augmem (or a backup restore) left everything world-readable
    for dirpath, dirs, files in os.walk(home):
        for d in dirs:
            if not (Path(dirpath) / d).is_symlink():
                os.chmod(Path(dirpath) / d, 0o755)
        for f in files:
            os.chmod(Path(dirpath) / f, 0o644)
    os.chmod(home, 0o755)
    link = home / "data" / "diary-link.md"  # a link to a person's file: the file is not augmem's
    link.symlink_to(person / "diary.md")
    assert loose_files(home)
    r = augmem_cli(home, "status", umask=0o022)
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "owner-only" in ln]
    assert len(said) == 1 and "could be read by other users" in said[0], r.stderr
    assert loose_files(home) == []
    assert stat.S_IMODE((person / "diary.md").stat().st_mode) == 0o644
    r = augmem_cli(home, "status", umask=0o022)
    assert r.returncode == 0 and "owner-only" not in r.stderr, r.stderr


def test_models_pull_writes_owner_only_files(augmem_home, monkeypatch):
    """`models pull` through huggingface_hub, the network replaced at its lowest layer: the
    fake downloader writes the way the hub does (a 0644 file and a `.cache/huggingface`
    folder under local_dir, whatever the umask)."""
    import huggingface_hub
    from click.testing import CliRunner

    from augmem.cli import cli

    def fake_download(repo_id, filename, local_dir, **kwargs):
        cache = Path(local_dir) / ".cache" / "huggingface" / "download"
        cache.mkdir(parents=True, exist_ok=True)
        os.chmod(cache, 0o755)
        (cache / f"{filename}.metadata").write_text("etag\n")
        os.chmod(cache / f"{filename}.metadata", 0o644)
        out = Path(local_dir) / filename
        out.write_bytes(b"weights")
        os.chmod(out, 0o644)
        return str(out)

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(cli, ["models", "pull", "aist-87m"])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    got = augmem_home / "data" / "models" / "AIST-87M.safetensors"
    assert got.read_bytes() == b"weights"
    assert loose_files(augmem_home / "data" / "models") == []


def _as_nobody(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "nobody", "--", *argv], capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_a_daemon_with_mic_capture_leaves_nothing_another_user_can_read(machine):
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and runuser to act as the user `nobody` (CI runs as root)")
    from tests.daemon.wavmic import DEVICE, WavMic, speech_wav

    base, person, home = machine
    mic = WavMic(base / "mic", speech_wav(base / "speech.wav"), lead=1.0, gap=2.0).start()
    write_config(
        home,
        model="minilm",
        watch=[{"path": str(person), "kind": "notes"}],
        mic_enabled=True,
        mic_device=DEVICE,
        mic_min_clip_seconds=1.0,
        mic_max_clip_seconds=20.0,
    )
    d = DaemonProcess(home, **mic.env)
    old = os.umask(0o000)  # the daemon inherits the most careless umask there is
    try:
        d.start()
        os.umask(old)
        from augmem.store import MemoryStore

        store = MemoryStore(d.settings().effective_store_uri)
        clips = home / "data" / "clips"

        def clip_stored():
            found = sorted(clips.rglob("*.flac"))
            return store.get_sources([str(p) for p in found]) if found else {}

        # one at a time, so that a timeout says which of them never came
        wait_for(lambda: str(person / "diary.md") in store.get_sources(), 120, what="the note in the store")
        wait_for(clip_stored, 180, what="a microphone clip in the store")
        with d.client() as c:
            c.status()
        assert d.terminate() == 0
    finally:
        os.umask(old)
        mic.stop()
        if d.proc is not None:
            d.cleanup()
    (home / "daemon-test.out").unlink()  # the test's own record of the daemon's output, not augmem's
    assert loose_files(home) == []
    data = home / "data"
    files = [p for p in data.rglob("*") if p.is_file() and not p.is_symlink() and "whisper-base" not in p.parts]
    folders = [data, *(p for p in data.rglob("*") if p.is_dir() and not p.is_symlink())]
    assert any(p.suffix == ".flac" for p in files) and any(p.name == "daemon.log" for p in files)
    assert any(p.suffix == ".lance" for p in files)
    # control: nobody can reach the person's own note (so every refusal below is augmem's doing)
    r = _as_nobody("cat", str(person / "diary.md"))
    assert r.returncode == 0 and "surprise party" in r.stdout, r.stderr
    for folder in [home, *folders[:20]]:
        r = _as_nobody("ls", str(folder))
        assert r.returncode != 0 and "Permission denied" in r.stderr, (folder, r.stdout, r.stderr)
    for f in [p for p in files if p.suffix in (".flac", ".lance", ".log", ".json", ".txn", ".manifest")][:30]:
        r = _as_nobody("cat", str(f))
        assert r.returncode != 0 and "Permission denied" in r.stderr, (f, r.stderr)
    r = _as_nobody("find", str(home))
    assert r.stdout.strip() == str(home)  # the home itself, and nothing below it
