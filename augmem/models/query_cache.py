"""A small cache of recent query vectors.

Search-as-you-type (the TUI) and repeated recalls (a person refining a query, the CLI run
twice) embed the same short texts again and again; each costs a forward pass of the text
tower (bench/recall.py measures it). The cache is keyed by everything that decides the
vector: the embedding space, the model options (a query prompt changes the vector but not the
space), the query text and the instruction. It forgets everything when the space changes, so
vectors of two spaces never meet, and returns copies, so a caller cannot change what it holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

SIZE = 256
"""Queries kept (256 x 1280 float32 = 1.3 MB for AIST-87M)."""


class QueryCache:
    """LRU of query vectors keyed by (space, options, text, instruction); thread-safe."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._space: str | None = None
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self, space: str, options: Hashable, text: str, instruction: str | None, compute: Callable[[], np.ndarray]
    ) -> np.ndarray:
        """The cached vector, or `compute()`'s (then kept)."""
        key = (options, text, instruction)
        with self._lock:
            if space != self._space:
                self._items.clear()
                self._space = space
            vec = self._items.get(key)
            if vec is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return vec.copy()
            self.misses += 1
        vec = np.asarray(compute(), np.float32)
        with self._lock:
            if space == self._space:
                self._items[key] = vec.copy()
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return vec

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._space = None

    def __len__(self) -> int:
        return len(self._items)
