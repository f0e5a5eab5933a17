"""Finding and loading plugins: augmem's defaults, entry points (group "augmem"), and
loose `*.py` files in the plugins folder. A plugin that fails to import is reported
by `augmem plugins` and skipped; augmem keeps working.

`AUGMEM_LOAD_PLUGINS` limits what loads: unset = everything, "" = only augmem's own,
"a,b" = only those entry points / files by name. `AUGMEM_PLUGINS_DIR` adds a folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from augmem import hookspecs

log = logging.getLogger(__name__)

DEFAULT_PLUGINS = (
    "augmem.default_plugins.models",
    "augmem.default_plugins.models_extra",
    "augmem.default_plugins.transcribers",
)


@dataclass
class PluginReport:
    loaded: list[tuple[str, str]] = field(default_factory=list)
    """(name, where from) of every registered plugin."""
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    """(name, where from, reason) of every plugin that could not load."""


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__("augmem")
        self.add_hookspecs(hookspecs)
        self.report = PluginReport()


def plugin_dirs(config_dir: Path) -> list[Path]:
    dirs = [config_dir / "plugins"]
    extra = os.environ.get("AUGMEM_PLUGINS_DIR")
    if extra:
        dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    return dirs


def _allowed(name: str) -> bool:
    allow = os.environ.get("AUGMEM_LOAD_PLUGINS")
    if allow is None:
        return True
    return name in {a.strip() for a in allow.split(",") if a.strip()}


def load_plugins(config_dir: Path) -> PluginManager:
    """Build the plugin manager: defaults first, then entry points, then plugin folders."""
    pm = PluginManager()
    for modname in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(modname), name=modname)
        pm.report.loaded.append((modname, "augmem (built in)"))

    for ep in entry_points(group="augmem"):
        if not _allowed(ep.name):
            continue
        where = f"entry point {ep.value} ({ep.dist.name if ep.dist else '?'})"
        try:
            pm.register(ep.load(), name=ep.name)
            pm.report.loaded.append((ep.name, where))
        except Exception as exc:  # a broken plugin must not break augmem
            pm.report.failed.append((ep.name, where, f"{type(exc).__name__}: {exc}"))
            log.warning("plugin %s failed to load: %s", ep.name, exc)

    for folder in plugin_dirs(config_dir):
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.py")):
            name = file.stem
            if name.startswith("_") or not _allowed(name):
                continue
            try:
                spec = importlib.util.spec_from_file_location(f"augmem_plugin_{name}", file)
                module = importlib.util.module_from_spec(spec)
                sys.modules[spec.name] = module
                spec.loader.exec_module(module)
                pm.register(module, name=name)
                pm.report.loaded.append((name, str(file)))
            except Exception as exc:
                sys.modules.pop(f"augmem_plugin_{name}", None)
                pm.report.failed.append((name, str(file), f"{type(exc).__name__}: {exc}"))
                log.warning("plugin %s (%s) failed to load: %s", name, file, exc)
    pm.check_pending()
    return pm


def chain(hook: Any, name: str, value: Any, **kwargs: Any) -> Any:
    """Call every implementation of `hook` in pluggy's order (last registered first), handing
    each the previous one's answer as argument `name`; an implementation answering None
    leaves the value as it was. `recall_postprocess` runs this way, so plugins compose
    (one filters, the next reorders) instead of the last answer silently winning."""
    for impl in reversed(hook.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue  # wrappers cannot take part in a chain of values
        args = {name: value, **kwargs}
        answer = impl.function(**{k: v for k, v in args.items() if k in impl.argnames})
        if answer is not None:
            value = answer
    return value
