"""augmem: a local-first personal memory.

Importing this package is cheap: torch, timm, transformers and lancedb are only
imported by the modules that need them, when they are first used. Even pluggy waits:
`hookimpl` is looked up on first use (PEP 562), so `augmem recall` answered by the
daemon never imports it (pluggy and its inspect-heavy import cost ~10 ms of a process
that should take under 150 ms; bench/cli.py).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers read it as theirs)
if TYPE_CHECKING:
    from augmem.hookspecs import hookimpl as hookimpl


def __getattr__(name: str) -> object:  # not typing.Any: importing typing costs 16 ms of `augmem recall`
    if name == "hookimpl":
        from augmem.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'augmem' has no attribute {name!r}")
