"""Issue 16, item 15: small things a new user meets, each with its test."""

from __future__ import annotations

import html
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from builders.posts import channels, post
from builders.workspaces import build_workspace
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.site import build_pages, collect

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))


def test_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    (bound,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert bound == "setuptools>=77"  # PEP 639 license expressions


def test_plan_cuts_the_text_at_a_word_boundary(tmp_path: Path) -> None:
    words = "Our winter portraits return with warm light and slow coffees for everyone here"
    root = build_workspace(
        tmp_path / "ws", {"content/posts/2026/12/hello.md": post("outbox", parts=[words])}
    )
    result = CliRunner().invoke(
        cli, ["--root", str(root), "plan", "--now", "2026-12-08 08:00"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "Our winter" in x)
    shown = line[line.index("Our winter") :].rstrip(" │|").rstrip()
    assert shown.endswith("…"), shown
    assert words.startswith(shown[:-1].rstrip()), shown
    assert words[len(shown[:-1].rstrip())] == " ", shown  # cut where a word ends


def _post_page(root: Path, pid: str) -> str:
    pages = {p.src_uri: p.html for p in build_pages(collect(root, NOW)).pages}
    (page,) = [h for uri, h in pages.items() if pid in uri]
    return html.unescape(page)


def test_expiring_post_names_only_its_own_channels_that_cannot_delete(tmp_path: Path) -> None:
    root = build_workspace(
        tmp_path / "ws",
        {
            "brand/channels.yaml": channels(
                mastodon={"platform": "mastodon"},
                slack={"platform": "slack"},
                outbox={"platform": "outbox"},
                instagram={"platform": "instagram", "media_base_url": "https://e.org/m/"},
            ),
            "content/posts/2026/12/hello.md": post("mastodon", expires="2026-12-20"),
            "content/posts/2026/12/sl.md": post("mastodon", "slack", expires="2026-12-20"),
        },
    )
    page = _post_page(root, "hello")
    assert "Expires" in page
    assert "Instagram" not in page and "Slack" not in page
    page = _post_page(root, "/sl")
    assert "by hand on Slack" in page and "Instagram" not in page
