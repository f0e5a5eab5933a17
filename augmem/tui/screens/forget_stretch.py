"""Forget a stretch of time ("the last 10 minutes"): pick the stretch and what kind of memories,
see how many it takes and the newest few, then say yes. Microphone clips augmem recorded are
deleted from disk; a person's own files are only forgotten."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from augmem.humanize import icon, relative_time, short_path, stretch
from augmem.records import Filters, ForgetPlan
from augmem.timeparse import FORMS, parse_span, parse_when

PRESETS = {"10m": "Last 10 minutes", "1h": "Last hour", "today": "Today", "custom": "Custom…"}
KINDS = {
    "all": ("Everything", None),
    "audio": ("Recordings", ["audio"]),
    "image": ("Photos", ["image"]),
    "text": ("Notes", ["text"]),
}
EXAMPLES = 4
_PLURALS = {"text": ("note", "notes"), "image": ("photo", "photos"), "audio": ("recording", "recordings")}


def preset_filters(preset: str, kind: str, now: float, since_text: str = "", until_text: str = "") -> Filters:
    """The filters a choice in the dialog means at `now` (ValueError for an unreadable custom time)."""
    if preset == "custom":
        since, until = parse_span(since_text, until_text, now)
        if since is None and until is None:
            raise ValueError("give a start, an end, or both")
    else:
        since, until = parse_when(preset, now), now
    return Filters(modalities=KINDS[kind][1], since=since, until=until)


def _words(filters: Filters, now: float) -> str:
    """The stretch in words; one that runs up to now reads "since …"."""
    until = None if filters.until is not None and filters.until >= now - 1 else filters.until
    return stretch(filters.since, until, now)


def describe_plan(plan: ForgetPlan, filters: Filters, now: float) -> Content:
    """What a forget takes, in a few lines."""
    when = _words(filters, now)
    if not plan.count:
        return Content.from_markup("[$text-muted]Nothing was captured $w.[/]", w=when)
    kinds = ", ".join(f"{n} {_PLURALS.get(m, (m, m))[n != 1]}" for m, n in sorted(plan.by_modality.items()))
    lines = [
        Content.from_markup(
            "[b]$n[/] memor$y captured $w: $k", n=str(plan.count), y="y" if plan.count == 1 else "ies", w=when, k=kinds
        )
    ]
    for e in plan.examples:
        fate = "deleted from disk" if e.deletes_file else "forgotten; the file stays"
        lines.append(
            Content.from_markup(
                "  $i $p [$text-muted]$t · $f[/]",
                i=icon(e.modality),
                p=short_path(e.path, 34),
                t=relative_time(e.captured_at, now),
                f=fate,
            )
        )
    if plan.count > len(plan.examples):
        lines.append(Content.from_markup("  [$text-muted]… and $m more[/]", m=str(plan.count - len(plan.examples))))
    if plan.deletes:
        lines.append(
            Content.from_markup(
                "[$text-warning]$d recorded by augmem (microphone clips) are deleted from disk.[/]", d=str(plan.deletes)
            )
        )
    return Content("\n").join(lines)


class ForgetStretchModal(ModalScreen[Filters | None]):
    """Choose a stretch of time and the kind of memories; dismisses with the filters to forget."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    class PlanRead(Message):
        """What the chosen stretch takes (or why it could not be read)."""

        def __init__(self, key: tuple[Any, ...], plan: ForgetPlan | None, error: str = "") -> None:
            super().__init__()
            self.key, self.plan, self.error = key, plan, error

    def __init__(self) -> None:
        super().__init__()
        self.preset = "10m"
        self.kind = "all"
        self.filters: Filters | None = None
        self.plan: ForgetPlan | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="stretch-dialog", classes="dialog"):
            yield Static("Forget a stretch of time", classes="dialog-title")
            with RadioSet(id="stretch-preset"):
                for key, label in PRESETS.items():
                    yield RadioButton(label, value=key == self.preset, name=key, id=f"preset-{key}")
            with Vertical(id="stretch-custom"):
                yield Label(f"From ({FORMS})")
                yield Input(placeholder="09:00", id="stretch-since")
                yield Label("To (empty = now)")
                yield Input(placeholder="10:30", id="stretch-until")
            with RadioSet(id="stretch-kind"):
                for key, (label, _) in KINDS.items():
                    yield RadioButton(label, value=key == self.kind, name=key, id=f"kind-{key}")
            yield Static(id="stretch-plan", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel  esc", id="stretch-cancel", variant="default")
                yield Button("Forget", id="stretch-confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#stretch-custom").display = False
        self.query_one("#stretch-preset", RadioSet).focus()
        self._refresh_plan()

    @on(RadioSet.Changed, "#stretch-preset")
    def _preset_changed(self, event: RadioSet.Changed) -> None:
        self.preset = event.pressed.name or "10m"
        self.query_one("#stretch-custom").display = self.preset == "custom"
        if self.preset == "custom":
            self.query_one("#stretch-since", Input).focus()
        self._refresh_plan()

    @on(RadioSet.Changed, "#stretch-kind")
    def _kind_changed(self, event: RadioSet.Changed) -> None:
        self.kind = event.pressed.name or "all"
        self._refresh_plan()

    @on(Input.Changed)
    def _custom_changed(self) -> None:
        self._refresh_plan()

    def _key(self) -> tuple[Any, ...]:
        return (
            self.preset,
            self.kind,
            self.query_one("#stretch-since", Input).value,
            self.query_one("#stretch-until", Input).value,
        )

    def _refresh_plan(self) -> None:
        confirm = self.query_one("#stretch-confirm", Button)
        confirm.disabled = True
        self.plan = None
        _, _, since, until = key = self._key()
        try:
            self.filters = preset_filters(self.preset, self.kind, self.app.clock(), since, until)
        except ValueError as exc:
            self.filters = None
            self.query_one("#stretch-plan", Static).update(Content.styled(str(exc), "$text-error"))
            return
        self.query_one("#stretch-plan", Static).update(Content.styled("Counting…", "$text-muted"))
        self._read_plan(key, self.filters)

    @work(thread=True, exclusive=True, group="stretch-plan")
    def _read_plan(self, key: tuple[Any, ...], filters: Filters) -> None:
        try:
            plan = self.app.backend.forget_plan(filters, examples=EXAMPLES)
        except Exception as exc:  # shown in the dialog, never a crash
            self.post_message(self.PlanRead(key, None, getattr(exc, "message", None) or str(exc)))
            return
        self.post_message(self.PlanRead(key, plan))

    def on_forget_stretch_modal_plan_read(self, event: PlanRead) -> None:
        if event.key != self._key() or self.filters is None:
            return  # the choice changed meanwhile: a newer count is on its way
        body = self.query_one("#stretch-plan", Static)
        if event.plan is None:
            body.update(Content.styled(event.error, "$text-error"))
            return
        self.plan = event.plan
        body.update(describe_plan(event.plan, self.filters, self.app.clock()))
        confirm = self.query_one("#stretch-confirm", Button)
        confirm.disabled = not event.plan.count
        confirm.label = f"Forget {event.plan.count}" if event.plan.count else "Forget"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stretch-confirm" and self.plan is not None and self.plan.count and self.filters:
            if self.preset != "custom":  # a preset runs up to the moment of saying yes
                self.filters = replace(self.filters, until=max(self.filters.until or 0.0, self.app.clock()))
            self.dismiss(self.filters)
        elif event.button.id == "stretch-cancel":
            self.dismiss(None)


def forget_stretch(app: Any, filters: Filters) -> None:
    """Forget what `filters` take, in a worker; say how many when done and recall again."""
    label = _words(filters, app.clock())

    def run() -> None:
        try:
            n = app.backend.forget(filters=filters)
        except Exception as exc:  # shown to the person, never a crash
            msg = getattr(exc, "message", None) or str(exc)
            app.call_from_thread(app.notify, msg, title="Cannot forget", severity="error")
            return

        def done() -> None:
            app.notify(f"Forgot {n} memor{'y' if n == 1 else 'ies'} captured {label}.", title="Forgotten")
            refresh = getattr(app.screen, "search_now", None) or getattr(app.screen, "action_refresh", None)
            if callable(refresh):
                refresh()

        app.call_from_thread(done)

    app.run_worker(run, thread=True, group="forget-stretch")
