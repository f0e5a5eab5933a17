"""The daemon's single writer: every job that changes the store (watched changes, mic
clips, reconciles, re-embedding batches, compaction, retention) is a task on one
priority queue, run by one thread. Interactive work goes first; small tasks of the
same kind queued together are merged (a save storm becomes one ingest call)."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# priorities: lower runs first
INTERACTIVE, CHANGES, RECONCILE, BACKGROUND = 0, 1, 2, 3


class Cancelled(Exception):
    """Raised inside a long task (from its progress callback) when the daemon shuts down."""


@dataclass(order=True)
class Task:
    priority: int
    seq: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False)
    future: Future = field(compare=False, default_factory=Future)
    mergeable: bool = field(compare=False, default=False)


class Worker:
    """Run `handlers[kind](payloads: list)` for tasks in priority order, one at a time."""

    def __init__(self, handlers: dict[str, Callable[[list], Any]]):
        self.handlers = handlers
        self._q: queue.PriorityQueue[Task] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="augmem-worker", daemon=True)
        self.current: str | None = None
        self.done = 0
        self.failed = 0

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        self._thread.start()

    def submit(self, kind: str, payload: Any = None, priority: int = CHANGES, mergeable: bool = False) -> Future:
        task = Task(priority, next(self._seq), kind, payload, mergeable=mergeable)
        if self._stopping.is_set():
            task.future.set_exception(Cancelled("the daemon is shutting down"))
            return task.future
        self._q.put(task)
        return task.future

    def pending(self) -> int:
        return self._q.qsize()

    def check(self, *_args) -> None:
        """A progress callback for long core calls: stops them between batches at shutdown."""
        if self._stopping.is_set():
            raise Cancelled("the daemon is shutting down")

    def stop(self, timeout: float = 60.0) -> bool:
        """Finish the task in progress (long ones stop at their next batch), drop the rest."""
        self._stopping.set()
        self._q.put(Task(-1, -1, "__stop__", None))
        self._thread.join(timeout)
        while True:
            try:
                task = self._q.get_nowait()
            except queue.Empty:
                break
            if not task.future.done():
                task.future.set_exception(Cancelled("the daemon shut down before this ran"))
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            task = self._q.get()
            if task.kind == "__stop__" or self._stopping.is_set():
                if not task.future.done() and task.kind != "__stop__":
                    task.future.set_exception(Cancelled("the daemon shut down before this ran"))
                if task.kind == "__stop__":
                    return
                continue
            tasks = [task]
            if task.mergeable:
                tasks += self._merge_more(task)
            self.current = task.kind
            try:
                result = self.handlers[task.kind]([t.payload for t in tasks])
            except Cancelled as exc:
                for t in tasks:
                    t.future.set_exception(exc)
            except Exception as exc:
                self.failed += 1
                log.exception("%s failed", task.kind)
                for t in tasks:
                    t.future.set_exception(exc)
            else:
                self.done += len(tasks)
                for t in tasks:
                    t.future.set_result(result)
            finally:
                self.current = None

    def _merge_more(self, first: Task) -> list[Task]:
        """Take further queued tasks of the same kind and priority (others are put back)."""
        merged, others = [], []
        while True:
            try:
                t = self._q.get_nowait()
            except queue.Empty:
                break
            if t.kind == first.kind and t.priority == first.priority and t.mergeable:
                merged.append(t)
            else:
                others.append(t)
                if t.priority > first.priority:
                    break
        for t in others:
            self._q.put(t)
        return merged
