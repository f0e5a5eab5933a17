"""Forgetting, so that nothing of it is left: which files a forget by time takes, deleting
the ones augmem captured itself, and a journal that finishes a forget after a crash.

A forget of source files, in order:

1. the journal (`<data>/run/forgetting.json`, 0600; one per store) records the paths and the ledger rows that
   must stay behind as "forgotten" (a person's files still on disk: they must not come
   back at the next reconcile);
2. files augmem captured itself (microphone clips in `<data>/clips/`, capture sources' files
   in `<data>/captures/`) are deleted from disk, before their rows, so a crash can never
   leave a clip on disk that the next reconcile would ingest again;
3. every row of those paths goes, in every space, with their ledger rows and the derived
   text cached for their content; the "forgotten" rows are written back;
4. the store is purged (fragments rewritten, indices rebuilt, old versions dropped);
5. the journal goes.

A process killed anywhere in 2-4 leaves the journal; the next start (`resume`) runs 2-5 again
from it. Every step is idempotent, so it ends exactly as asked.

A person's own files are never deleted, only forgotten: they stay forgotten until their
content changes (then they are memories again, as with a forget by path).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from augmem.errors import AugmemError
from augmem.private import fsync_dir, private_dir, write_private
from augmem.records import Filters, ForgetItem, ForgetPlan, SourceRow

if TYPE_CHECKING:
    from augmem.paths import Paths
    from augmem.store import MemoryStore

log = logging.getLogger(__name__)

JOURNAL = "forgetting.json"
EXAMPLES = 5
CAPTURED_FOLDERS = ("clips", "captures")
"""Folders of the data folder whose files augmem captured itself: forgetting deletes them."""


def check_filters(filters: Filters) -> None:
    """A forget by filters must narrow something: no filter at all would be everything."""
    if not filters.any():
        raise AugmemError(
            "a forget by filters needs a stretch of time, a modality, a source or a folder",
            hint="e.g. `augmem forget --since 10m` or `augmem forget --between 09:00 10:30 -m audio`",
        )


class Forgetter:
    """Forgetting in one store, for one data folder."""

    def __init__(self, store: MemoryStore, paths: Paths):
        self.store = store
        self.paths = paths
        # one journal per store: the demo's store (or another store_uri) keeps its own
        default = os.path.abspath(paths.store_dir) == os.path.abspath(store.uri.removeprefix("file://"))
        name = JOURNAL if default else f"forgetting-{hashlib.sha256(store.uri.encode()).hexdigest()[:12]}.json"
        self.journal = paths.run_dir / name
        self._captured = [os.path.abspath(paths.data_dir / f) + os.sep for f in CAPTURED_FOLDERS]

    def captured_by_augmem(self, path: str) -> bool:
        """Whether augmem captured this file itself (deleted when forgotten)."""
        p = os.path.abspath(path)
        return any(p.startswith(folder) for folder in self._captured)

    # -- what a forget by filters takes --------------------------------------------------------
    def matching(self, filters: Filters) -> dict[str, SourceRow]:
        from augmem.store.selection import sources_matching

        check_filters(filters)
        if filters.since is not None and filters.until is None:
            # "the last 10 minutes" ends now: a photo dated ahead by a wrong camera clock is not in it
            filters = replace(filters, until=time.time())
        return sources_matching(self.store, filters)

    def plan(self, filters: Filters, examples: int = EXAMPLES) -> ForgetPlan:
        found = self.matching(filters)
        out = ForgetPlan(count=len(found))
        for row in found.values():
            out.by_modality[row.modality or "other"] = out.by_modality.get(row.modality or "other", 0) + 1
            out.deletes += self.captured_by_augmem(row.path)
        newest = sorted(found.values(), key=lambda r: (-r.captured_at, r.path))[: max(0, examples)]
        out.examples = [
            ForgetItem(
                path=r.path,
                modality=r.modality,
                source=r.source,
                captured_at=r.captured_at,
                deletes_file=self.captured_by_augmem(r.path),
            )
            for r in newest
        ]
        return out

    # -- forgetting ---------------------------------------------------------------------------
    def forget(self, targets: Iterable[str]) -> int:
        """Forget these source files (see the module docstring); returns how many."""
        paths = sorted(set(targets))
        if not paths:
            return 0
        ledger = self.store.get_sources(paths)
        now = time.time()
        keep = [
            replace(row, status="forgotten", reason="forgotten by the user", updated_at=now)
            for p, row in ledger.items()
            if not self.captured_by_augmem(p) and Path(p).exists()
        ]
        self._write_journal(paths, keep)
        try:
            self._run(paths, keep)
        except AugmemError as exc:  # e.g. a full or read-only disk: the journal keeps the request
            raise type(exc)(
                exc.message,
                "; ".join(
                    filter(
                        None,
                        [
                            exc.hint,
                            "this forget is written down and finishes by itself once the store can be written "
                            "(the next ingest, forget or daemon start)",
                        ],
                    )
                ),
            ) from exc
        self.journal.unlink(missing_ok=True)
        return len(paths)

    def resume(self) -> int:
        """Finish a forget a crash interrupted (none: 0). Returns how many files it forgot."""
        try:
            data = json.loads(self.journal.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            raise AugmemError(
                f"cannot read the interrupted forget in {self.journal}: {exc}",
                hint="run the forget again; then delete that file",
            ) from exc
        paths = [str(p) for p in data.get("paths", [])]
        keep = [SourceRow(**row) for row in data.get("keep", [])]
        log.warning("finishing a forget of %d file(s) that was interrupted", len(paths))
        self._run(paths, keep)
        self.journal.unlink(missing_ok=True)
        return len(paths)

    def _write_journal(self, paths: Sequence[str], keep: Sequence[SourceRow]) -> None:
        private_dir(self.journal.parent)
        tmp = self.journal.with_name(f".{JOURNAL}.{os.getpid()}.tmp")
        write_private(
            tmp,
            json.dumps(
                {
                    "started": time.time(),
                    "store": self.store.uri,
                    "paths": list(paths),
                    "keep": [asdict(r) for r in keep],
                }
            ),
        )
        os.replace(tmp, self.journal)

    def _run(self, paths: Sequence[str], keep: Sequence[SourceRow]) -> None:
        undeletable = self._delete_captured([p for p in paths if self.captured_by_augmem(p)])
        self.store.delete(paths=paths)
        # a clip that could not be deleted stays forgotten rather than coming back at the next reconcile
        rows = list(keep) + [
            SourceRow(path=p, status="forgotten", reason=f"could not be deleted: {why}", updated_at=time.time())
            for p, why in undeletable.items()
        ]
        if rows:
            self.store.upsert_sources(rows)
        self.store.purge()

    def _delete_captured(self, paths: Sequence[str]) -> dict[str, str]:
        """Delete files augmem captured (and their folders left empty); path -> why it could not."""
        failed: dict[str, str] = {}
        folders = set()
        for p in paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            except OSError as exc:
                failed[p] = exc.strerror or str(exc)
                log.error("could not delete %s: %s", p, failed[p])
                continue
            folders.add(os.path.dirname(p))
        roots = {os.path.abspath(self.paths.data_dir / f) for f in CAPTURED_FOLDERS}
        for folder in sorted(folders, reverse=True):
            fsync_dir(folder)
            while folder not in roots and folder.startswith(tuple(r + os.sep for r in roots)):
                try:
                    os.rmdir(folder)  # only when empty (a day folder of clips, say)
                except OSError:
                    break
                folder = os.path.dirname(folder)
        return failed
