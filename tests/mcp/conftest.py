"""Fixtures for the MCP tests: a real `augmem mcp` subprocess driven by the SDK's own stdio
client (`mcp.client.stdio.stdio_client` + `ClientSession`), the way an assistant runs it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from tests.daemon.proc import ROOT, env_for
from tests.s3.conftest import bucket, no_aws_env, s3  # noqa: F401  (the S3 server, for the shared-bucket test)

READ_TIMEOUT = 300.0
"""Seconds one request may take: the first in-process recall loads the model."""


@asynccontextmanager
async def mcp_session(home: Path, **env: str) -> AsyncIterator[ClientSession]:
    """An initialised session with `python -m augmem mcp` on the data folder `home`; the
    server's stderr (its log) goes to home/mcp-stderr.log."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "augmem", "mcp"], env=env_for(home, **env), cwd=str(ROOT)
    )
    with open(home / "mcp-stderr.log", "a") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write, read_timeout_seconds=READ_TIMEOUT) as session,
        ):
            await session.initialize()
            yield session


def text_of(result: CallToolResult) -> str:
    """The text blocks of a tool result, joined."""
    return "\n".join(b.text for b in result.content if isinstance(b, TextContent))
