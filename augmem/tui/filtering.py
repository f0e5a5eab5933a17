"""What the person has narrowed recall to: modalities, a source, a time range.

One `FilterState` lives on the app, so the timeline can hand a day to the recall screen
and every screen shows the same active filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from augmem.records import MODALITIES, Filters

RANGES = {
    "any": "any time",
    "today": "today",
    "week": "this week",
    "month": "this month",
    "custom": "custom…",
}
"""Time range presets in the order the filter bar offers them."""


def _midnight(ts: float) -> datetime:
    return datetime.fromtimestamp(ts).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class FilterState:
    """The active filters, in the terms the filter bar shows them."""

    modalities: frozenset[str] = field(default_factory=lambda: frozenset(MODALITIES))
    source: str | None = None
    range: str = "any"
    """A key of RANGES, or "span" for an explicit since/until (custom input or a timeline day)."""
    since: float | None = None
    until: float | None = None
    span_label: str = ""

    def toggle(self, modality: str) -> FilterState:
        mods = set(self.modalities) ^ {modality}
        return replace(self, modalities=frozenset(mods))

    def with_range(self, key: str) -> FilterState:
        return replace(self, range=key, since=None, until=None, span_label="")

    def with_span(self, since: float | None, until: float | None, label: str) -> FilterState:
        return replace(self, range="span", since=since, until=until, span_label=label)

    def with_day(self, day: str) -> FilterState:
        """Only memories captured on `day` (YYYY-MM-DD, local time)."""
        start = datetime.fromisoformat(day).astimezone()
        end = start + timedelta(days=1)
        return self.with_span(start.timestamp(), end.timestamp(), day)

    @property
    def is_default(self) -> bool:
        return self == FilterState()

    def bounds(self, now: float) -> tuple[float | None, float | None]:
        """(since, until) in unix seconds for the active range, seen from `now`."""
        if self.range == "span":
            return self.since, self.until
        if self.range == "today":
            return _midnight(now).timestamp(), None
        if self.range == "week":
            start = _midnight(now)
            return (start - timedelta(days=start.weekday())).timestamp(), None
        if self.range == "month":
            return _midnight(now).replace(day=1).timestamp(), None
        return None, None

    def to_filters(self, now: float) -> Filters:
        """The core's `Filters` for these settings (None = no constraint)."""
        since, until = self.bounds(now)
        mods = sorted(self.modalities) if set(self.modalities) != set(MODALITIES) else None
        return Filters(
            modalities=mods,
            sources=[self.source] if self.source else None,
            since=since,
            until=until,
        )

    def range_label(self) -> str:
        if self.range == "span":
            return self.span_label or "custom"
        return RANGES.get(self.range, self.range)

    def describe(self) -> str:
        """One line for people: "text, audio · notes · this week" ("everything" when unfiltered)."""
        parts = []
        if set(self.modalities) != set(MODALITIES):
            parts.append(", ".join(m for m in MODALITIES if m in self.modalities) or "no modality")
        if self.source:
            parts.append(f"source {self.source}")
        if self.range != "any":
            parts.append(self.range_label())
        return " · ".join(parts) or "everything"
