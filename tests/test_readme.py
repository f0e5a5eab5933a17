"""The README is a promise: every `augmem …` command line it shows names commands and
flags that exist (checked against the real click commands, no process started)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from augmem.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_command_lines() -> list[str]:
    """`augmem …` invocations in the README's code blocks and inline code."""
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```(?:bash|console|sh)?\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().removeprefix("$ ").strip()
            lines += [part.strip() for part in re.split(r"&&|\|", line) if part.strip().startswith("augmem ")]
    lines += [m for m in re.findall(r"`(augmem [^`]+)`", text)]
    return sorted(set(lines))


def resolve(args: list[str]) -> tuple[click.Command, list[str]]:
    """The command `args` name and the words left for it."""
    cmd: click.Command = cli
    # get_command, not .commands: augmem's own commands are imported when first named
    while isinstance(cmd, click.Group) and args and cmd.get_command(None, args[0]) is not None:
        cmd, args = cmd.get_command(None, args[0]), args[1:]
    return cmd, args


def test_the_readme_shows_commands():
    assert len(readme_command_lines()) > 30


@pytest.mark.parametrize("line", readme_command_lines())
def test_every_command_and_flag_in_the_readme_exists(line):
    words = shlex.split(line.replace("…", "x"))[1:]
    cmd, rest = resolve(words)
    assert cmd is not cli or not words or words[0].startswith("-"), f"no such command: {line}"
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    if isinstance(cmd, click.Group):
        assert not rest or rest[0].startswith("-") or cmd.get_command(None, rest[0]) is not None, (
            f"{line}: no subcommand {rest[0]!r}"
        )
    for word in rest:
        if word.startswith("--"):
            flag = word.split("=", 1)[0]
            assert flag in known | {"--help"}, f"{line}: `{cmd.name}` has no {flag} (it has {sorted(known)})"
        elif re.fullmatch(r"-[a-zA-Z]", word):
            assert word in known, f"{line}: `{cmd.name}` has no {word}"
