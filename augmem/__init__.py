"""augmem: a local-first personal memory.

Importing this package is cheap: torch, timm, transformers and lancedb are only
imported by the modules that need them, when they are first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from augmem.hookspecs import hookimpl  # noqa: E402  (pluggy only; cheap)

__all__ = ["__version__", "hookimpl"]
