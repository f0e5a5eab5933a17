"""`augmem plugins`: what loaded, from where, which hooks it implements, and what failed."""

from __future__ import annotations

import json

import click


def plugin_rows(pm) -> dict:
    """{"loaded": [...], "failed": [...]} from a plugin manager built by `load_plugins`."""
    loaded = []
    for name, where in pm.report.loaded:
        plugin = pm.get_plugin(name)
        hooks = sorted({caller.name for caller in pm.get_hookcallers(plugin) or []}) if plugin is not None else []
        loaded.append({"name": name, "from": where, "hooks": hooks})
    failed = [{"name": name, "from": where, "reason": reason} for name, where, reason in pm.report.failed]
    return {"loaded": loaded, "failed": failed}


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def plugins(as_json):
    """List loaded plugins (where from, which hooks) and the ones that failed, with the reason."""
    from augmem.cli.output import table
    from augmem.paths import get_paths
    from augmem.plugins import load_plugins

    rows = plugin_rows(load_plugins(get_paths().config_dir))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(
        table(
            [[r["name"], ", ".join(r["hooks"]) or "-", r["from"]] for r in rows["loaded"]], ["plugin", "hooks", "from"]
        )
    )
    if rows["failed"]:
        click.echo()
        click.secho(f"{len(rows['failed'])} plugin(s) failed to load and were skipped:", fg="yellow")
        for r in rows["failed"]:
            click.echo(f"  {r['name']} ({r['from']}): {r['reason']}")
