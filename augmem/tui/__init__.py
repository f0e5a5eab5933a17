"""The Textual TUI: search-as-you-type recall, previews, filters, timeline and status.

Build it with `augmem.tui.app.make_app`; nothing here imports torch (the model loads in
a worker on the first query, or lives in the daemon).
"""
