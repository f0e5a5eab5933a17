"""The plugin contract: docstring-only hook specifications (pluggy).

augmem calls every hook with keyword arguments, so an implementation may accept
fewer arguments than the spec names. augmem's own models register through
`register_models` exactly like a third-party plugin's do.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("augmem")
hookimpl = pluggy.HookimplMarker("augmem")


@hookspec
def register_models(register):
    """Register models: call `register(ModelSpec(...))` once per model."""


@hookspec
def register_capture_sources(register, settings):
    """Register capture sources: call `register(name, factory)`; factory(settings, out_dir) -> source."""


@hookspec
def enrich_memory(memory, settings):
    """Return extra searchable text for a memory about to be stored (or None)."""


@hookspec
def recall_postprocess(query, hits, settings):
    """Return a reordered or filtered list of recall hits (or None to leave them)."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the `augmem` command line."""
