"""The MCP surface: `augmem mcp` serves the person's memory to their AI assistant over stdio
(`server.py`), talking only to a Backend (`access.py`); `content.py` turns memories into what
an assistant reads, `notes.py` owns the folder `remember` writes into. The `mcp` SDK is
imported only here, when the command runs."""
