"""The dashboards as the site builds them, without a browser: every chart an SVG image with
its title and description beside a table with a caption and header scopes; hostile names
escaped; empty states that say how to get metrics; metrics.csv exactly as the CLI exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.metrics.dashboards import Heatmap
from tidings.metrics.snapshots import (
    ChannelReading,
    CompetitorReading,
    PostReading,
    Snapshot,
    dump_snapshot,
)
from tidings.platforms.base import AccountCounts, Counts
from tidings.site import build_pages, collect
from tidings.site.colors import contrast
from tidings.site.dashboard_views import heat_rows
from tidings.site.dashboards_page import SECTIONS
from tidings.site.inbox_page import INBOX_PAGE, LISTENING_PAGE

REPO = Path(__file__).parents[2]
HOSTILE = Path(__file__).parents[1] / "fixtures" / "site" / "hostile"
NOW = datetime(2027, 1, 31, 12, tzinfo=ZoneInfo("Europe/Berlin"))
PAGES = ["dashboards/index.md", *(src for src, _, _ in SECTIONS), INBOX_PAGE, LISTENING_PAGE]
EVIL = "<script>window.__pwned='competitor'</script><img src=x onerror=alert(1)>"


class Figures(HTMLParser):
    """Each ``<figure data-chart>``: its svg's attributes, title, desc, and its table's
    caption, header scopes and row count. Also every script tag and on* attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[dict[str, object]] = []
        self.problems: list[str] = []
        self._in: list[str] = []
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.problems.append("<script>")
        self.problems += [f"{tag} {k}" for k, _ in attrs if k.startswith("on")]
        if tag == "figure" and "data-chart" in a:
            self.figures.append(
                {"svg": None, "title": "", "desc": "", "caption": "", "scopes": [], "rows": 0}
            )
        if not self.figures:
            return
        fig = self.figures[-1]
        if tag == "svg":
            fig["svg"] = a
        elif tag == "th":
            fig["scopes"].append(a.get("scope"))  # type: ignore[attr-defined]
        elif tag == "tr":
            fig["rows"] = int(fig["rows"]) + 1  # type: ignore[call-overload]
        self._in.append(tag)
        self._text = ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self.figures and tag in ("title", "desc", "caption"):
            self.figures[-1][tag] = self._text.strip()


def figures(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def example() -> dict[str, str]:
    build = build_pages(collect(REPO, NOW))
    pages = {p.src_uri: p.html for p in build.pages}
    csv = next(f.source for f in build.files if f.dest_uri == "metrics.csv")
    assert csv is not None
    pages["metrics.csv"] = csv.read_text(encoding="utf-8")
    return pages


def test_every_chart_is_an_image_beside_its_table(example: dict[str, str]) -> None:
    counts = {}
    for src in [*PAGES, "posts/2026/12/holiday-opening-hours.md"]:
        found = figures(example[src])
        assert found.problems == [], src
        counts[src] = len(found.figures)
        for fig in found.figures:
            svg = fig["svg"]
            assert isinstance(svg, dict), (src, fig)
            assert (
                svg["role"] == "img" and svg["viewbox"] == "0 0 640 280"
            )  # (the parser lowercases names)
            assert fig["title"] and fig["desc"] and fig["caption"], (src, fig)
            assert set(fig["scopes"]) == {"col", "row"}, (src, fig)  # type: ignore[arg-type]
            assert int(fig["rows"]) > 1, (src, fig)  # type: ignore[call-overload]
    # two channels × (followers, posts per week); tag, campaign, type; four goals; the
    # competitors' followers; one per post; the Inbox page's three (inbox/ of the example)
    assert counts == {
        "dashboards/index.md": 0,
        "dashboards/channels.md": 4,
        "dashboards/what-works.md": 3,
        "dashboards/best-time.md": 0,
        "dashboards/goals.md": 4,
        "dashboards/competitors.md": 1,
        "posts/2026/12/holiday-opening-hours.md": 1,
        INBOX_PAGE: 3,  # items per day; median and 90th-percentile response times
        LISTENING_PAGE: 1,  # matches per day per term
    }


def test_the_pages_say_what_the_numbers_mean(example: dict[str, str]) -> None:
    index = example["dashboards/index.md"]
    assert "likes + reposts + replies + quotes" in index
    assert "62 daily snapshots" in index and "31 Jan 2027" in index
    assert 'href="../metrics.csv" download' in index
    goals = example["dashboards/goals.md"]
    assert (
        "mastodon-followers" in goals
        and "steady-posting" in goals
        and "bluesky-engagement" in goals
    )
    assert re.search(r"td-goal-(on-track|off-track|reached)", goals)
    heat = example["dashboards/best-time.md"]
    assert "data-heatmap" in heat and "Europe/Berlin" in heat
    assert 'scope="row">Mon</th>' in heat
    competitors = example["dashboards/competitors.md"]
    assert "Northlight Photo" in competitors and "@kleinod@mastodon.social" in competitors
    post = example["posts/2026/12/holiday-opening-hours.md"]
    assert 'id="metrics"' in post and "days since publication" in post


def test_the_site_csv_is_exactly_the_export(example: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["--root", str(REPO), "metrics", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert example["metrics.csv"] == result.output
    assert example["metrics.csv"].startswith("date,post,channel,platform,published_at")
    assert example["metrics.csv"].count("\n") > 1000


def test_heatmap_cells_keep_aa_contrast() -> None:
    heat = Heatmap({(0, 9): (1.0, 1), (0, 10): (50.0, 3), (2, 18): (25.0, 2), (4, 12): (0.0, 1)})
    rows = heat_rows(heat)
    assert [name for name, _ in rows] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cells = [c for _, cs in rows for c in cs if c is not None]
    assert len(cells) == 4 and len(rows[0][1]) == 10  # 09:00 to 18:00
    for cell in cells:
        bg, fg = re.fullmatch(r"background-color:(#\w{6});color:(#\w{6})", cell.style).groups()  # type: ignore[union-attr]
        assert contrast(bg, fg) >= 4.5
    assert rows[0][1][1].label == "Mon 10:00: median 50 from 3 posts"  # type: ignore[union-attr]


def _hostile_history(root: Path) -> None:
    day = date(2026, 12, 22)
    counts = Counts(3, None, 1, None, None, {})
    post = PostReading(
        "2026/12/hostile", "mastodon", "1", datetime(2026, 12, 21, 9, tzinfo=UTC), counts
    )
    snapshot = Snapshot(
        day,
        datetime(2026, 12, 22, 5, tzinfo=UTC),
        90,
        {"mastodon": ChannelReading("mastodon", "mastodon", "ok", AccountCounts(10, {}), (post,))},
        "",
        (
            CompetitorReading(EVIL, "mastodon", EVIL, "ok", 5, 3, 1.5, 2.0),
            CompetitorReading("Other", "bluesky", "o.bsky.social", "failed", error=EVIL),
        ),
    )
    path = root / "metrics/2026/12/2026-12-22.json"
    path.parent.mkdir(parents=True)
    path.write_text(dump_snapshot(snapshot), encoding="utf-8")


def test_hostile_names_are_text_in_pages_and_charts(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(HOSTILE)
    _hostile_history(root)
    build = build_pages(collect(root, NOW))
    pages = {p.src_uri: p.html for p in build.pages}
    post = pages["posts/2026/12/hostile.md"]
    for src in [*PAGES, "posts/2026/12/hostile.md"]:
        assert figures(pages[src]).problems == [], src
        assert "<script>window" not in pages[src] and "<img src=x" not in pages[src], src
    # the hostile title is in the chart's own <title>, escaped
    chart = post[post.index('id="metrics"') :]
    assert (
        "<title id=" in chart and "&lt;script&gt;window.__pwned = 'title'&lt;/script&gt;" in chart
    )
    competitors = pages["dashboards/competitors.md"]
    assert competitors.count("&lt;script&gt;window.__pwned=") >= 3
    assert "could not be read" in competitors


def test_without_metrics_the_dashboards_say_how_to_get_them(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    build = build_pages(collect(root, NOW))
    pages = {p.src_uri: p.html for p in build.pages}
    for src in PAGES[:-2]:  # the Inbox pages have their own empty states (test_inbox_page)
        assert "No metrics yet" in pages[src], src
        assert "tidings metrics" in pages[src]
        assert figures(pages[src]).figures == [], src
    assert "No goals yet" in pages["dashboards/goals.md"]
    assert "No competitors yet" in pages["dashboards/competitors.md"]
    assert 'id="metrics"' not in pages["posts/2026/12/hello.md"]
    csv = next(f.source for f in build.files if f.dest_uri == "metrics.csv")
    assert csv is not None
    assert (
        csv.read_text(encoding="utf-8")
        == "date,post,channel,platform,published_at,campaign,tags,type,likes,reposts,replies,quotes,views,followers\n"
    )


def test_the_search_index_holds_post_text_but_not_metrics_numbers(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    """The search plugin reads a post page without its metrics section, meters and repeated
    cards (`data-search-exclude`); the page itself still shows all of them."""
    root = make_workspace()
    counts = Counts(48213, 7391, 6627, None, None, {})
    at = datetime(2026, 12, 10, 8, tzinfo=UTC)
    readings = {
        cid: ChannelReading(
            cid,
            cid,
            "ok",
            AccountCounts(10, {}),
            (PostReading("2026/12/hello", cid, "1", at, counts),),
        )
        for cid in ("mastodon", "bluesky")
    }
    snapshot = Snapshot(date(2026, 12, 22), datetime(2026, 12, 22, 5, tzinfo=UTC), 90, readings, "")
    path = root / "metrics/2026/12/2026-12-22.json"
    path.parent.mkdir(parents=True)
    path.write_text(dump_snapshot(snapshot), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--offline", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = (out / "posts/2026/12/hello/index.html").read_text(encoding="utf-8")
    assert 'id="metrics"' in page and "48,213" in page and "7,391" in page  # shown
    assert page.count('class="td-meters"') >= 3 and 'data-channel="bluesky"' in page
    index = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))
    post = [d for d in index["docs"] if d["location"].startswith("posts/2026/12/hello/")]
    text = " ".join(d["title"] + " " + d["text"] for d in post)
    assert "Hello from the studio." in text  # the post's text is found
    assert "A single black dot on white" in text  # and its alt text
    for number in ("48213", "48,213", "7,391", "6,627", "Latest counts", "characters"):
        assert number not in text, number
    assert not any(d["location"].endswith("#metrics") for d in post)
    assert text.count("Hello from the studio.") == 1  # the first card only


def test_charts_are_serialised_exactly_as_elementtree_does() -> None:
    """charts._xml writes the SVG tree itself (faster); the text is ElementTree's."""
    import xml.etree.ElementTree as ET

    import leather

    from tidings.site.charts import _xml

    chart = leather.Chart()
    chart.add_line([(1, 2.0), (3, 40.5)], name="x\"<y>'\t\r\n")
    chart.add_x_axis(name=EVIL)
    root = ET.Element("svg", {"role": "img", "aria-label": EVIL + '\t"\r\n'})
    ET.SubElement(root, "title", id="t").text = "é ✓ <b> &amp;"
    ET.SubElement(root, "desc")
    root.append(chart.to_svg_group(640, 280))
    root[0].tail = "& <tail>"
    assert _xml(root) == ET.tostring(root, encoding="unicode")
    namespaced = ET.Element("{http://www.w3.org/2000/svg}svg")
    assert _xml(namespaced) == ET.tostring(namespaced, encoding="unicode")
