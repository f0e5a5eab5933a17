"""The `augmem` command line. Commands are thin: they parse, call the core (or the
daemon), and print. This is the one place where AugmemError becomes an exit code.

Only click is imported at startup; `augmem --help` never imports torch. Commands are
imported when named (`LAZY`). `augmem recall …` with a daemon running does not come here at all:
augmem.entry sends it to the daemon whole (augmem.cli.remote answers it there) and falls back to
this command line for anything the daemon does not answer.
"""

from __future__ import annotations

import errno
import sys

import click

from augmem import __version__
from augmem.errors import AugmemError

_DISK_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
}

LAZY = {
    "ingest": "augmem.cli.memory:ingest",
    "recall": "augmem.cli.memory:recall",
    "status": "augmem.cli.memory:status",
    "forget": "augmem.cli.memory:forget",
    "config": "augmem.cli.memory:config",
    "demo": "augmem.cli.memory:demo",
    "models": "augmem.cli.models_cmd:models",
    "daemon": "augmem.cli.daemon_cmd:daemon",
    "watch": "augmem.cli.daemon_cmd:watch",
    "tui": "augmem.cli.tui_cmd:tui",
    "plugins": "augmem.cli.plugins_cmd:plugins",
    "mcp": "augmem.cli.mcp_cmd:mcp",
}
"""augmem's own commands: name -> "module:attribute", imported on first use."""
OPTIONAL = frozenset({"daemon", "watch", "tui", "plugins", "mcp"})
"""Commands whose modules need optional parts (Textual, watchdog, the MCP SDK): absent here, the
command is not offered."""


class Group(click.Group):
    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is None and name in LAZY:
            import importlib

            module, _, attr = LAZY[name].partition(":")
            try:
                cmd = getattr(importlib.import_module(module), attr)
            except ImportError:
                if name not in OPTIONAL:
                    raise  # augmem's own memory and model commands must load: a broken import says so
                # an optional part (the TUI, the daemon, MCP, plugins) that cannot load here
                return None
            self.add_command(cmd, name)
        return cmd

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AugmemError as exc:
            click.secho(f"error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            ctx.exit(2)
        except OSError as exc:
            if exc.errno not in _DISK_ERRORS:
                raise
            # a full or read-only disk is the person's to fix, not a bug: one line, no traceback
            where = f" ({exc.filename})" if exc.filename else ""
            click.secho(f"error: {_DISK_ERRORS[exc.errno]}{where}", fg="red", err=True)
            ctx.exit(2)


@click.group(cls=Group, invoke_without_command=True)
@click.version_option(__version__, prog_name="augmem")
@click.pass_context
def cli(ctx):
    """augmem: a local-first personal memory. Capture notes, photos and sounds; recall them
    by describing them: `augmem recall "dog barking at park"`."""
    _secure()
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from augmem.cli.tui_cmd import tui

            ctx.invoke(tui)
        else:
            click.echo(ctx.get_help())


def _secure() -> None:
    """Owner-only from the first byte: umask 077, and augmem's folders tightened if an older
    version (or another tool) left them open to other users (said once, on stderr)."""
    from augmem.paths import get_paths
    from augmem.private import secure_home

    def watched() -> list[str]:
        from augmem.config import load_settings

        return [w.path for w in load_settings().watch]

    try:
        said = secure_home(get_paths(), watched)
    except AugmemError:  # a broken config: the command itself says so; walk nothing meanwhile
        said = ""
    if said:
        click.secho(said, fg="yellow", err=True)


def _plugin_commands() -> None:
    """Commands added by plugins through the `register_commands` hook (loaded lazily:
    only when the command line names a command augmem itself does not have)."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if not args or args[0] in cli.commands or args[0] in LAZY:
        return
    try:
        from augmem.config import load_settings
        from augmem.plugins import load_plugins

        pm = load_plugins(load_settings().paths.config_dir)
        pm.hook.register_commands(cli=cli)
    except AugmemError:
        pass


def main() -> None:
    _plugin_commands()
    cli()
