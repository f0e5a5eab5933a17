"""The preview pane: shows the highlighted hit as a note, a photo or a sound."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, Static

from augmem.humanize import human_size, icon, media_time, not_here, relative_time, short_path
from augmem.records import Hit
from augmem.tui.matching import best_segment, highlight
from augmem.tui.messages import PreviewLoaded
from augmem.tui.widgets.audio_preview import AudioPreview
from augmem.tui.widgets.note_preview import NotePreview
from augmem.tui.widgets.photo_preview import PhotoPreview

WAVE_BUCKETS = 400


def note_text(hit: Hit) -> tuple[str, int, int]:
    """The note's text and the match span in it; the stored chunk when the file moved on."""
    try:
        text = Path(hit.path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return hit.text, 0, len(hit.text)
    start, end = hit.chunk_start, hit.chunk_end
    chunk = hit.text.strip()
    if chunk and text[start:end].strip() != chunk:
        found = text.find(chunk)  # the file changed since ingest: find the passage again
        if found < 0:
            return text, 0, 0
        start, end = found, found + len(chunk)
    return text, start, end


def transcript_content(hit: Hit, query: str | None) -> Content:
    """The clip's transcript, a segment a line with its time, the query's words highlighted and
    the segment Enter plays from marked."""
    if not hit.segments:
        return Content.styled("no words heard" if hit.facet == "audio" else "", "$text-muted")
    best = best_segment(hit, query)
    lines = []
    for seg in hit.segments:
        mark = "▶ " if seg == best else "  "
        lines.append(
            Content.assemble((f"{mark}{media_time(seg.start):>5} ", "$text-muted"), highlight(seg.text, query))
        )
    return Content("\n").join(lines)


class Preview(Vertical):
    """Title line plus one of: empty hint, note, photo, audio."""

    def __init__(self, clock: Callable[[], float], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self.hit: Hit | None = None
        self.query = ""
        """The query the shown hit answers: its words are highlighted in transcripts and photo text."""

    def compose(self) -> ComposeResult:
        yield Static(id="preview-title")
        with ContentSwitcher(initial="preview-empty", id="preview-switcher"):
            yield Static("Nothing selected.", id="preview-empty")
            yield NotePreview(id="preview-note")
            yield PhotoPreview(id="preview-photo")
            yield AudioPreview(id="preview-audio")

    def show(self, hit: Hit | None, message: str = "", query: str | None = None) -> None:
        """Preview `hit` (None: show `message` instead); `query` is what it was recalled by."""
        requery = query is not None and query != self.query  # new words to highlight, another segment to play
        if query is not None:
            self.query = query
        if hit is not None and self.hit is not None and hit.id == self.hit.id and not requery:
            return
        self.hit = hit
        title = self.query_one("#preview-title", Static)
        switcher = self.query_one(ContentSwitcher)
        if hit is None:
            title.update("")
            self.query_one("#preview-empty", Static).update(message or "Nothing selected.")
            switcher.current = "preview-empty"
            return
        title.update(
            Content.assemble(
                (f"{icon(hit.modality)} {Path(hit.path).name}", "b"),
                ("  " + relative_time(hit.captured_at, self._clock()), "$text-secondary"),
            )
        )
        if hit.modality == "image":
            self.query_one(PhotoPreview).clear()
            switcher.current = "preview-photo"
        elif hit.modality == "audio":
            self.query_one(AudioPreview).reading()
            switcher.current = "preview-audio"
        else:
            switcher.current = "preview-note"
        self._load(hit)

    @work(thread=True, exclusive=True, group="preview")
    def _load(self, hit: Hit) -> None:
        from augmem.tui import media

        if hit.modality != "text" and not Path(hit.path).exists():
            # a shared store holds other devices' memories: say so (a note still shows its stored text)
            self.post_message(PreviewLoaded(hit.id, error=not_here(hit.path)))
            return
        try:
            if hit.modality == "image":
                data = media.load_photo(hit.path)
            elif hit.modality == "audio":
                data = media.load_peaks(hit.path, WAVE_BUCKETS, hit.chunk_start, hit.chunk_end)
            else:
                data = note_text(hit)
        except Exception as exc:  # a bad file must never take the pane down
            self.post_message(PreviewLoaded(hit.id, error=f"cannot read {hit.path}: {exc}"))
            return
        self.post_message(PreviewLoaded(hit.id, data))

    def on_preview_loaded(self, event: PreviewLoaded) -> None:
        event.stop()
        hit = self.hit
        if hit is None or event.hit_id != hit.id:
            return  # the person moved on while we were reading
        if event.error:
            self.query_one("#preview-empty", Static).update(Content.from_markup("[$text-error]$e[/]", e=event.error))
            self.query_one(ContentSwitcher).current = "preview-empty"
            return
        when = hit.when.strftime("%Y-%m-%d %H:%M")
        if hit.modality == "image":
            info = event.data
            taken = f"taken {info.taken}" if info.taken else f"no EXIF time · file time {when}"
            facts = [taken, f"{info.width}×{info.height}"] + ([info.camera] if info.camera else [])
            meta = Content.assemble((" · ".join(facts), "$text-secondary"), "\n", short_path(hit.path, 200))
            ocr = (
                Content.assemble(("text in the photo\n", "$text-muted"), highlight(hit.ocr_text, self.query))
                if hit.ocr_text
                else ""
            )
            self.query_one(PhotoPreview).show(info.image, meta, ocr)
        elif hit.modality == "audio":
            info = event.data
            meta = Content.assemble(
                (f"{media_time(info.duration)}", "b"),
                (f" · recorded {when} · {info.sample_rate} Hz · {human_size(hit.size)}", "$text-secondary"),
                "\n",
                short_path(hit.path, 200),
                "\n",
                ("enter ▶ play / stop" + (" (from the matching words)" if hit.segments else ""), "$text-muted"),
            )
            self.query_one(AudioPreview).show(info.peaks, meta, transcript_content(hit, self.query))
        else:
            text, start, end = event.data
            markdown = Path(hit.path).suffix.lower() in (".md", ".markdown")
            self.query_one(NotePreview).show(text, start, end, markdown=markdown)
