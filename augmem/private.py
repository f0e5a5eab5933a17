"""Owner-only by default: every folder augmem creates is 0700 and every file 0600.

Three things make that hold whatever umask the caller has:

1. `protect_process()` adds 077 to the process umask at every entry point (the CLI, the
   daemon, the TUI, the core, the store). Most of what augmem writes is written by
   libraries that create files with the process umask and no way to pass a mode: LanceDB's
   Rust writer (measured with lancedb 0.40: 0644 files and 0755 folders under umask 022,
   0600 / 0700 under 077), huggingface_hub (it chmods downloads to `0o666 & ~umask`),
   logging's RotatingFileHandler (plain `open`) and soundfile.
2. Explicit modes where augmem creates things itself (`private_dir`, `open_private`,
   `write_private`), so a file is never readable by others, not even for a moment, and
   stays so for a library caller that changed the umask back.
3. `tighten()`: on start, a pass over augmem's own folders (the config folder, the data
   folder and everything below it, the cache folder) that closes what an older augmem or
   another tool left open. It only touches what this user owns, never follows a link,
   and never enters a person's own folders (watched folders, even when placed inside the
   data folder): their notes and photos keep their modes.

Stdlib only: every layer uses it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

DIR_MODE = 0o700
FILE_MODE = 0o600
OPEN_BITS = 0o077
"""Group and other permission bits: none of them may be set on anything augmem keeps."""

_told: set[str] = set()
"""Roots already reported as tightened by this process (said once)."""


def protect_process() -> None:
    """Make files and folders this process creates owner-only (umask |= 077). Idempotent;
    it only ever removes permissions a caller's umask would have granted."""
    old = os.umask(OPEN_BITS)
    os.umask(old | OPEN_BITS)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """mkdir -p `path`; every folder this call creates is 0700 (mkdir's own mode is masked by
    the umask, and `parents=True` does not apply it to the parents at all)."""
    p = Path(path)
    missing = []
    q = p
    while not q.exists():
        missing.append(q)
        if q.parent == q:
            break
        q = q.parent
    p.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for d in missing:
        try:
            os.chmod(d, DIR_MODE)
        except OSError:  # created by another process meanwhile, or a read-only parent
            pass
    return p


def open_private(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> IO[Any]:
    """`open(path, mode)` for writing, created 0600 (an existing file is narrowed to 0600)."""
    flags = os.O_WRONLY | os.O_CREAT
    if "a" in mode:
        flags |= os.O_APPEND
    elif "x" in mode:
        flags |= os.O_EXCL
    else:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Write a whole file, created 0600."""
    if isinstance(data, bytes):
        with open_private(path, "wb") as fh:
            fh.write(data)
    else:
        with open_private(path, "w", encoding=encoding) as fh:
            fh.write(data)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a file's creation or deletion in `folder` durable (a crash right after must not bring
    a forgotten file back, nor lose a clip just recorded); a folder that cannot be opened or
    synced (another filesystem, gone) is left as it is."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_open(st: os.stat_result) -> bool:
    """Whether group or other users have any permission on it."""
    return bool(stat.S_IMODE(st.st_mode) & OPEN_BITS)


def _narrow(p: str, st: os.stat_result) -> bool:
    """Drop group/other bits of one item this user owns; True if its mode changed."""
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid() or not is_open(st):
        return False
    try:  # owner bits kept as they are (a read-only file stays read-only)
        os.chmod(p, stat.S_IMODE(st.st_mode) & ~OPEN_BITS)
    except OSError as exc:  # a read-only mount, a file removed meanwhile
        import logging  # only here: every command imports this module, most never get here

        logging.getLogger(__name__).debug("cannot make %s owner-only: %s", p, exc)
        return False
    return True


def _walk(root: str, skip: frozenset[str]) -> Iterator[tuple[str, os.stat_result]]:
    """(path, lstat) of root and everything below it, links not followed, `skip` not entered."""
    try:
        st = os.lstat(root)
    except OSError:
        return
    yield root, st
    if not stat.S_ISDIR(st.st_mode):
        return
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        if e.path in skip:
            continue
        try:
            est = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(est.st_mode):
            yield from _walk(e.path, skip)
        else:
            yield e.path, est


def tighten_tree(root: str | os.PathLike[str], skip: Iterable[str] = ()) -> list[str]:
    """Make root and everything below it owner-only (links and `skip` folders left alone);
    returns what changed."""
    skipped = frozenset(os.path.abspath(s) for s in skip)
    return [p for p, st in _walk(os.path.abspath(root), skipped) if _narrow(p, st)]


PersonFolders = Iterable[str] | Callable[[], Iterable[str]]
"""A person's own folders (the watched ones), or how to get them (asked only when a walk needs them)."""


def tighten(
    config_dir: Path,
    data_dir: Path,
    cache_dir: Path,
    *,
    config_file: Path | None = None,
    person_folders: PersonFolders = (),
    deep: bool = False,
    extra: Iterable[Path] = (),
) -> list[str]:
    """Close augmem's own folders that are open to other users; returns what changed.

    The config folder is narrowed itself with its config file only (under AUGMEM_HOME it is
    the root that holds the rest; a person may keep other things there). The data and
    cache folders (and `extra` ones: a store folder outside the data folder) are narrowed
    whole. Not `deep`: only the folders themselves and the data
    folder's direct children are looked at (a handful of stats, cheap enough for every
    command), and a folder found open is then walked whole; a closed folder already keeps
    other users out of everything below it. `deep` walks everything (the daemon's start)."""
    changed: list[str] = []
    for p in (config_dir, config_file):
        if p is None:
            continue
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if _narrow(str(p), st):
            changed.append(str(p))
    skip: list[str] | None = None
    for root in (data_dir, cache_dir, *extra):
        if not root.is_dir() or not (deep or _looks_open(root)):
            continue
        if skip is None:
            folders = person_folders() if callable(person_folders) else person_folders
            skip = [os.path.abspath(os.path.expanduser(p)) for p in folders]
        here = os.path.abspath(root)
        if not any(here == s or _inside(here, s) for s in skip):
            changed += tighten_tree(root, skip)
    return changed


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _looks_open(root: Path) -> bool:
    """Whether the folder or one of its direct children is open to other users."""
    try:
        if is_open(os.lstat(root)):
            return True
        for e in os.scandir(root):
            st = e.stat(follow_symlinks=False)
            if not stat.S_ISLNK(st.st_mode) and is_open(st):
                return True
    except OSError:
        return False
    return False


def say_once(changed: list[str]) -> str:
    """The one line that tells a person what was tightened (empty when nothing changed, or
    when this process said it already)."""
    if not changed:
        return ""
    root = os.path.commonpath(changed)
    if root in _told:
        return ""
    _told.add(root)
    n = len(changed)
    return (
        f"augmem: {n} item{'s' if n != 1 else ''} under {root} could be read by other users of this machine; "
        f"made {'them' if n != 1 else 'it'} owner-only (folders 0700, files 0600)"
    )


def secure_home(paths: Any, person_folders: PersonFolders = (), *, deep: bool = False, store_uri: str = "") -> str:
    """Protect the process and tighten augmem's folders of `paths` (augmem.paths.Paths), and a
    local store folder of its own elsewhere; the line to say about it, once (empty when there
    is nothing to say)."""
    protect_process()
    extra = []
    if store_uri and ("://" not in store_uri or store_uri.startswith("file://")):
        store = Path(store_uri.removeprefix("file://")).expanduser().absolute()
        if not _inside(str(store), str(Path(paths.data_dir).absolute())):
            extra.append(store)
    changed = tighten(
        paths.config_dir,
        paths.data_dir,
        paths.cache_dir,
        config_file=paths.config_file,
        person_folders=person_folders,
        deep=deep,
        extra=extra,
    )
    return say_once(changed)
