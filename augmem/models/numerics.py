"""Measuring numerics (bf16 drift) on synthetic artifacts, where no released weights exist.

A random-initialised conv tower is a poor stand-in for a trained one: with BatchNorm at
its initial statistics (mean 0, variance 1) the activations of MobileNetV4 grow to ~1e5
and those of mn20_as shrink to ~1e-11, so every input gives nearly the same vector and a
bf16-vs-fp32 comparison measures nothing. `recalibrate_batchnorm` gives each BatchNorm
the statistics of real inputs (the sample photos and clips), as training would have: the
activations then have a trained network's scale and the vectors differ per input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn


def recalibrate_batchnorm(module: nn.Module, batches: Iterable, forward: Callable[[object], object]) -> None:
    """Reset every BatchNorm's running statistics to the plain average over `batches`
    (each passed to `forward`), computed in train mode, then return to eval mode. Each
    layer sees inputs already normalised by the layers before it, as in training."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
        m.train()
    try:
        with torch.no_grad():
            for batch in batches:
                forward(batch)
    finally:
        for m, momentum in zip(norms, saved):
            m.momentum = momentum
        module.eval()


def max_cosine_drift(a: np.ndarray, b: np.ndarray) -> float:
    """max over rows of 1 - cos(a_i, b_i)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float((1.0 - cos).max()) if len(cos) else 0.0
