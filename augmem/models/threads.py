"""Running a tiny forward pass on one thread.

A recall query is one short text (AIST-87M: ~15 tokens with its query prompt). Each of the
tower's ~100 ops is then microseconds of work, and splitting it over torch's intra-op threads
costs a fork/join barrier per op; when the cores are busy (a daemon next to other work, a shared
machine) the other thread is often descheduled and every barrier waits for it. Measured on the
project's 2-core machine at load average 7 (AIST-87M text tower, one 15-token query): 448 ms
p50 on 2 threads, 86 ms on 1 (bench/recall.py shows the effect on the daemon path).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch ops of this thread run single-threaded inside the block. PyTorch keeps the intra-op
    thread count per thread once a thread has used it (OpenMP's per-thread setting), so other
    threads that already ran torch ops (the daemon's ingest worker) keep theirs; the count is
    restored on the way out."""
    import torch

    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
