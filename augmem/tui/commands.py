"""The command palette (ctrl+p): every action of the app, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from augmem.tui.filtering import MODALITIES, RANGES

RECALL_COMMANDS = [
    ("Search", "Focus the query box", "focus_search"),
    ("More like this", "Recall memories like the selected result (query by example)", "more_like_this"),
    ("Play / stop sound", "Play the selected audio clip, or stop playback", "play"),
    ("Open source", "Open the selected memory's file in its default app", "open"),
    ("Reveal in folder", "Show the selected memory's file in the file manager", "reveal"),
    ("Copy path", "Copy the selected memory's path to the clipboard", "copy_path"),
    ("Forget…", "Delete the selected memory from the store (asks first)", "forget"),
    ("Clear filters", "Recall across every modality, source and time", "clear_filters"),
    ("Filter: custom time range…", "Recall between two dates", "custom_range"),
]


def all_commands() -> list[tuple[str, str, str, str]]:
    """(title, help, where, action): where = "app" or "recall" (runs on the recall screen)."""
    cmds = [
        ("Go to Recall", "Search your memories", "app", "switch_mode('recall')"),
        ("Go to Timeline", "Memories by day", "app", "switch_mode('timeline')"),
        ("Go to Status", "Daemon, capture, counts, model, re-embedding", "app", "switch_mode('status')"),
        ("Help", "Every key, by screen", "app", "help"),
        ("Pause / resume capture", "Toggle the daemon's capture (watchers and microphone)", "app", "toggle_capture"),
        (
            "Forget a stretch of time…",
            "Forget the last 10 minutes, the last hour, today… (asks first)",
            "app",
            "forget_stretch",
        ),
        ("Quit", "Leave augmem", "app", "quit"),
    ]
    cmds += [(t, h, "recall", a) for t, h, a in RECALL_COMMANDS]
    cmds += [
        (f"Filter: toggle {m}", f"Include or exclude {m} memories", "recall", f"toggle_modality('{m}')")
        for m in MODALITIES
    ]
    cmds += [
        (f"Filter: {label}", f"Only memories from {label}", "recall", f"set_range('{key}')")
        for key, label in RANGES.items()
        if key not in ("custom",)
    ]
    for source in ("", "notes", "photos", "audio", "mic"):
        title = f"Filter: source {source}" if source else "Filter: any source"
        cmds.append((title, "Only memories captured by this source", "recall", f"set_source('{source}')"))
    return cmds


class AugmemCommands(Provider):
    """Offers every augmem action; recall actions switch to the recall screen first."""

    def _callback(self, where: str, action: str):
        if where == "app":
            return partial(self.app.run_action, action)
        return partial(self.app.run_recall_action, action)

    async def discover(self) -> Hits:
        for title, help_text, where, action in all_commands():
            yield DiscoveryHit(title, self._callback(where, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, where, action in all_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._callback(where, action), help=help_text)
