"""Errors as an assistant sees them: one line, never a traceback.

An AugmemError becomes an MCP tool error (is_error with its message and hint) or, for a
resource, a JSON-RPC error; anything else is logged with its traceback on stderr (the
client's MCP log) and reaches the assistant as one line naming the exception. The SDK
checks tool arguments against their schema before augmem sees them; a server middleware
folds pydantic's multi-line report into one line too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from augmem.errors import AugmemError

log = logging.getLogger("augmem.mcp")


def one_line(exc: AugmemError) -> str:
    """The error's message and hint on one line (an assistant shows tool errors as they are)."""
    message = " ".join(exc.message.split())
    return f"{message} (hint: {' '.join(exc.hint.split())})" if exc.hint else message


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


@contextmanager
def tool_errors(what: str) -> Iterator[None]:
    """AugmemError -> ToolError with its one line; anything else is logged (with its traceback,
    on stderr) and becomes one line too. Either way the assistant never sees a traceback."""
    try:
        yield
    except ToolError:
        raise
    except AugmemError as exc:
        log.info("%s refused: %s", what, exc.message)
        raise ToolError(one_line(exc)) from None
    except Exception as exc:
        log.exception("%s failed", what)
        raise ToolError(f"{what} failed: {_first_line(exc)}") from None


@contextmanager
def resource_errors(what: str) -> Iterator[None]:
    """The same for resource reads: a ResourceError becomes a JSON-RPC error with our line."""
    try:
        yield
    except ResourceError:
        raise
    except AugmemError as exc:
        raise ResourceError(one_line(exc)) from None
    except Exception as exc:
        log.exception("%s failed", what)
        raise ResourceError(f"{what} failed: {_first_line(exc)}") from None


_VALIDATION = re.compile(r"^(?P<prefix>Error executing tool \S+: )?\d+ validation errors? for \S+$")
_TYPE_TAG = re.compile(r" \[type=[^]]*\]$")


def tidy_error(text: str) -> str:
    """A tool error's text on one line. The SDK checks arguments against the tool's schema
    before augmem sees them and reports pydantic's multi-line text; this keeps its substance
    ("limit: Input should be a valid integer") without the layout, the type tags and the URL."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("For further")]
    if not lines:
        return text
    m = _VALIDATION.match(lines[0])
    if m and len(lines) >= 3:
        problems = [f"{field}: {_TYPE_TAG.sub('', msg)}" for field, msg in zip(lines[1::2], lines[2::2])]
        return f"{m.group('prefix') or ''}bad arguments: " + "; ".join(problems)
    return " ".join(lines)


async def one_line_tool_errors(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: every failed tool call's text is one line (see tidy_error)."""
    result = await call_next(ctx)
    # inside the chain the result is already the wire dict ({"content": [...], "isError": true})
    if ctx.method == "tools/call" and isinstance(result, dict) and result.get("isError"):
        for block in result.get("content") or ():
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
                block["text"] = tidy_error(block["text"])
    return result


@contextmanager
def not_found_as_such() -> Iterator[None]:
    """An unknown id is "not found" (JSON-RPC invalid params), not a server failure."""
    try:
        yield
    except AugmemError as exc:
        if exc.message.startswith("no memory with id"):
            raise ResourceNotFoundError(one_line(exc)) from None
        raise
