"""`augmem mcp`: the person's memory as a Model Context Protocol server over stdio, built on
the official `mcp` SDK (MCPServer).

Tools: `recall`, `remember`, `forget` (refused without confirm=true), `status`, and
`read_memory` (a memory's content: a note's text, a photo as an image, a clip's transcript).
The same content is a resource template, `memory://{id}`, for clients that read resources.
Everything goes through a `Backend` (the daemon when it runs, else in process); `remember`
writes a note file into `<data>/notes/` and ingests it, so it follows the rules of every note.

Errors: an AugmemError becomes an MCP tool error (is_error, or a JSON-RPC error for a
resource) whose text is its one-line message and hint. Anything else is logged with its
traceback on stderr (the client's log) and reaches the assistant as one line. stdout is the
protocol: the SDK points fd 1 at stderr while it serves, so a stray print cannot corrupt it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ContentBlock, ImageContent, TextContent, ToolAnnotations
from pydantic import Field

from augmem import __version__
from augmem.config import Settings
from augmem.errors import AugmemError
from augmem.humanize import KIND_NAMES
from augmem.mcp import content, notes
from augmem.mcp.access import Access
from augmem.mcp.errors import not_found_as_such, one_line_tool_errors, resource_errors, tool_errors
from augmem.records import Filters, Hit

MODALITIES = {
    "note": "text",
    "text": "text",
    "photo": "image",
    "image": "image",
    "audio": "audio",
    "clip": "audio",
    "sound": "audio",
}
"""The words an assistant may use for a kind of memory -> augmem's modality."""
MAX_LIMIT = 100
NOTE_CHUNKS = 1000
"""Chunks of one note read back to rebuild it when its file is on another device."""

INSTRUCTIONS = """\
augmem is the user's personal memory: their notes, photos and voice/sound clips, searchable by
meaning. Use `recall` to find what they wrote, saw or heard (describe it in words; filter by kind
and time). Use `read_memory` with a hit's id to see a note's full text, a photo, or what a clip
says. Use `remember` to store a note for them. `forget` deletes a memory for good: only when the
user asks, and only with confirm=true after they agreed."""


def parse_filters(modality: str | None, since: str | None, until: str | None, source: str | None) -> Filters:
    """Recall filters from the tool's arguments; bad ones are one-line errors."""
    from augmem.timeparse import parse_span

    mods = None
    if modality and modality.strip().lower() not in ("", "any", "all"):
        key = modality.strip().lower().rstrip("s") if modality.strip().lower() != "audio" else "audio"
        if key not in MODALITIES:
            raise AugmemError(f"unknown kind of memory {modality!r}", hint="use note, photo or audio")
        mods = [MODALITIES[key]]
    try:
        t0, t1 = parse_span(since, until)
    except ValueError as exc:
        raise AugmemError(str(exc)) from None
    return Filters(modalities=mods, sources=[source] if source and source.strip() else None, since=t0, until=t1)


class AugmemMCP:
    """The tools and the resource, over one data folder's settings."""

    def __init__(self, settings: Settings, *, use_daemon: bool = True):
        self.settings = settings
        self.access = Access(settings, use_daemon=use_daemon)
        self.notes_dir = settings.paths.notes_dir

    # -- the tools' work (plain methods: tests and the resource share them) ---------------------
    def recall(
        self,
        query: str | None,
        modality: str | None = None,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        limit: int = 10,
        like_id: str | None = None,
    ) -> CallToolResult:
        if not 1 <= limit <= MAX_LIMIT:
            raise AugmemError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        filters = parse_filters(modality, since, until, source)
        q = query.strip() if query and query.strip() else None
        if q is None and not like_id and not filters.any():
            raise AugmemError("nothing to recall: give a query, a memory id to find similar ones, or a filter")
        result = self.access.call(lambda b: b.recall(q, like_id=like_id or None, filters=filters, limit=limit))
        return CallToolResult(
            content=[TextContent(type="text", text=content.recall_text(result, q))],
            structured_content=content.recall_json(result),
        )

    def remember(self, text: str, title: str | None = None) -> CallToolResult:
        path = notes.write_note(self.notes_dir, text, title)
        try:
            report = self.access.call(lambda b: b.ingest([str(path)], forget_missing=False), idempotent=False)
        except BaseException:
            path.unlink(missing_ok=True)  # not stored: leave no stray note that a later ingest would pick up
            raise
        if report.rejected:
            path.unlink(missing_ok=True)
            raise AugmemError(f"could not remember it: {report.rejected[0].reason}")
        if not (report.added or report.updated or report.pending):
            # the same text is already a memory (ingest deduplicates by content): keep one copy
            path.unlink(missing_ok=True)
            text_out = "Already remembered: the same text is in memory already."
            return CallToolResult(
                content=[TextContent(type="text", text=text_out)],
                structured_content={"stored": False, "reason": "duplicate"},
            )
        hits = self._chunks_of(str(path))
        ids = [h.id for h in hits]
        first = ids[0] if ids else ""
        if first:
            text_out = f"Remembered as memory {first} ({content.uri(first)}), saved as {path}."
        else:  # valid, but the active model embeds no text: kept pending until one that does is active
            text_out = f"Saved as {path}; the active model cannot embed it yet, so it is kept pending."
        return CallToolResult(
            content=[TextContent(type="text", text=text_out)],
            structured_content={
                "stored": True,
                "id": first or None,
                "ids": ids,
                "uri": content.uri(first) if first else None,
                "path": str(path),
                "memories": report.memories,
            },
        )

    def forget(self, id: str, confirm: bool = False) -> CallToolResult:
        hit = self._memory(id)
        what = f"{KIND_NAMES.get(hit.modality, hit.modality)} {hit.path}"
        if not confirm:
            raise AugmemError(
                f"not forgotten: this would delete {what} (every part of it) from memory for good",
                hint="ask the user, then call forget again with confirm=true",
            )
        n = self.access.call(lambda b: b.forget(ids=[hit.id]), idempotent=False)
        if not n:
            raise AugmemError(f"no memory with id {id!r} (already forgotten?)")
        removed = ""
        if notes.owns(self.notes_dir, hit.path):
            # augmem wrote this file for `remember`: forgetting leaves none of its bytes on disk either
            Path(hit.path).unlink(missing_ok=True)
            removed = " Its note file was deleted too."
        return CallToolResult(
            content=[TextContent(type="text", text=f"Forgotten: {what}.{removed}")],
            structured_content={"forgotten": n, "id": hit.id, "path": hit.path},
        )

    def status(self) -> CallToolResult:
        st = self.access.call(lambda b: b.status())
        from augmem import codec

        return CallToolResult(
            content=[TextContent(type="text", text=content.status_text(st))], structured_content=codec.to_json(st)
        )

    def read(self, id: str) -> content.Content:
        """A memory's content (the tool and the resource both show this)."""
        hit = self._memory(id)
        if hit.modality == "image":
            return content.photo_content(hit)
        if hit.modality == "audio":
            return content.audio_content(hit)
        return content.note_content(hit, self._chunks_of(hit.path) if not Path(hit.path).exists() else [])

    def read_memory(self, id: str) -> CallToolResult:
        c = self.read(id)
        blocks: list[ContentBlock] = [TextContent(type="text", text=c.text)]
        if c.image is not None:
            import base64

            blocks.append(ImageContent(type="image", data=base64.b64encode(c.image).decode(), mime_type=c.image_mime))
        return CallToolResult(content=blocks, structured_content={"id": id, "uri": content.uri(id), **c.meta})

    # -- helpers -----------------------------------------------------------------------------------
    def _memory(self, id: str) -> Hit:
        memory_id = (id or "").strip().removeprefix(f"{content.URI_SCHEME}://")
        if not memory_id:
            raise AugmemError("give a memory id (from recall)")
        hit = self.access.call(lambda b: b.memory(memory_id))
        if hit is None:
            raise AugmemError(f"no memory with id {memory_id!r}", hint="ids come from recall results")
        return hit

    def _chunks_of(self, path: str) -> list[Hit]:
        """Every stored chunk of one file, in order (browse by path: no embedding needed)."""
        result = self.access.call(lambda b: b.recall(None, filters=Filters(path_prefix=path), limit=NOTE_CHUNKS))
        return sorted((h for h in result.hits if h.path == path), key=lambda h: h.chunk_start)

    def close(self) -> None:
        self.access.close()


def build_server(settings: Settings, *, use_daemon: bool = True) -> tuple[MCPServer[Any], AugmemMCP]:
    """The MCP server with augmem's tools and the memory:// resource templates."""
    mem = AugmemMCP(settings, use_daemon=use_daemon)
    # WARNING: the SDK logs every request at INFO; the client's log should hold what matters
    server: MCPServer[Any] = MCPServer(
        "augmem",
        title="augmem",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
        middleware=[one_line_tool_errors],
    )
    read_only = ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )

    @server.tool(annotations=read_only)
    def recall(
        query: Annotated[
            str | None,
            Field(
                description="What to look for, described in words (any language "
                "the model knows); may be empty when filters alone select"
            ),
        ] = None,
        modality: Annotated[
            Literal["note", "photo", "audio", "any"] | None, Field(description="Only this kind of memory")
        ] = None,
        since: Annotated[
            str | None,
            Field(description="From this time: 2d, 1w, 3h, today, yesterday, 2026-05-01 or 2026-05-01 14:30"),
        ] = None,
        until: Annotated[str | None, Field(description="Up to this time (a bare date includes that day)")] = None,
        source: Annotated[
            str | None, Field(description="Only this source: notes, photos, audio, mic, or a plugin's source")
        ] = None,
        limit: Annotated[int, Field(description=f"How many hits (1–{MAX_LIMIT})")] = 10,
        like_id: Annotated[str | None, Field(description="Find memories like this memory id instead")] = None,
    ) -> CallToolResult:
        """Search the user's memories (notes, photos, audio clips) by meaning; returns hits with
        id, kind, time, path, score, a snippet and any transcript or text read in a photo."""
        with tool_errors("recall"):
            return mem.recall(query, modality, since, until, source, limit, like_id)

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
        )
    )
    def remember(
        text: Annotated[str, Field(description="The note to store, in the user's words (Markdown is fine)")],
        title: Annotated[str | None, Field(description="A short title (becomes the note's heading)")] = None,
    ) -> CallToolResult:
        """Store a text note in the user's memory (written as a file in augmem's notes folder,
        then embedded like any note); returns its memory id."""
        with tool_errors("remember"):
            return mem.remember(text, title)

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
        )
    )
    def forget(
        id: Annotated[str, Field(description="The memory id (from recall)")],
        confirm: Annotated[
            bool, Field(description="Must be true: forgetting cannot be undone. Ask the user first.")
        ] = False,
    ) -> CallToolResult:
        """Forget a memory for good (every part of it, purged from the store); refused unless
        confirm is true."""
        with tool_errors("forget"):
            return mem.forget(id, confirm)

    @server.tool(annotations=read_only)
    def status() -> CallToolResult:
        """What augmem holds and how it runs: memories per kind, pending, model, store, daemon."""
        with tool_errors("status"):
            return mem.status()

    @server.tool(annotations=read_only)
    def read_memory(
        id: Annotated[str, Field(description="The memory id (from recall) or its memory:// URI")],
    ) -> CallToolResult:
        """A memory's content: a note's full text, a photo as an image (with any text read in
        it), or what an audio clip says."""
        with tool_errors("read_memory"):
            return mem.read_memory(id)

    # Two templates because a template has one MIME type: the text view of every memory, and
    # the photo itself. (read_memory gives both at once, as tool content.)
    @server.resource(
        f"{content.URI_SCHEME}://{{id}}",
        name="memory",
        title="A memory",
        mime_type="text/plain",
        description="A memory as text: a note's text, a clip's transcript, a photo's description",
    )
    def memory_resource(id: str) -> str:
        with resource_errors("reading memory"), not_found_as_such():
            return mem.read(id).text

    @server.resource(
        f"{content.URI_SCHEME}://{{id}}/image",
        name="memory-image",
        title="A photo",
        mime_type=content.IMAGE_MIME,
        description="A photo memory as a JPEG (at most 1024 px)",
    )
    def memory_image(id: str) -> bytes:
        with resource_errors("reading photo"), not_found_as_such():
            c = mem.read(id)
            if c.image is None:
                # a note or clip, or a photo whose file is on another device: say which, in one line
                raise AugmemError(
                    c.text.splitlines()[-1] if c.meta.get("on_this_machine") is False else f"memory {id} is not a photo"
                )
            return c.image

    return server, mem


def serve(settings: Settings, *, use_daemon: bool = True) -> None:
    """Serve over stdio until the client closes stdin."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="augmem mcp %(levelname)s %(name)s: %(message)s"
    )
    server, mem = build_server(settings, use_daemon=use_daemon)
    try:
        server.run("stdio")
    finally:
        mem.close()
