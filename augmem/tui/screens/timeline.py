"""The timeline: memories by day, drawn; Enter on a day recalls within it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Sparkline, Static

from augmem.tui.messages import TimelineLoaded
from augmem.tui.screens.recall import describe_error
from augmem.tui.widgets.day_chart import DayChart
from augmem.tui.widgets.nav_bar import NavBar

SPARK_DAYS = 90


def daily_totals(days: list[tuple[str, dict[str, int]]], today: date, n: int = SPARK_DAYS) -> list[int]:
    """Totals for the `n` days ending `today`, oldest first (days without memories are 0)."""
    by_day = {d: sum(c.values()) for d, c in days}
    return [by_day.get((today - timedelta(days=i)).isoformat(), 0) for i in range(n - 1, -1, -1)]


class TimelineScreen(Screen):
    """Memories per day, newest first, with a 90-day activity sparkline."""

    BINDINGS = [
        Binding("enter", "open_day", "Recall this day", show=False),
        Binding("f5", "reload", "Reload"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar("timeline", id="nav")
        with Vertical(id="timeline-body"):
            yield Static(id="timeline-title")
            yield Sparkline([0], id="timeline-spark")
            yield Static(id="timeline-axis")
            yield DayChart(id="timeline-days")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#timeline-title", Static).update("Loading the timeline…")

    def on_screen_resume(self) -> None:
        self.action_reload()
        self.query_one(DayChart).focus()

    def action_reload(self) -> None:
        # the day list follows the modality and source filters; the time range is what it shows
        self._load(self.app.filters.with_range("any"), self.app.clock())

    @work(thread=True, exclusive=True, group="timeline")
    def _load(self, state, now: float) -> None:
        try:
            days = self.app.backend.timeline(state.to_filters(now))
        except Exception as exc:
            self.post_message(TimelineLoaded(None, exc))
            return
        self.post_message(TimelineLoaded(days))

    def on_timeline_loaded(self, event: TimelineLoaded) -> None:
        title = self.query_one("#timeline-title", Static)
        if event.error is not None:
            title.update(Content.from_markup("[$text-error]$m[/]", m=describe_error(event.error)))
            return
        days = sorted(event.days or [], key=lambda day: day[0], reverse=True)
        chart = self.query_one(DayChart)
        chart.show_days(days)
        total = sum(sum(c.values()) for _, c in days)
        today = datetime.fromtimestamp(self.app.clock()).date()
        spark = daily_totals(days, today)
        self.query_one("#timeline-spark", Sparkline).data = spark
        first = (today - timedelta(days=SPARK_DAYS - 1)).strftime("%d %b")
        axis = self.query_one("#timeline-axis", Static)
        width = max(axis.content_size.width, 20)
        gap = " " * max(width - len(first) - 5, 1)
        axis.update(Content.assemble((first, "$text-muted"), gap, ("today", "$text-muted")))
        scoped = self.app.filters.with_range("any")
        scope = "" if scoped.is_default else f" · {scoped.describe()}"
        title.update(
            Content.from_markup(
                "[b]$n[/] memories on [b]$d[/] $days$scope · "
                "[$text-muted]last $k days below · enter: recall that day[/]",
                n=f"{total:,}",
                d=str(len(days)),
                days="day" if len(days) == 1 else "days",
                scope=scope,
                k=str(SPARK_DAYS),
            )
        )
        if not days:
            title.update("No memories yet. Add some with `augmem ingest PATH` or start the daemon.")

    @on(OptionList.OptionSelected, "#timeline-days")
    def _day_selected(self) -> None:
        self.action_open_day()

    def action_open_day(self) -> None:
        day = self.query_one(DayChart).selected_day
        if day is None:
            return
        self.app.filters = self.app.filters.with_day(day)
        self.app.switch_mode("recall")
