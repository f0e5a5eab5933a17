"""`augmem mcp`: serve the memory to an AI assistant over MCP (stdio)."""

from __future__ import annotations

import json
import os
import shutil
import sys

import click

SNIPPET = {"mcpServers": {"augmem": {"command": "augmem", "args": ["mcp"]}}}


def client_config(executable: str | None = None, home: str | None = None) -> dict[str, object]:
    """The `mcpServers` entry for this machine: the absolute path of this augmem (assistants
    start servers without the person's shell PATH) and AUGMEM_HOME when one is in use."""
    entry: dict[str, object] = {"command": executable or "augmem", "args": ["mcp"]}
    if home:
        entry["env"] = {"AUGMEM_HOME": home}
    return {"mcpServers": {"augmem": entry}}


def _this_augmem() -> str:
    """The augmem executable that is running (or the one on PATH)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 and os.path.basename(argv0) == "augmem" and os.path.exists(argv0):
        return os.path.abspath(argv0)
    found = shutil.which("augmem")
    return os.path.abspath(found) if found else "augmem"


@click.command(
    "mcp",
    epilog="\b\nAdd this to your assistant's MCP servers (Claude Desktop: claude_desktop_config.json;\n"
    "`augmem mcp --print-config` prints it with this machine's paths):\n" + json.dumps(SNIPPET, indent=2),
)
@click.option("--print-config", is_flag=True, help="Print the client configuration for this machine and exit.")
@click.option("--no-daemon", is_flag=True, help="Answer in this process even if the daemon is up.")
def mcp(print_config: bool = False, no_daemon: bool = False) -> None:
    """Serve your memory to an AI assistant over MCP (stdio): recall, remember, forget, status.

    Assistants start this themselves; stdout carries the protocol, logs go to stderr. It uses
    the running daemon when there is one (warm model) and works in process otherwise."""
    if print_config:
        click.echo(json.dumps(client_config(_this_augmem(), os.environ.get("AUGMEM_HOME")), indent=2))
        return
    try:
        import mcp as _sdk  # noqa: F401
    except ImportError:
        from augmem.errors import AugmemError

        raise AugmemError("the MCP server needs the `mcp` package", hint="pip install 'mcp>=2'") from None
    from augmem.config import load_settings
    from augmem.mcp.server import serve

    if sys.stdin.isatty():
        click.echo(
            "augmem mcp speaks the Model Context Protocol on stdin/stdout: an assistant starts it. "
            "See `augmem mcp --help` for the client configuration. (Ctrl-D ends it.)",
            err=True,
        )
    settings = load_settings()
    serve(settings, use_daemon=not no_daemon)
