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
def register_transcribers(register):
    """Register transcribers: call `register(TranscriberSpec(...))` once per transcriber
    (augmem.derive.base); `transcriber = NAME` in the config picks one."""


@hookspec
def register_capture_sources(register, settings):
    """Register capture sources: call `register(name, factory)`. The daemon calls factory(settings,
    out_dir) at start -> an object with start() and stop() that writes new memories as files into
    out_dir (temp file + rename); they are ingested with `name` as their source."""


@hookspec
def enrich_memory(memory, settings):
    """Return extra searchable text for a memory about to be stored (or None)."""


@hookspec
def recall_postprocess(query, hits, settings):
    """Return a reordered or filtered list of recall hits (or None to leave them). The calls are
    chained: each plugin gets the hits the previous one returned (the last registered runs first)."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the `augmem` command line."""
