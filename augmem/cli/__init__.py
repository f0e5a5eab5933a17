"""The `augmem` command line. Commands are thin: they parse, call the core (or the
daemon), and print. This is the one place where AugmemError becomes an exit code.

Only click is imported at startup; `augmem --help` never imports torch.
"""

from __future__ import annotations

import errno
import sys

import click

from augmem import __version__
from augmem.errors import AugmemError

_DISK_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EROFS: "the disk is read-only", errno.EACCES: "permission denied"}


class Group(click.Group):
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


def _register() -> None:
    from augmem.cli import memory, models_cmd

    for cmd in (memory.ingest, memory.recall, memory.status, memory.forget, memory.config, memory.demo):
        cli.add_command(cmd)
    cli.add_command(models_cmd.models)
    optional = (
        ("augmem.cli.daemon_cmd", ("daemon", "watch")),
        ("augmem.cli.tui_cmd", ("tui",)),
        ("augmem.cli.plugins_cmd", ("plugins",)),
        ("augmem.cli.mcp_cmd", ("mcp",)),
    )
    import importlib

    for module, names in optional:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        for name in names:
            if hasattr(mod, name):
                cli.add_command(getattr(mod, name))


def _plugin_commands() -> None:
    """Commands added by plugins through the `register_commands` hook (loaded lazily:
    only when the command line names a command augmem itself does not have)."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if not args or args[0] in cli.commands:
        return
    try:
        from augmem.config import load_settings
        from augmem.plugins import load_plugins

        pm = load_plugins(load_settings().paths.config_dir)
        pm.hook.register_commands(cli=cli)
    except AugmemError:
        pass


_register()


def main() -> None:
    _plugin_commands()
    cli()
