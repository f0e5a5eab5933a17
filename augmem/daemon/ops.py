"""The contract as the daemon answers it, and the socket's dispatch of contract operations.

`DaemonBackend` implements `augmem.contract.Backend` on top of the running daemon: reads
go straight to the warm core; writes (ingest, forget) go through the daemon's single
writer, so they never race a watcher's ingest or a re-embedding batch. `dispatch` decodes
a request's arguments from the contract's type hints and encodes the typed result.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol

from augmem import codec, contract
from augmem.contract import Backend
from augmem.daemon.worker import INTERACTIVE
from augmem.errors import AugmemError
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

if TYPE_CHECKING:
    from augmem.core import Augmem


DISCARD_WITHIN_S = 60.0
"""A forget whose stretch reaches this close to now also drops the clip being recorded."""


class DaemonHost(Protocol):
    """What DaemonBackend needs of the daemon (augmem.daemon.runtime.Daemon)."""

    @property
    def core(self) -> Augmem: ...

    def submit(self, kind: str, payload: Any = None, priority: int = ..., mergeable: bool = ...) -> Future[Any]: ...

    def status(self) -> Status: ...

    def set_paused(self, paused: bool, until: float | None = None) -> CaptureInfo: ...

    def capture_info(self) -> CaptureInfo: ...

    def discard_capture(self) -> None: ...

    def start_reembed(self) -> MigrationInfo: ...


class DaemonBackend:
    """`Backend` answered inside the daemon process."""

    def __init__(self, daemon: DaemonHost):
        self.daemon = daemon

    def recall(
        self,
        query: str | None = None,
        *,
        like: str | None = None,
        like_id: str | None = None,
        filters: Filters | None = None,
        limit: int = 10,
        instruction: str | None = None,
    ) -> RecallResult:
        return self.daemon.core.recall(
            query, like=like, like_id=like_id, filters=filters, limit=limit, instruction=instruction
        )

    def ingest(
        self, paths: Sequence[str], *, source: str | None = None, forget_missing: bool = True, force: bool = False
    ) -> IngestReport:
        report: IngestReport = self.daemon.submit(
            "ingest", (list(paths), source, forget_missing, force), INTERACTIVE
        ).result()
        return report

    def forget(self, *, ids: Sequence[str] = (), paths: Sequence[str] = (), filters: Filters | None = None) -> int:
        if filters is not None and (filters.until is None or filters.until >= time.time() - DISCARD_WITHIN_S):
            self.daemon.discard_capture()  # "the last 10 minutes" includes the clip being recorded now
        n: int = self.daemon.submit("forget", (list(ids), list(paths), filters), INTERACTIVE).result()
        return n

    def forget_plan(self, filters: Filters, examples: int = 5) -> ForgetPlan:
        return self.daemon.core.forget_plan(filters, examples)

    def status(self) -> Status:
        return self.daemon.status()

    def memory(self, id: str) -> Hit | None:
        return self.daemon.core.memory(id)

    def timeline(self, filters: Filters | None = None) -> list[DayCount]:
        return self.daemon.core.timeline(filters)

    def pause(self, *, until: float | None = None) -> CaptureInfo:
        return self.daemon.set_paused(True, until)

    def capture(self) -> CaptureInfo:
        return self.daemon.capture_info()

    def resume(self) -> CaptureInfo:
        return self.daemon.set_paused(False)

    def reembed(self) -> MigrationInfo:
        return self.daemon.start_reembed()

    def close(self) -> None:
        """Nothing to release: the daemon owns the core."""


if TYPE_CHECKING:

    def _is_a_backend(backend: DaemonBackend) -> Backend:
        return backend  # mypy: the daemon implements the whole contract


def dispatch(target: Backend, request: dict[str, Any]) -> Any:
    """Run contract operation request["op"] on `target`: arguments decoded from the
    contract's type hints (unknown or mistyped ones refused), the result encoded as JSON."""
    op = request["op"]
    sig = contract.op_signature(op)
    hints = contract.op_hints(op)
    unknown = sorted(set(request) - {"op"} - set(sig.parameters))
    if unknown:
        raise AugmemError(
            f"{op}: unknown argument {unknown[0]!r}",
            hint="the client and the daemon are different versions: restart the daemon",
        )
    try:
        kwargs = {
            name: codec.from_json(hints[name], request[name], f"{op}.{name}")
            for name in sig.parameters
            if name in request
        }
    except codec.CodecError as exc:
        raise AugmemError(f"bad request: {exc}") from exc
    return codec.to_json(getattr(target, op)(**kwargs))
