"""`augmem tui`: the interactive terminal app."""

from __future__ import annotations

import click


@click.command("tui")
@click.option("--no-daemon", is_flag=True, help="Recall in this process even if the daemon is up.")
def tui(no_daemon: bool = False) -> None:
    """Open the terminal app: search-as-you-type recall, previews, timeline and status."""
    from augmem.backend import open_backend
    from augmem.config import load_settings

    settings = load_settings()
    backend = open_backend(settings, use_daemon=not no_daemon)
    # Import the app only now: textual-image asks the terminal about its graphics support
    # when imported, which must happen before Textual takes over the screen.
    from augmem.tui.app import make_app

    try:
        make_app(backend, settings).run()
    finally:
        backend.close()
