"""The disk says no, and nothing is lost: a data folder on a small tmpfs that fills up during an
ingest gives one clear line (no traceback), shows nothing half-written to recall, and the
ingest goes through once space is back; a store the process cannot write still answers
recall, and ingest / forget say plainly that it is read-only.

Real parts: the CLI as a subprocess, LanceDB, MiniLM. Mounting needs root (CI runs as root);
elsewhere the tmpfs test skips saying so, and the read-only store is made with chmod instead
of a read-only bind mount (root ignores file modes, so as root it must be a mount).
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.daemon.proc import ROOT, env_for, whisper_base, write_config


def augmem(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "augmem", *args],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(ROOT),
    )


def write_notes(folder: Path, prefix: str, n: int, words: int = 300) -> list[Path]:
    rng = random.Random(prefix)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"{prefix}{i:02d}.md"
        p.write_text(" ".join("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(words)) + "\n")
        out.append(p)
    return out


def one_error_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr
    return errors[0]


@pytest.fixture
def small_disk(tmp_path):
    """AUGMEM_HOME whose data folder is a 64 MiB tmpfs (Whisper base linked in, as everywhere)."""
    home = tmp_path / "home"
    data = home / "data"
    data.mkdir(parents=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(data)], capture_output=True, text=True
    )
    if r.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({r.stderr.strip() or 'mount failed'}); the disk-full test "
            "needs root (CI runs the suite as root)"
        )
    try:
        (data / "models").mkdir()
        (data / "models" / "whisper-base").symlink_to(whisper_base(), target_is_directory=True)
        write_config(home, model="minilm")
        yield home
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_during_ingest_says_so_and_loses_nothing(small_disk, tmp_path):
    from augmem.store import MemoryStore

    home = small_disk
    data = home / "data"
    first = write_notes(tmp_path / "first", "a", 20)
    second = write_notes(tmp_path / "second", "b", 40)
    r = augmem(home, "ingest", str(tmp_path / "first"))
    assert r.returncode == 0 and "added 20" in r.stdout, r.stderr
    # fill the disk, leaving less than one batch of rows needs
    st = os.statvfs(data)
    ballast = data / "ballast"
    with open(ballast, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, st.f_bavail * st.f_frsize - 100_000)
    r = augmem(home, "ingest", str(tmp_path / "second"))
    line = one_error_line(r)
    assert "disk the store is on is full" in line, line
    assert "what was stored before is complete" in r.stderr
    # recall still answers, and shows only whole memories: every note it has, it has every chunk of
    r = augmem(home, "recall", "lowercase words", "--json", "-n", "100")
    assert r.returncode == 0, r.stderr
    assert {h["path"] for h in json.loads(r.stdout)} & {str(p) for p in first}
    store = MemoryStore(str(data / "store"))
    (space,) = store.spaces()
    rows = store.scan(store.space_table(space), ["id", "path", "chunk_start", "chunk_end"]).to_pylist()
    for p in {row["path"] for row in rows}:
        spans = sorted((row["chunk_start"], row["chunk_end"]) for row in rows if row["path"] == p)
        assert spans[0][0] == 0 and spans[-1][1] == len(Path(p).read_text()), (p, spans)
    assert not {row["path"] for row in rows} >= {str(p) for p in second}  # the full disk did stop it
    # space comes back: the same ingest puts everything in, each row once
    ballast.unlink()
    r = augmem(home, "ingest", str(tmp_path / "second"))
    assert r.returncode == 0, r.stderr
    rows = store.scan(store.space_table(space), ["id", "path"]).to_pylist()
    assert {row["path"] for row in rows} == {str(p) for p in first + second}
    assert set(Counter(row["id"] for row in rows).values()) == {1}
    ledger = store.get_sources()
    assert sum(r.status == "ok" for r in ledger.values()) == 60


@pytest.fixture
def read_only_store(augmem_home, tmp_path):
    """An ingested store made unwritable: a read-only bind mount as root (root ignores modes),
    `chmod -R a-w` otherwise."""
    write_config(augmem_home, model="minilm")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "kayak.md").write_text("Rented a red kayak at the lake and paddled to the small island.\n")
    r = augmem(augmem_home, "ingest", str(notes))
    assert r.returncode == 0, r.stderr
    store = augmem_home / "data" / "store"
    if os.geteuid() == 0:
        r = subprocess.run(["mount", "--bind", str(store), str(store)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(
                f"cannot bind-mount the store read-only here ({r.stderr.strip()}); as root only a "
                "read-only mount keeps a process from writing (CI runs as root, where this works)"
            )
        subprocess.run(["mount", "-o", "remount,bind,ro", str(store)], check=True)
        undo = ["umount", str(store)]
    else:
        subprocess.run(["chmod", "-R", "a-w", str(store)], check=True)
        undo = ["chmod", "-R", "u+w", str(store)]
    try:
        yield augmem_home, notes, lambda: subprocess.run(undo, check=True)
    finally:
        subprocess.run(undo, capture_output=True)


def test_a_read_only_store_still_answers_recall(read_only_store):
    home, notes, make_writable = read_only_store
    r = augmem(home, "recall", "kayak trip on the lake", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["path"] == str(notes / "kayak.md")
    r = augmem(home, "status")
    assert r.returncode == 0 and "1 text" in r.stdout, r.stderr
    (notes / "island.md").write_text("The small island has a picnic table and a rope swing.\n")
    line = one_error_line(augmem(home, "ingest", str(notes)))
    assert "the store is read-only here" in line, line
    r = augmem(home, "forget", "--path", str(notes / "kayak.md"), "--yes")
    line = one_error_line(r)
    assert "the store is read-only here" in line, line
    assert "this forget is written down and finishes by itself" in r.stderr
    r = augmem(home, "recall", "kayak trip on the lake", "--json")  # nothing was lost either
    assert r.returncode == 0 and json.loads(r.stdout)[0]["path"] == str(notes / "kayak.md")
    # writable again: the next ingest first finishes the forget that was asked for
    make_writable()
    r = augmem(home, "ingest", str(notes))
    assert r.returncode == 0 and "added 1" in r.stdout, r.stdout + r.stderr
    assert not (home / "data" / "run" / "forgetting.json").exists()
    r = augmem(home, "recall", "kayak trip on the lake", "--json")
    assert str(notes / "kayak.md") not in {h["path"] for h in json.loads(r.stdout)}
    store = home / "data" / "store"
    assert not [p for p in store.rglob("*") if p.is_file() and b"red kayak at the lake" in p.read_bytes()]
