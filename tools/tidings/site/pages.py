"""Every generated page of the preview site, as HTML strings, from one :class:`SiteData`.

Pure: no MkDocs here. The plugin turns :class:`SitePage` into MkDocs pages and
:class:`SiteFile` into files; tests call :func:`build_pages` directly.

    index.md                  home: the next 7 days, what failed, what needs a person
    calendar/index.md         every month; calendar/YYYY-MM.md one month each
    calendar.ics              every scheduled post, for calendar apps
    posts/index.md            every post; posts/<post id>.md one page each
    campaigns/index.md        campaigns; campaigns/<id>.md one page each
    brand.md, ideas.md, ledger.md
    dashboards/…              the metrics dashboards (see dashboards_page); metrics.csv
    reports/index.md          the monthly reports; reports/YYYY-MM.md one month each (report_page)
    community/…               the Inbox and Listening pages (see inbox_page)
    media/…                   the exact image files each platform gets
    feed/atom.xml             the feed channel's Atom feed, from the ledger (see site.feed)
    links/index.html          the link-in-bio page, a standalone page (see site.link_in_bio)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from tidings.core.atom import FEED_PATH
from tidings.core.plan import Job, JobState
from tidings.diagnostics import Severity
from tidings.metrics.report import MonthRecorder
from tidings.site.brand_page import brand_sections
from tidings.site.calendar import Month, current_month, entries_by_day, month_src, months
from tidings.site.colors import css_color, text_on
from tidings.site.dashboards_page import CSV, build_dashboards
from tidings.site.data import SiteData
from tidings.site.feed import feed_xml
from tidings.site.ics import calendar_ics, ics_event
from tidings.site.inbox_page import build_inbox
from tidings.site.link_in_bio import BIO_PATH, BIO_PLATFORM, bio_page
from tidings.site.links import Linker
from tidings.site.parallel import ItemFailed, in_spans
from tidings.site.post_page import post_src, post_view
from tidings.site.report_page import numbers, read_inbox, report_body, report_months, report_src
from tidings.site.templates import environment, render_template
from tidings.site.views import Chip, ContentLink, chip, diagnostic_view
from tidings.workspace import layout
from tidings.workspace.ledger import ChannelRecord, LedgerState
from tidings.workspace.model import Post

WEEK = timedelta(days=7)
ICS = "calendar.ics"
FEED = FEED_PATH


@dataclass(frozen=True)
class SitePage:
    """A generated page: its source path, its title (plain text) and its HTML body."""

    src_uri: str
    title: str
    html: str
    in_nav: bool = False
    wide: bool = False  # hide the theme's navigation sidebar to give the content room
    search: bool = True  # listings repeat what post pages hold: left out of the search index


@dataclass(frozen=True)
class SiteFile:
    """A generated file: ``content`` written as is, or a copy of ``source``."""

    dest_uri: str
    content: str | bytes | None = None
    source: Path | None = None


@dataclass
class SiteBuild:
    pages: list[SitePage] = field(default_factory=list)
    files: list[SiteFile] = field(default_factory=list)
    workers: int = 1
    """Processes that built the post pages (1: the calling one)."""


class _Builder:
    def __init__(self, data: SiteData, directory_urls: bool) -> None:
        self.data = data
        self.directory_urls = directory_urls
        self.chips: dict[str, Chip] = {cid: chip(cid, dict(data.channels)) for cid in data.channels}
        self.out = SiteBuild()
        self.assets: dict[str, Path] = {}

    def page(
        self,
        src: str,
        title: str,
        template: str,
        in_nav: bool = False,
        wide: bool = False,
        search: bool = True,
        after: tuple[str, dict[str, Any]] | None = None,
        **ctx: Any,
    ) -> None:
        """``after``: another template and its context, rendered at the end of the page."""
        shared = {
            "link": Linker(src, self.directory_urls),
            "tz": self.data.tz,
            "chips": self.chips,
            "brand": self.data.brand_name,
            "brand_initial": (self.data.brand_name[:1] or "?").upper(),
            "now": self.data.local(self.data.now),
        }
        html = render_template(template, **shared, **ctx)
        if after is not None:
            html += render_template(after[0], **shared, **after[1])
        self.out.pages.append(SitePage(src, title, html, in_nav, wide, search))


def _has_bio(data: SiteData) -> bool:
    brand = data.ws.brand
    return bool(brand and brand.bio_links) or any(
        c.platform == BIO_PLATFORM for c in data.channels.values()
    )


def _needs_person(data: SiteData) -> tuple[list[Job], list[tuple[Post, str]], list[Any]]:
    """(unknown jobs, posts blocked by errors, errors in shared files). Failed jobs have
    their own list."""
    stuck = [
        j
        for j in data.jobs
        if j.state is JobState.PENDING and j.note.startswith(LedgerState.UNKNOWN)
    ]
    blocked: dict[str, tuple[Post, str]] = {}
    for job in data.jobs:
        if job.state is JobState.BLOCKED and job.post.id not in blocked:
            first = next(
                (d for d in data.diagnostics_for(job.post) if d.severity is Severity.ERROR), None
            )
            blocked[job.post.id] = (job.post, first.message if first else "checks fail")
    shared = [
        diagnostic_view(d)
        for d in data.diagnostics
        if d.severity is Severity.ERROR
        and not d.path.startswith((layout.POSTS + "/", layout.IDEAS + "/"))
    ]
    return stuck, list(blocked.values()), shared


def _failures(data: SiteData) -> list[tuple[Post | None, str, str, ChannelRecord]]:
    """Every ledger record in state failed (still retrying or given up)."""
    by_ledger_id = {job.ledger_id: job.post for job in data.jobs}
    out = []
    for pid, entry in sorted(data.ws.ledger.items()):
        for cid, record in sorted(entry.channels.items()):
            if record.state is LedgerState.FAILED:
                out.append((data.ws.posts.get(pid) or by_ledger_id.get(pid), pid, cid, record))
    return out


def build_pages(data: SiteData, directory_urls: bool = True, jobs: int = 1) -> SiteBuild:
    """Every generated page and file of the site. ``jobs`` > 1: post pages are built in
    that many forked worker processes (see :mod:`tidings.site.parallel`); the result is the
    same."""
    b = _Builder(data, directory_urls)
    now = data.now
    all_months = months(data)
    this_month = current_month(data, all_months)
    posts = data.posts_by_time

    soon = [j for j in data.jobs if now <= j.at < now + WEEK and j.state is not JobState.DRAFT]
    due = [j for j in data.jobs if j.state is JobState.DUE]
    stuck, blocked, shared = _needs_person(data)
    unreadable = [
        (
            layout.post_path(pid),
            [diagnostic_view(d) for d in data.diagnostics_in(layout.post_path(pid))],
        )
        for pid in sorted(data.ws.post_files - set(data.ws.posts))
    ]
    b.page(
        "index.md",
        data.brand_name,
        "home.html",
        in_nav=True,
        soon=sorted(entries_by_day(data, soon).items()),
        due=due,
        failures=_failures(data),
        stuck=stuck,
        blocked=blocked,
        shared=shared,
        unreadable=unreadable,
        this_month=this_month,
        errors=sum(d.severity is Severity.ERROR for d in data.diagnostics),
        warnings=sum(d.severity is Severity.WARNING for d in data.diagnostics),
        posts=len(posts),
        has_feed=any(c.platform == "feed" for c in data.channels.values()),
        bio=(BIO_PATH.removesuffix("index.html") if directory_urls else BIO_PATH)
        if _has_bio(data)
        else None,
        ics=ICS,
    )
    _calendar_pages(b, all_months, this_month)
    rows = [(p, {j.channel: j for j in data.jobs_for(p)}, data.errors_for(p)) for p in posts]
    b.page(
        "posts/index.md",
        "Posts",
        "posts_index.html",
        in_nav=True,
        search=False,
        rows=rows,
        unreadable=unreadable,
    )
    dashboards = build_dashboards(data, jobs)
    events = _post_pages(b, data, posts, dashboards.post_sections, jobs)
    _campaign_pages(b, data, posts)
    b.page(
        "brand.md",
        "Brand guidelines",
        "brand.html",
        in_nav=True,
        sections=brand_sections(data.ws.brand),
        channels=[(b.chips[c.id], c) for c in data.channels.values()],
        saved_replies=list(data.ws.saved_replies.values()),
        diagnostics=[
            diagnostic_view(d)
            for d in data.diagnostics
            if d.path in (layout.BRAND, layout.CHANNELS, layout.SAVED_REPLIES)
        ],
    )
    _ideas_page(b, data)
    _ledger_page(b, data)
    for dash in dashboards.pages:
        b.page(
            dash.src,
            dash.title,
            dash.template,
            in_nav=dash.in_nav,
            wide=True,
            search=dash.search,
            **dash.context,
        )
    _report_pages(b, data, dashboards.months)
    for page in build_inbox(data):
        b.page(
            page.src,
            page.title,
            page.template,
            in_nav=page.in_nav,
            wide=True,
            search=page.search,
            **page.context,
        )
    b.out.files.append(SiteFile(CSV, source=dashboards.csv))
    b.out.files.append(SiteFile(ICS, calendar_ics(data, events)))
    feed = feed_xml(data)
    if feed is not None:
        b.out.files.append(SiteFile(FEED, feed))
    bio = bio_page(data, b.assets)
    if bio is not None:
        b.out.files.append(SiteFile(BIO_PATH, bio))
    for dest, source in sorted(b.assets.items()):
        b.out.files.append(SiteFile(dest, source=source))
    return b.out


POST_TEMPLATES = (
    "post.html",
    "post_metrics.html",
    "card.html",
    "macros.html",
    "dashboards_macros.html",
)


def _post_pages(
    b: _Builder,
    data: SiteData,
    posts: list[Post],
    sections: Mapping[str, dict[str, Any]],
    jobs: int,
) -> list[str]:
    """A page per post, the bulk of a site: in ``jobs`` worker processes when > 1, each
    building a span of ``posts`` with a builder of its own; pages and images come back in
    the order of ``posts``, and each post's ``calendar.ics`` event (made beside its page, from
    the same rendered texts), which this returns."""

    def span(start: int, end: int) -> tuple[list[SitePage], dict[str, Path], list[str]]:
        own = _Builder(data, b.directory_urls)
        events = []
        for post in posts[start:end]:
            try:
                view = post_view(data, post, own.assets)
                section = sections.get(post.id)
                after = ("post_metrics.html", section) if section is not None else None
                own.page(
                    post_src(post.id), post.title, "post.html", wide=True, view=view, after=after
                )
                events.append(ics_event(data, post))
            except Exception as exc:  # reported with the post it happened on
                raise ItemFailed(post.path, exc) from exc
        return own.out.pages, own.assets, events

    if jobs > 1:
        for name in POST_TEMPLATES:  # compiled once here, not once per worker
            environment().get_template(name)
    results, b.out.workers = in_spans(span, len(posts), jobs, "post pages")
    events: list[str] = []
    for pages, assets, more in results:
        b.out.pages.extend(pages)
        b.assets.update(assets)
        events += more
    return events


def _report_pages(b: _Builder, data: SiteData, recorder: MonthRecorder) -> None:
    inbox = read_inbox(data)
    listed = []
    for month in reversed(report_months(data, recorder)):
        src = report_src(month)
        n = numbers(data, month, recorder, inbox)
        html = report_body(data, n, Linker(src, b.directory_urls))
        listed.append((month, src, n))
        b.out.pages.append(SitePage(src, f"Report: {month.label}", html, wide=True, search=False))
    b.page("reports/index.md", "Reports", "reports_index.html", in_nav=True, months=listed)


def _calendar_pages(b: _Builder, all_months: list[Month], this_month: Month | None) -> None:
    years: dict[int, list[Month]] = defaultdict(list)
    for m in all_months:
        years[m.first.year].append(m)
    b.page(
        "calendar/index.md",
        "Calendar",
        "calendar_index.html",
        in_nav=True,
        years=sorted(years.items()),
        this_month=this_month,
        ics=ICS,
    )
    legend = sorted(b.chips.values(), key=lambda c: c.id)
    for month in all_months:
        b.page(
            month.src,
            f"{month.first:%B %Y}",
            "calendar_month.html",
            wide=True,
            search=False,
            month=month,
            prev_src=month_src(month.prev) if month.prev else None,
            next_src=month_src(month.next) if month.next else None,
            legend=legend,
            weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            ics=ICS,
        )


def _campaign_pages(b: _Builder, data: SiteData, posts: list[Post]) -> None:
    by_campaign: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        if post.campaign:
            by_campaign[post.campaign].append(post)
    campaigns = sorted(data.ws.campaigns.values(), key=lambda c: (c.start, c.id))
    colours = {}
    for c in campaigns:
        bg = css_color(c.color, "#5b6470")
        colours[c.id] = f"background-color:{bg};color:{text_on(bg)}"
    b.page(
        "campaigns/index.md",
        "Campaigns",
        "campaigns.html",
        in_nav=True,
        campaigns=campaigns,
        counts={c.id: len(by_campaign.get(c.id, ())) for c in campaigns},
        colours=colours,
        without=[p for p in posts if not p.campaign],
    )
    key_dates = [k for cal in data.ws.calendars for k in cal.key_dates]
    for c in campaigns:
        b.page(
            f"campaigns/{c.id}.md",
            c.name,
            "campaign.html",
            campaign=c,
            colour=colours[c.id],
            posts=by_campaign.get(c.id, []),
            key_dates=sorted((k for k in key_dates if c.contains(k.day)), key=lambda k: k.day),
            month_src=month_src(c.start.replace(day=1)),
        )


IDEA_ORDER = ("new", "pitched", "parked", "used", "rejected")

_Key = TypeVar("_Key", bound=str)
_Group = TypeVar("_Group")


def _in_order(groups: Mapping[_Key, _Group], order: Sequence[_Key]) -> list[tuple[_Key, _Group]]:
    """``groups`` as (key, group) pairs: the keys ``order`` names first, in its order, then
    any others, sorted."""
    keys = [k for k in order if k in groups] + sorted(set(groups) - set(order))
    return [(k, groups[k]) for k in keys]


def _ideas_page(b: _Builder, data: SiteData) -> None:
    groups: dict[str, list[Any]] = defaultdict(list)
    for idea in sorted(data.ws.ideas.values(), key=lambda i: (i.created is None, i.created, i.id)):
        groups[idea.status].append(idea)
    b.page(
        "ideas.md",
        "Idea bank",
        "ideas.html",
        in_nav=True,
        groups=_in_order(groups, IDEA_ORDER),
        posts=data.ws.posts,
    )


LEDGER_ORDER = (
    LedgerState.UNKNOWN,
    LedgerState.FAILED,
    LedgerState.PENDING,
    LedgerState.MISSED,
    LedgerState.PUBLISHED,
    LedgerState.RETRACTED,
)
"""The ledger page's groups, those that need a person first."""


def _ledger_page(b: _Builder, data: SiteData) -> None:
    groups: dict[
        LedgerState, list[tuple[str, Post | None, str, ChannelRecord, list[ContentLink]]]
    ] = defaultdict(list)
    by_ledger_id = {job.ledger_id: job.post for job in data.jobs}
    for pid, entry in sorted(data.ws.ledger.items()):
        post = data.ws.posts.get(pid) or by_ledger_id.get(pid)
        for cid, record in sorted(entry.channels.items()):
            links = [
                ContentLink.of(p.url, f"part {i}") for i, p in enumerate(record.parts, 1) if p.url
            ]
            groups[record.state].append((pid, post, cid, record, links))
    ordered = _in_order(groups, LEDGER_ORDER)
    b.page(
        "ledger.md",
        "Ledger",
        "ledger.html",
        in_nav=True,
        search=False,
        groups=ordered,
        counts={s: len(group) for s, group in ordered},
    )
