"""What the surfaces talk to: the running daemon when one answers on this data folder's
socket (warm model, no torch import here), else an in-process `Augmem`. Both are an
`augmem.contract.Backend`."""

from __future__ import annotations

from augmem.config import Settings
from augmem.contract import Backend


def open_backend(settings: Settings, *, use_daemon: bool = True) -> Backend:
    """A DaemonClient when the daemon is up (and `use_daemon`), else an in-process Augmem."""
    if use_daemon:
        from augmem.daemon.client import connect

        client = connect(settings)
        if client is not None:
            return client
    from augmem.core import Augmem

    return Augmem(settings)
