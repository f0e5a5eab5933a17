"""The one contract between augmem's core and its surfaces.

The CLI, the TUI (and any other client) talk to a `Backend`: the in-process core
(`augmem.core.Augmem`) or the running daemon (`augmem.daemon.client.DaemonClient`).
The daemon's socket operations *are* this Protocol's methods: the client's methods are
built from them, and the daemon decodes each request's arguments from their type hints
(`augmem.codec`), so a parameter added here reaches the socket, or fails type checking
where an implementation does not take it.

Stdlib and records only: the daemon client imports this.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from typing import Annotated, Any, Protocol, get_type_hints, runtime_checkable

from augmem.records import (
    CaptureInfo,
    DayCount,
    Filters,
    ForgetPlan,
    Hit,
    IngestReport,
    MigrationInfo,
    RecallResult,
    Status,
)

LOCAL_PATH = "local-path"
LocalPath = Annotated[str, LOCAL_PATH]
"""A path on the caller's machine: a client makes it absolute before it leaves (the daemon
runs in another folder)."""


@runtime_checkable
class Backend(Protocol):
    """What every surface may ask of augmem."""

    def recall(
        self,
        query: str | None = None,
        *,
        like: LocalPath | None = None,
        like_id: str | None = None,
        filters: Filters | None = None,
        limit: int = 10,
        instruction: str | None = None,
    ) -> RecallResult:
        """Text query (or a file / stored memory as the example) -> ranked hits of the active
        space. With no query but some filter (e.g. one day), the matching memories, newest first."""
        ...

    def ingest(
        self,
        paths: Sequence[LocalPath],
        *,
        source: str | None = None,
        forget_missing: bool = True,
        force: bool = False,
    ) -> IngestReport:
        """Reconcile files and folders (recursively) into the store: add new, re-embed changed,
        skip unchanged; with `forget_missing`, forget memories under these folders whose files
        are gone; `force` re-embeds unchanged files too."""
        ...

    def forget(
        self, *, ids: Sequence[str] = (), paths: Sequence[LocalPath] = (), filters: Filters | None = None
    ) -> int:
        """Forget whole memories by id, source path, or all that match `filters` (a stretch of
        time, modalities, sources), and purge them from the store's files; files augmem captured
        itself (microphone clips) are deleted from disk, a person's own files only forgotten.
        Returns how many sources were forgotten."""
        ...

    def forget_plan(self, filters: Filters, examples: int = 5) -> ForgetPlan:
        """What `forget(filters=filters)` would take, to show before asking: the count, how many
        files it deletes, and the newest `examples`."""
        ...

    def status(self) -> Status:
        """Counts, pending, store size, model and hash (and the daemon's state when it answers)."""
        ...

    def memory(self, id: str) -> Hit | None:
        """One stored memory of the active space by id (score 1.0), or None when there is none."""
        ...

    def timeline(self, filters: Filters | None = None) -> list[DayCount]:
        """Memories per local day, newest day first."""
        ...

    def pause(self, *, until: float | None = None) -> CaptureInfo:
        """Pause microphone capture until resumed, or until `until` (unix seconds) when it resumes
        by itself; the pause survives restarts."""
        ...

    def capture(self) -> CaptureInfo:
        """Microphone capture right now: listening, paused (until when), in quiet hours (until
        when), or off and why. Cheap: it reads no store (the TUI's header polls it)."""
        ...

    def resume(self) -> CaptureInfo:
        """Resume microphone capture."""
        ...

    def reembed(self) -> MigrationInfo:
        """Re-embed memories that have no vector in the active space yet (the daemon starts it in
        the background; in process it runs to the end)."""
        ...

    def close(self) -> None:
        """Release the connection or the loaded model."""
        ...


OPS: tuple[str, ...] = tuple(
    name
    for name, member in vars(Backend).items()
    if inspect.isfunction(member) and not name.startswith("_") and name != "close"
)
"""The daemon's socket operations: every Backend method but `close`."""


@functools.cache
def op_signature(op: str) -> inspect.Signature:
    """The parameters of operation `op` (without self)."""
    sig = inspect.signature(getattr(Backend, op))
    return sig.replace(parameters=list(sig.parameters.values())[1:])


@functools.cache
def op_hints(op: str) -> dict[str, Any]:
    """Type hints of operation `op`'s parameters and its "return" (Annotated markers kept)."""
    return get_type_hints(getattr(Backend, op), include_extras=True)


def is_local_path(tp: Any) -> bool:
    """Whether an argument type carries the LocalPath marker (alone, optional, or in a sequence)."""
    if LOCAL_PATH in getattr(tp, "__metadata__", ()):
        return True
    return any(is_local_path(a) for a in getattr(tp, "__args__", ()) or ())
