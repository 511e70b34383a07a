"""Small view objects shared by the page builders: channel chips, job states, diagnostics,
and links whose address comes from content."""

from __future__ import annotations

from dataclasses import dataclass

from tidings.core.plan import Job, JobState
from tidings.diagnostics import Diagnostic
from tidings.site.colors import css_color, text_on
from tidings.site.links import safe_href
from tidings.workspace.model import Channel

STATE_LABELS = {
    JobState.DUE: "due now",
    JobState.UPCOMING: "scheduled",
    JobState.MISSED: "missed",
    JobState.DONE: "done",
    JobState.PENDING: "pending",
    JobState.BLOCKED: "blocked by checks",
    JobState.DRAFT: "draft",
    JobState.FAILED: "failed",
}
SEVERITY_MARK = {"error": "✗", "warning": "⚠", "info": "ℹ"}


@dataclass(frozen=True)
class Chip:
    """A channel as a coloured label; the text always names it (never colour alone)."""

    id: str
    platform: str
    background: str
    foreground: str

    @property
    def style(self) -> str:
        return f"background-color:{self.background};color:{self.foreground}"


def chip(channel_id: str, channels: dict[str, Channel] | None = None) -> Chip:
    channel = (channels or {}).get(channel_id)
    background = css_color(channel.color if channel else None)
    return Chip(channel_id, channel.platform if channel else "?", background, text_on(background))


@dataclass(frozen=True)
class ContentLink:
    """An address from content: ``href`` is None when it may not be a link (shown as text)."""

    text: str
    href: str | None
    url: str = ""

    @classmethod
    def of(cls, url: str, text: str | None = None) -> ContentLink:
        return cls(text if text is not None else url, safe_href(url), url)


def state_label(job: Job) -> str:
    label = STATE_LABELS[job.state]
    if job.state is JobState.DONE and job.note:
        label = job.note  # published, missed or retracted
    return label


def state_class(job: Job) -> str:
    return f"td-state-{job.note if job.state is JobState.DONE and job.note else job.state.value}"


@dataclass(frozen=True)
class DiagnosticView:
    severity: str
    mark: str
    code: str
    path: str
    line: int
    column: int
    message: str
    suggestion: str | None
    channel: str | None


def diagnostic_view(d: Diagnostic) -> DiagnosticView:
    return DiagnosticView(
        d.severity.value,
        SEVERITY_MARK[d.severity.value],
        d.code,
        d.path,
        d.line,
        d.column,
        d.message,
        d.suggestion,
        d.channel,
    )
