"""The model layer: one small embedder interface, a registry, and the built-in models.

Nothing here imports torch at import time; each model family imports it when built.
"""

from augmem.models.base import MODALITIES, Embedder, l2norm, tier_view
from augmem.models.registry import ModelRegistry, ModelSpec

__all__ = ["MODALITIES", "Embedder", "ModelRegistry", "ModelSpec", "l2norm", "tier_view"]
