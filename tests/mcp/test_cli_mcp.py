"""`augmem mcp --help` and `--print-config`: what a person needs to connect their assistant."""

from __future__ import annotations

import json

from click.testing import CliRunner

from augmem.cli import cli


def test_help_shows_the_client_configuration():
    result = CliRunner().invoke(cli, ["mcp", "--help"])
    assert result.exit_code == 0
    snippet = result.stdout[result.stdout.index("{") :]
    assert json.loads(snippet) == {"mcpServers": {"augmem": {"command": "augmem", "args": ["mcp"]}}}


def test_print_config_names_this_augmem_and_its_home(augmem_home):
    result = CliRunner().invoke(cli, ["mcp", "--print-config"])
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["mcpServers"]["augmem"]
    assert entry["args"] == ["mcp"] and entry["env"] == {"AUGMEM_HOME": str(augmem_home)}
    assert entry["command"].endswith("augmem")
