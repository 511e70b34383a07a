"""The preview site's page builders, without a browser: links, colours, the .ics file, the
calendar, the post cards (text exactly as `render` gives it), escaping of hostile content,
and the MkDocs build through the plugin and `tidings site build`."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from builders.posts import post as post_text
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.core.platforms import PLATFORMS, Fold
from tidings.core.render import render
from tidings.site import build_pages, collect
from tidings.site.colors import contrast, css_color, text_on
from tidings.site.folds import fold_at
from tidings.site.ics import calendar_ics, escape_text, fold, uid
from tidings.site.links import Linker, page_url, relative, safe_href
from tidings.site.plugin import SitePage, front_matter
from tidings.site.search import searchable

EXAMPLE = Path(__file__).parents[2]
HOSTILE = Path(__file__).parents[1] / "fixtures" / "site" / "hostile"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def example_site() -> dict[str, str]:
    data = collect(EXAMPLE, NOW)
    return {p.src_uri: p.html for p in build_pages(data).pages}


@pytest.fixture
def hostile_site(make_workspace: Callable[..., Path]) -> tuple[Path, dict[str, str]]:
    root = make_workspace(HOSTILE)
    data = collect(root, NOW)
    return root, {p.src_uri: p.html for p in build_pages(data).pages}


# ---- links and colours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "directory", "url"),
    [
        ("index.md", True, ""),
        ("index.md", False, "index.html"),
        ("calendar/index.md", True, "calendar/"),
        ("posts/2026/12/a.md", True, "posts/2026/12/a/"),
        ("posts/2026/12/a.md", False, "posts/2026/12/a.html"),
        ("calendar.ics", True, "calendar.ics"),
    ],
)
def test_page_urls_follow_mkdocs(src: str, directory: bool, url: str) -> None:
    assert page_url(src, directory) == url


def test_relative_links_between_pages() -> None:
    assert relative("posts/2026/12/a/", "calendar/2026-12/") == "../../../../calendar/2026-12/"
    assert relative("", "posts/index.md".replace("index.md", "")) == "posts/"
    assert relative("calendar/2026-12/", "") == "../../"
    assert relative("calendar/2026-12/", "calendar/2026-12/") == "./"
    assert Linker("posts/2026/12/a.md")("media/2026/x.jpg") == "../../../../media/2026/x.jpg"
    assert Linker("index.md", directory_urls=False)("brand.md") == "brand.html"


def test_relative_paths_are_what_posixpath_relpath_gives() -> None:
    """links._relpath computes relpath without the working directory; same answers."""
    import itertools
    import posixpath

    from tidings.site.links import _relpath

    parts = ["", ".", "a", "a/b", "a/b/c", "a/c", "b", "a//b", "a/./b", "posts/2026/12/x"]
    extra = ["media/2026/x.jpg", "a/b/", "../a", "a/../b", "index.html", "a.b/c.d"]
    for path, start in itertools.product(parts + extra, repeat=2):
        if path and start:
            assert _relpath(path, start) == posixpath.relpath(path, start), (path, start)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative/path",
        "build/outbox/a.json#part-1",
        "https://exa mple.com/",
        "http:///nohost",
        "",
        None,
    ],
)
def test_only_http_addresses_become_links(url: str | None) -> None:
    assert safe_href(url) is None


def test_http_addresses_are_kept() -> None:
    assert safe_href("https://photog.social/@lg/1") == "https://photog.social/@lg/1"
    assert safe_href("HTTP://example.com") == "HTTP://example.com"


@pytest.mark.parametrize(
    "color", ["#6364ff", "#1185fe", "#14171a", "#e1306c", "#808080", "#777", "#ffff00", "#000000"]
)
def test_text_on_any_colour_meets_aa(color: str) -> None:
    assert contrast(color, text_on(color)) >= 4.5


def test_only_hex_colours_reach_css() -> None:
    assert css_color("#ABCDEF") == "#abcdef"
    assert css_color("red;background:url(javascript:alert(1))") == "#6b7280"
    assert css_color("#12345g") == "#6b7280"
    assert css_color(None, "#000000") == "#000000"


# ---- calendar.ics -----------------------------------------------------------------------


def test_ics_text_is_escaped() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    assert escape_text("bell\x07") == "bell"


@pytest.mark.parametrize("text", ["x" * 200, "é" * 100, "😀" * 60, "a" + "€" * 80])
def test_ics_lines_fold_at_75_octets_without_splitting_characters(text: str) -> None:
    folded = fold("DESCRIPTION:" + text)
    lines = folded.split("\r\n")
    assert lines[-1] == ""
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:-1])
    assert "".join(lines[0:1] + [line[1:] for line in lines[1:-1]]) == "DESCRIPTION:" + text


def _unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_ics_has_one_event_per_scheduled_post_with_rendered_text() -> None:
    data = collect(EXAMPLE, NOW)
    ics = calendar_ics(data)
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    lines = _unfold(ics)
    scheduled = [p for p in data.ws.posts.values() if p.at and not p.draft]
    assert sum(line == "BEGIN:VEVENT" for line in lines) == len(scheduled)
    post = data.ws.posts["2026/12/holiday-opening-hours"]
    assert f"UID:{uid(post.id)}" in lines
    assert uid(post.id) == uid("2026/12/holiday-opening-hours")  # stable across builds
    rendered = render(post, data.ws.channels["bluesky"], data.ws.brand)
    assert escape_text(rendered.parts[0].text) in ics.replace("\r\n ", "")
    assert "URL:https://lumengrain.github.io/tidings/posts/2026/12/holiday-opening-hours/" in lines
    assert "DTSTART:20261217T073000Z" in lines  # the LinkedIn variant goes first, 08:30 CET


# ---- pages ------------------------------------------------------------------------------


def test_every_page_is_generated(example_site: dict[str, str]) -> None:
    for src in ("index.md", "calendar/index.md", "calendar/2026-12.md", "posts/index.md"):
        assert src in example_site
    for src in ("brand.md", "ideas.md", "ledger.md", "campaigns/holidays-2026.md"):
        assert src in example_site
    assert "posts/2026/12/holiday-opening-hours.md" in example_site


def test_december_calendar(example_site: dict[str, str]) -> None:
    html = example_site["calendar/2026-12.md"]
    data = collect(EXAMPLE, NOW)
    for post in data.ws.posts.values():
        if post.at and post.at.astimezone(BERLIN).month == 12 and post.at.year == 2026:
            assert post.title.replace("'", "&#39;") in html, post.title
    assert "Holidays 2026" in html  # campaign bar
    assert "St. Nicholas Day" in html  # key date
    assert "td-blackout" in html and "Studio closed for Christmas from 14:00" in html
    # the free Sunday slot on 20 Dec is filled by an evergreen tip, so it is no gap
    assert "Weekend note: nothing planned" not in html
    assert 'rel="next" href="../2027-01/"' in html
    assert "td-weeklist" in html  # the list for narrow screens
    assert "background-color:#6364ff;color:#000000" in html  # mastodon's colour, AA text


def test_the_calendar_shows_which_evergreen_post_fills_which_slot() -> None:
    """The queue's choices for the next weeks are on the calendar, marked evergreen, in the
    free slots (and only there: a day with a dated post on the slot's channel is not one)."""
    from tidings.site.calendar import months

    data = collect(EXAMPLE, NOW)
    evergreen = [j for j in data.jobs if j.evergreen]
    assert evergreen, "the example's tips fill no slot"
    days = {d.day: d for m in months(data) for week in m.weeks for d in week if d.in_month}
    for job in evergreen:
        day = days[job.at.astimezone(BERLIN).date()]
        entry = next(e for e in day.entries if e.post.id == job.post.id)
        assert entry.evergreen and entry.time == f"{job.at.astimezone(BERLIN):%H:%M}"
        assert not any(
            j.channel == job.channel
            and not j.evergreen
            and j.at.astimezone(BERLIN).date() == day.day
            for j in data.jobs
        )
    first = evergreen[0]
    html = build_pages(data).pages
    page = next(p.html for p in html if p.src_uri == f"calendar/{first.at:%Y-%m}.md")
    assert first.post.title in page and 'td-evergreen">evergreen</span>' in page
    # four weeks ahead at most, and never in a past slot beyond the lateness window
    assert all(
        NOW - data.ws.settings.lateness <= j.at <= NOW + timedelta(weeks=4)
        for j in evergreen
        if j.state.value != "done"
    )


def test_post_card_holds_exactly_the_rendered_text(example_site: dict[str, str]) -> None:
    data = collect(EXAMPLE, NOW)
    post = data.ws.posts["2026/12/year-in-numbers"]
    html = example_site["posts/2026/12/year-in-numbers.md"]
    cards = _card_texts(html)
    for cid in post.channels:
        rendered = render(post, data.ws.channels[cid], data.ws.brand)
        assert cards[cid] == [p.seen().text for p in rendered.parts]
    assert "1/4" in html and "4/4" in html  # a thread


def test_meter_and_fold(example_site: dict[str, str]) -> None:
    html = example_site["posts/2026/12/holiday-opening-hours.md"]
    assert "282 / 500 characters" in html
    assert "193 / 300 graphemes" in html
    assert 'data-label="…see more"' in html  # linkedin folds after three lines
    assert "Alt text:" in html and "Holiday opening hours&#34;. It lists" in html


def _fold(platform: str) -> Fold:
    fold = PLATFORMS[platform].fold
    assert fold is not None, platform
    return fold


def test_fold_position() -> None:
    linkedin = _fold("linkedin")
    assert fold_at("short", linkedin) is None
    assert fold_at("a\nb\nc", linkedin) is None
    assert fold_at("a\nb\nc\nd", linkedin) == 5
    assert fold_at("x" * 300, linkedin) == 210  # one "word" longer than the limit


@pytest.mark.parametrize(
    ("platform", "characters", "lines"),
    [("linkedin", 210, 3), ("instagram", 125, 3), ("facebook", 477, None)],
)
def test_each_feed_folds_at_its_documented_limits(
    platform: str, characters: int, lines: int | None
) -> None:
    fold = _fold(platform)
    assert (fold.characters, fold.lines) == (characters, lines)
    words = "word " * 200
    exact = words[: characters - 1] + "x"  # exactly the limit: all of it shows
    assert fold_at(exact, fold) is None
    assert fold_at(exact + "y more", fold) is not None
    many = "\n".join(f"line {i}" for i in range(12))
    assert fold_at(many, fold) == (None if lines is None else many.index(f"\nline {lines}"))


def test_a_character_fold_never_cuts_a_word() -> None:
    fold = Fold(10, None, "more")
    assert fold_at("abcd efghij klm", fold) == 4  # "efghij" would end at 11: it goes behind
    assert fold_at("abcd efgh klm", fold) == 9  # the limit falls on the space
    assert fold_at("abcd efghi klm", fold) == 10  # a word ends exactly at the limit
    assert fold_at("abcdefghijklmn", fold) == 10  # one word longer than the limit
    assert fold_at("abc\ndefghijkl", fold) == 3  # a line break separates words too
    assert fold_at("abcd efghi" + " " * 5, fold) is None  # only white space would hide


def test_a_character_fold_counts_graphemes() -> None:
    fold = Fold(5, None, "more")
    family = "\N{WOMAN}\u200d\N{WOMAN}\u200d\N{GIRL}"  # five code points, one grapheme
    text = f"{family}{family}{family}{family}{family} and more"
    assert fold_at(text, fold) == 5 * len(family)  # five emoji show, none is split
    flags = "\N{REGIONAL INDICATOR SYMBOL LETTER D}\N{REGIONAL INDICATOR SYMBOL LETTER E}"
    assert fold_at(flags * 6, fold) == 5 * len(flags)  # a flag is two code points, one grapheme
    assert fold_at("e\u0301" * 5, fold) is None  # five accented letters fit
    assert fold_at("caf\u00e9 na\u00efve ok", Fold(10, None, "more")) == 10


def test_a_line_fold_counts_blank_lines_and_linkedins_blank_third_line() -> None:
    instagram, linkedin = _fold("instagram"), _fold("linkedin")
    assert fold_at("one\n\ntwo\nthree", instagram) == len("one\n\ntwo")  # blank line counts
    assert fold_at("one\ntwo\n\nthree", linkedin) == len("one\ntwo")  # blank 3rd line: 2 shown
    assert fold_at("one\n\ntwo\nthree", linkedin) == len("one\n\ntwo")  # blank 2nd: 3 shown
    assert fold_at("one\ntwo\nthree\n\n", linkedin) is None  # nothing but white space follows
    long_first = "word " * 30 + "\nb\nc\nd"  # 150 characters on line one, 4 lines
    assert fold_at(long_first, linkedin) == len("word " * 30 + "\nb\nc")
    assert fold_at(long_first, instagram) == len("word " * 25) - 1  # characters come first


def test_idea_bank_keeps_rejected_ideas_with_reasons(example_site: dict[str, str]) -> None:
    html = example_site["ideas.md"]
    assert 'id="rejected"' in html
    assert "Instagram and Facebook forbid asking people to share" in html


def test_brand_page_explains_settings(example_site: dict[str, str]) -> None:
    html = example_site["brand.md"]
    assert "Warm, plain-spoken and a little playful" in html
    assert "<td>utilize</td><td>use</td>" in html
    assert "The highest Flesch-Kincaid grade level" in html  # the schema's own words
    assert 'href="https://lumengrain.example" rel="noopener nofollow"' in html
    assert "MASTODON_ACCESS_TOKEN" not in html


def test_home_page_lists_the_next_seven_days(example_site: dict[str, str]) -> None:
    html = example_site["index.md"]
    assert "Going out in the next 7 days" in html
    assert "Last-minute gift vouchers" in html  # 21 Dec
    assert "Happy New Year" not in html.split('id="failed"')[0]  # 1 Jan is 12 days away


class _Cards(HTMLParser):
    """Text of every `.td-text` per card, with the fold marker left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: dict[str, list[str]] = {}
        self.channel = ""
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article" and a.get("data-channel"):
            self.channel = a["data-channel"] or ""
            self.cards[self.channel] = []
        if tag == "p" and "td-text" in (a.get("class") or ""):
            self.depth = 1
            self.cards[self.channel].append("")
        elif self.depth:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.cards[self.channel][-1] += data


def _card_texts(html: str) -> dict[str, list[str]]:
    parser = _Cards()
    parser.feed(html)
    return parser.cards


# ---- hostile content --------------------------------------------------------------------


class _Audit(HTMLParser):
    """Everything in generated HTML that could run or leak: scripts, event handlers, hrefs
    and srcs that are not http(s) or relative, content links without the right rel."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"script", "iframe", "object", "embed", "textarea", "form", "base", "meta"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}={value}")
            if name in {"href", "src", "action", "formaction"} and value is not None:
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
                if scheme and scheme.group(1).lower() not in {"http", "https"}:
                    self.problems.append(f"{tag} {name}={value}")
            if (
                name == "style"
                and value
                and not re.fullmatch(
                    r"(background-color:#[0-9a-f]{3,6};color:#[0-9a-f]{6};?|color:#[0-9a-f]{6}"
                    r"|--td-accent:#[0-9a-f]{3,6};--td-on-accent:#[0-9a-f]{6})",  # a card's colours
                    value,
                )
            ):
                self.problems.append(f"{tag} style={value}")
        href = a.get("href") or ""
        if (
            tag == "a"
            and href.startswith(("http:", "https:"))
            and a.get("rel") != "noopener nofollow"
        ):
            self.problems.append(f"a href={href} rel={a.get('rel')}")


def test_hostile_content_is_text_everywhere(hostile_site: tuple[Path, dict[str, str]]) -> None:
    _, pages = hostile_site
    assert "posts/2026/12/hostile.md" in pages
    for src, html in pages.items():
        audit = _Audit()
        audit.feed(html)
        assert audit.problems == [], src
    post = pages["posts/2026/12/hostile.md"]
    assert "&lt;script&gt;window.__pwned = &#39;body&#39;&lt;/script&gt;" in post
    assert "&lt;/textarea&gt;" in post
    assert "javascript:alert(1)" in post  # shown, as text
    assert 'href="javascript' not in post
    assert '<span class="td-nolink">published post: javascript:window.__pwned' in post
    home = pages["index.md"]
    assert "broken-hostile.md" in home  # a post too broken to load is listed, escaped
    assert "&lt;script&gt;window.__pwned=&#39;tag&#39;" in home
    calendar = pages["calendar/2026-12.md"]
    assert "&lt;img src=x onerror=" in calendar  # key date
    assert "&lt;script&gt;window.__pwned=&#39;blackout&#39;" in calendar


def test_front_matter_escapes_the_title() -> None:
    text = front_matter(SitePage("posts/x.md", '<script>alert(1)</script> "q"', "", wide=True))
    assert "<script>" not in text
    assert 'title: "&lt;script&gt;alert(1)&lt;/script&gt; &#34;q&#34;"' in text
    assert 'hide: ["navigation", "toc"]' in text
    assert "search" not in text
    listing = front_matter(SitePage("ledger.md", "Ledger", "", search=False))
    assert 'search: {"exclude": true}' in listing  # listings repeat what post pages hold


# ---- the MkDocs build -------------------------------------------------------------------


def test_site_build_with_the_default_configuration(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_workspace(HOSTILE)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--out", str(out), "--now", "2026-12-20 09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "generated pages" in result.output
    page = (out / "posts/2026/12/hostile/index.html").read_text(encoding="utf-8")
    content = page.split('<article class="md-content__inner md-typeset">', 1)[1]
    audit = _Audit()
    audit.feed(content.rsplit("</article>", 1)[0])
    assert audit.problems == []
    assert "<script>window.__pwned" not in page
    assert "<title>&lt;script&gt;window.__pwned" in page
    assert (out / "calendar.ics").is_file()
    assert (out / "media/hostile/dot.png").is_file()
    assert (out / "checks/index.html").is_file()  # generated: the fixture has no site/checks.md
    assert "fonts.googleapis.com" not in (out / "index.html").read_text(encoding="utf-8")


def test_site_build_copies_the_feed(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace(
        {
            "brand/channels.yaml": (EXAMPLE / "tests/fixtures/base/brand/channels.yaml").read_text()
            + "  feed:\n    platform: feed\n",
            "build/feed/atom.xml": "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>",
        }
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--root", str(root), "site", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "feed/atom.xml").read_text().startswith("<?xml")


def test_bad_now_is_a_clear_error(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    result = CliRunner().invoke(cli, ["--root", str(root), "site", "build", "--now", "soon"])
    assert result.exit_code == 2
    assert "--now" in result.output and "Traceback" not in result.output


def test_mkdocs_yml_without_the_plugin_is_a_clear_error(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace({"mkdocs.yml": "site_name: x\ndocs_dir: content\n"})
    result = CliRunner().invoke(cli, ["--root", str(root), "site", "build"])
    assert result.exit_code == 2
    assert "does not use the tidings plugin" in result.output


def test_site_serve_answers(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(HOSTILE)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "tidings", "--root", str(root), "site", "serve"]
    cmd += ["--addr", f"127.0.0.1:{port}", "--now", "2026-12-20 09:00"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/posts/", timeout=5) as r:
                    body = r.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "tidings site serve did not answer"
                time.sleep(0.2)
        assert "Hello" in body and "<script>window.__pwned" not in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            home = r.read().decode("utf-8")
        assert "as of <strong>Sunday 20 December 2026, 09:00 CET</strong>" in home  # --now
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_compiled_templates_are_kept_between_builds(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_workspace(HOSTILE)
    args = ["--root", str(root), "site", "build", "--now", "2026-12-20 09:00", "--out"]
    first = CliRunner().invoke(cli, [*args, str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    kept = root / "build/cache/jinja" / jinja2.__version__  # another release's never loaded
    cached = sorted(kept.glob("*.cache"))
    assert len(cached) >= 10  # ours and mkdocs-material's
    stale = root / "build/cache/jinja/2.0.0"  # left by an older release (a restored CI cache)
    stale.mkdir()
    (stale / "x.cache").write_bytes(b"old")
    second = CliRunner().invoke(cli, [*args, str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    assert sorted(kept.glob("*.cache")) == cached
    assert stale.is_dir()  # this release's folder was there: nothing else is touched
    shutil.rmtree(kept)
    third = CliRunner().invoke(cli, [*args, str(tmp_path / "c")])
    assert third.exit_code == 0, third.output
    assert set(kept.glob("*.cache")) & set(cached)  # made again (the theme's, at least)
    assert not stale.exists()  # and the other release's gone
    for name in ("index.html", "posts/2026/12/hostile/index.html", "calendar/2026-12/index.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# ---- what readers see (issue 16, item 13) ------------------------------------------------

_LINKEDIN_POST = post_text(
    "linkedin",
    title="Leipzig",
    at="2026-12-10 09:00",
    parts=("Our #Leipzig studio opens (finally): https://shop.example/open",),
    media=(),
)


def test_linkedin_card_shows_what_readers_see_not_the_api_escaping(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace(
        {
            "brand/brand.yaml": "name: Test Studio\ntimezone: Europe/Berlin\n"
            "links:\n  utm: {enabled: true, medium: social}\n  own_domains: [shop.example]\n",
            "brand/channels.yaml": "channels:\n  linkedin:\n    platform: linkedin\n"
            "    credentials:\n      access_token: LINKEDIN_ACCESS_TOKEN\n"
            "      author_urn: LINKEDIN_AUTHOR_URN\n",
            "content/posts/2026/12/hello.md": _LINKEDIN_POST,
        }
    )
    data = collect(root, NOW)
    html = {p.src_uri: p.html for p in build_pages(data).pages}["posts/2026/12/hello.md"]
    [card] = _card_texts(html)["linkedin"]
    assert "\\" not in card
    assert card == (
        "Our #Leipzig studio opens (finally): "
        "https://shop.example/open?utm_source=linkedin&utm_medium=social"
    )
    # the link is a link, with its UTM parameters
    assert 'href="https://shop.example/open?utm_source=linkedin&amp;utm_medium=social"' in html
    # the meter counts what LinkedIn counts: the escaped text the API receives
    sent = render(data.ws.posts["2026/12/hello"], data.ws.channels["linkedin"], data.ws.brand)
    assert "\\#Leipzig" in sent.parts[0].text and "utm\\_source" in sent.parts[0].text
    assert f"{len(sent.parts[0].text)} / 3000 characters" in html


# ---- what the search index reads ----------------------------------------------------------


def test_searchable_drops_excluded_elements_with_what_they_hold() -> None:
    html = (
        '<p>kept</p><span class="a" data-search-exclude><span>inner</span> '
        "<strong>name</strong></span><p>after</p>"
        "<div data-search-exclude><div><div>x</div></div><span>y</span></div>"
        '<img alt="i" data-search-exclude><p>also kept</p>'
        '<section aria-labelledby="m" data-search-exclude>\n<h2 id="m">Metrics</h2>'
        "<table><tr><td>48,213</td></tr></table></section>"
    )
    assert searchable(html) == "<p>kept</p><p>after</p><p>also kept</p>"


def test_searchable_keeps_text_that_only_reads_like_the_mark() -> None:
    html = "<p>Add data-search-exclude to hide it</p><p>Another</p>"
    assert searchable(html) == html
    assert searchable("<p>plain</p>") == "<p>plain</p>"


def test_hand_written_pages_still_go_through_markdown(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    """Generated pages skip MkDocs' Markdown step (their HTML is ready); a hand-written page
    beside them does not."""
    root = make_workspace({"site/guide.md": "# A guide\n\n## Steps\n\nSome *emphasis*.\n"})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--offline", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    guide = (out / "guide/index.html").read_text(encoding="utf-8")
    assert "<em>emphasis</em>" in guide and 'id="steps"' in guide
    post = (out / "posts/2026/12/hello/index.html").read_text(encoding="utf-8")
    assert "Hello from the studio." in post and 'id="channels"' in post
    assert "<title>Hello - " in post  # the title from the front matter


@pytest.mark.parametrize(
    ("page", "generated"),
    [
        ("site/reports.md", "reports/index.md"),  # the guide page the example once had
        ("site/calendar.md", "calendar/index.md"),
        ("site/posts/index.md", "posts/index.md"),  # same address, same name: that one wins
        ("site/audit/index.md", "audit.md"),
        ("site/links.md", "links/index.html"),  # the link-in-bio page, a generated file
    ],
)
def test_a_hand_written_page_at_a_generated_pages_address_stops_the_build(
    make_workspace: Callable[..., Path], tmp_path: Path, page: str, generated: str
) -> None:
    """With directory URLs, ``site/reports.md`` and the generated ``reports/index.md`` are
    both written to ``reports/index.html``: one would silently replace the other, which one
    depending on which worker finished last. The build names the page and stops instead."""
    overlay = {page: "# Mine\n\nA hand-written page.\n"}
    if page == "site/links.md":  # a brand with bio links gets the page
        brand = (EXAMPLE / "tests/fixtures/base/brand/brand.yaml").read_text(encoding="utf-8")
        overlay["brand/brand.yaml"] = (
            brand + "bio_links:\n  - label: Book a session\n    url: https://studio.example/book\n"
        )
    root = make_workspace(overlay)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--offline", "--out", str(out)]
    )
    if page == "site/posts/index.md":  # the same source name: the hand-written page wins
        assert result.exit_code == 0, result.output
        assert "A hand-written page." in (out / "posts/index.html").read_text(encoding="utf-8")
        return
    assert result.exit_code == 1, result.output
    if generated.endswith(".html"):  # a file: its address is its name
        said = f"{page}: this page is written to {generated}, the address of the generated file"
        assert f"{said} {generated}; one would overwrite the other" in result.output
    else:
        address = generated.removesuffix("index.md").removesuffix(".md").rstrip("/")
        assert f"{page}: this page is written to {address}/index.html" in result.output
        assert f"({generated})" in result.output
    stem = page.removesuffix(".md")
    assert f"rename the hand-written page (e.g. {stem}-guide.md)" in result.output
    assert "mkdocs.yml" not in result.output  # the fixture has none: the nav is tidings' own
    assert result.output.count("this page is written to") == 1  # said once, not by MkDocs too
    assert "Traceback" not in result.output
    assert not list(out.rglob("*.html"))  # no half-written site


def test_without_directory_urls_the_same_names_do_not_clash(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    config = (
        "site_name: x\ndocs_dir: site\nuse_directory_urls: false\n"
        "theme:\n  name: material\n  font: false\nplugins:\n  - search\n  - tidings\n"
    )
    root = make_workspace({"site/reports.md": "# Mine\n\nA guide.\n", "mkdocs.yml": config})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--offline", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "A guide." in (out / "reports.html").read_text(encoding="utf-8")
    assert "<h1>Reports</h1>" in (out / "reports/index.html").read_text(encoding="utf-8")


def test_a_readme_gives_way_to_a_generated_index_as_mkdocs_has_it(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    """MkDocs writes a folder's ``README.md`` as its index page, and leaves it out (with a
    warning) when the folder has an ``index.md``: a generated ``index.md`` is treated alike."""
    root = make_workspace(
        {
            "site/README.md": "# About this folder\n\nNotes for the team.\n",
            "site/calendar/README.md": "# Calendar notes\n",
        }
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tidings", "--root", str(root), "site", "build", "--offline"]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr  # a process of its own: MkDocs'
    for src, generated in (("README.md", "index.md"), ("calendar/README.md", "calendar/index.md")):
        assert (  # warnings go to the stderr it had when its logging was first set up
            f"Excluding '{src}' from the site because it conflicts with the generated "
            f"'{generated}'." in done.stderr
        )
    assert "Notes for the team." not in (out / "index.html").read_text(encoding="utf-8")
    calendar = (out / "calendar/index.html").read_text(encoding="utf-8")
    assert "Calendar notes" not in calendar and 'class="td-' in calendar
