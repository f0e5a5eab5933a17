"""A command line answered inside the daemon: the other half of `augmem.entry`.

The client sends its arguments; the daemon parses them with the command's own click definition,
runs it on its in-process backend and renders what the command prints (`render_hits`), so the
answer is the one the full command line would print through the daemon. Only `recall` is
answered here. Whatever the daemon does not answer exactly as the full command line would (an
argument error, `--like FILE`, a refusal from the core) returns None: the client then runs the
full command line, whose messages and exit codes stay the only ones.
"""

from __future__ import annotations

from typing import Any

import click

from augmem.contract import Backend
from augmem.errors import AugmemError


def answer(backend: Backend, argv: list[str], color: tuple[bool, bool]) -> dict[str, Any] | None:
    """{"out", "err", "code"} of `augmem ARGV`, or None: the client's full command line answers.
    `color`: whether the client's stdout and stderr are terminals (styles are dropped if not)."""
    if argv[:1] != ["recall"] or "--help" in argv:
        return None
    from augmem.cli.memory import recall, recall_request, render_hits

    try:
        ctx = recall.make_context("recall", list(argv[1:]))
        p = ctx.params
        if p["like"] or p["no_daemon"]:
            return None
        text, filters = recall_request(p["query"], p["like"], p["modality"], p["source"], p["since"], p["until"])
        result = backend.recall(text, filters=filters, limit=p["limit"], instruction=p["instruct"])
    except (click.exceptions.ClickException, click.exceptions.Exit, AugmemError):
        return None
    out, err = render_hits(result, p["as_json"])
    return {
        "out": out if color[0] else click.unstyle(out),
        "err": err if color[1] else click.unstyle(err),
        "code": 0,
    }
