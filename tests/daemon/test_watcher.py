"""Folder watchers on a real file system (watchdog/inotify): editors' save storms settle
into one change per file, temp and hidden files are ignored, deletions are reported."""

from __future__ import annotations

import os
import queue
import shutil
import time
from pathlib import Path

import pytest

from augmem.daemon.watcher import FolderWatcher, ignored


@pytest.mark.parametrize(
    "name",
    [
        ".hidden.md",
        "notes.md~",
        ".notes.md.swp",
        "notes.md.swp",
        "x.tmp",
        "video.mp4.part",
        "file.crdownload",
        "4913",
        ".#notes.md",
        "#notes.md#",
        ".git/config.md",
        "sub/.cache/a.md",
    ],
)
def test_temp_hidden_and_swap_files_are_ignored(tmp_path, name):
    assert ignored(str(tmp_path / name), str(tmp_path))


def test_ordinary_files_and_excludes(tmp_path):
    assert not ignored(str(tmp_path / "notes.md"), str(tmp_path))
    assert not ignored(str(tmp_path / "sub" / "photo.jpg"), str(tmp_path))
    assert ignored(str(tmp_path / "sub" / "photo.jpg"), str(tmp_path), ["*.jpg"])
    assert ignored(str(tmp_path / "private" / "a.md"), str(tmp_path), [str(tmp_path / "private") + "/*"])
    # a watched folder that is itself below a hidden folder still works
    hidden_root = tmp_path / ".config" / "notes"
    assert not ignored(str(hidden_root / "a.md"), str(hidden_root))


@pytest.fixture
def watched(tmp_path):
    out: queue.Queue = queue.Queue()
    w = FolderWatcher(out.put, debounce=0.4)
    w.start()
    w.set_folders([(str(tmp_path), "notes")])
    time.sleep(0.2)
    yield tmp_path, out, w
    w.stop()


def collect(out: queue.Queue, quiet: float = 1.5, limit: float = 10.0) -> list:
    """All settled changes until nothing arrives for `quiet` seconds."""
    got, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            got += out.get(timeout=quiet)
        except queue.Empty:
            break
    return got


def test_a_vim_style_save_storm_settles_into_one_change(watched):
    root, out, _ = watched
    note = root / "notes.md"
    note.write_text("v1")
    collect(out)
    # vim: probe file 4913, swap file, rename the original to a backup, write anew, drop the backup
    (root / "4913").write_text("")
    (root / "4913").unlink()
    (root / ".notes.md.swp").write_text("swap")
    os.rename(note, root / "notes.md~")
    for i in range(20):
        with open(note, "a") as fh:
            fh.write(f"line {i}\n")
        time.sleep(0.01)
    (root / "notes.md~").unlink()
    (root / ".notes.md.swp").unlink()
    changes = collect(out)
    assert [c.path for c in changes] == [str(note)]
    assert not changes[0].gone and not changes[0].is_dir and changes[0].kind == "notes"


def test_changes_arrive_after_the_debounce_not_before(watched):
    root, out, _ = watched
    t0 = time.monotonic()
    (root / "a.md").write_text("a")
    first = out.get(timeout=10)
    assert time.monotonic() - t0 >= 0.4
    assert [c.path for c in first] == [str(root / "a.md")]


def test_deleted_and_moved_files_and_new_folders(watched):
    root, out, _ = watched
    (root / "keep.md").write_text("keep")
    (root / "gone.md").write_text("gone")
    collect(out)
    (root / "gone.md").unlink()
    os.rename(root / "keep.md", root / "kept.md")
    outside = root.parent / f"{root.name}-outside"
    (outside / "trip").mkdir(parents=True)
    (outside / "trip" / "day1.md").write_text("day one")
    shutil.move(str(outside / "trip"), str(root / "trip"))  # a folder moved in: no events for its files
    changes = {Path(c.path).name: c for c in collect(out)}
    assert changes["gone.md"].gone
    assert changes["keep.md"].gone and not changes["kept.md"].gone
    assert changes["trip"].is_dir and not changes["trip"].gone


def test_unwatchable_folders_are_reported_not_fatal(tmp_path):
    w = FolderWatcher(lambda batch: None)
    w.start()
    try:
        w.set_folders([(str(tmp_path / "missing"), "auto"), (str(tmp_path), "auto")])
        assert "missing" in next(iter(w.errors))
        assert w.folders == {str(tmp_path): "auto"}
        w.set_folders([])
        assert w.folders == {}
    finally:
        w.stop()
