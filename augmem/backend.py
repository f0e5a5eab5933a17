"""What the CLI and the TUI talk to: the running daemon when one answers on this data
folder's socket (warm model, no torch import here), else an in-process `Augmem`."""

from __future__ import annotations

from augmem.config import Settings


def open_backend(settings: Settings, *, use_daemon: bool = True):
    """A DaemonClient when the daemon is up, else an in-process Augmem; both expose
    recall / status / forget / timeline with the same results."""
    if use_daemon:
        try:
            from augmem.daemon.client import connect
        except ImportError:
            connect = None
        if connect is not None:
            client = connect(settings)
            if client is not None:
                return client
    from augmem.core import Augmem

    return Augmem(settings)
