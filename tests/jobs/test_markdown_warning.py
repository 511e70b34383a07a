"""Issue 16 item 8: Markdown typed in a body is sent as typed (no network renders it), so the
check warns with what to write instead; plain posts, hashtags and Discord stay quiet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tidings.check.runner import check_workspace

CHANNELS = """\
  discord:
    platform: discord
  slack:
    platform: slack
"""


def _ws(make_workspace: Callable[..., Path], body: str, channels: str) -> Path:
    text = f"---\ntitle: Sale\nat: 2026-12-10 09:00\nchannels: {channels}\n---\n{body}\n"
    root = make_workspace({"content/posts/2026/12/sale.md": text})
    path = root / "brand/channels.yaml"
    path.write_text(path.read_text() + CHANNELS)
    return root


def _markdown(root: Path) -> list[tuple[int, str, str]]:
    return [
        (d.line, d.message, d.suggestion or "")
        for d in check_workspace(root).diagnostics
        if d.code == "post.markdown"
    ]


def test_bold_link_and_heading_warn_with_the_alternative(
    make_workspace: Callable[..., Path],
) -> None:
    body = (
        "# Winter sale\n\nEverything is **half price** this week.\n\n"
        "Read [our prices](https://lumengrain.example/prices) before you come."
    )
    found = _markdown(_ws(make_workspace, body, "[mastodon, bluesky]"))
    assert len(found) == 3, found
    heading, bold, link = found
    # lines in the file: front matter is 5 lines, the body starts on line 6
    assert heading[0] == 6 and "# Winter sale" in heading[1] and "mastodon" in heading[1]
    assert bold[0] == 8 and "**half price**" in bold[1]
    assert "half price" in bold[2]
    assert link[0] == 10 and "https://lumengrain.example/prices" in link[2]


SLACK_BODY = "Everything is **half price**, see [prices](https://lumengrain.example/p)."


def test_discord_renders_markdown(make_workspace: Callable[..., Path]) -> None:
    assert _markdown(_ws(make_workspace, SLACK_BODY, "[discord]")) == []


def test_slack_gets_its_own_markup(make_workspace: Callable[..., Path]) -> None:
    body = SLACK_BODY
    found = _markdown(_ws(make_workspace, body, "[slack]"))
    assert len(found) == 2, found
    assert "*half price*" in found[0][2]
    assert "<https://lumengrain.example/p|prices>" in found[1][2]


def test_plain_posts_and_hashtags_stay_quiet(make_workspace: Callable[..., Path]) -> None:
    body = "#Leipzig gets a new shop. 5 * 3 = 15, snake_case_names and https://a.example/x_y_z"
    assert _markdown(_ws(make_workspace, body, "[mastodon, bluesky]")) == []


def test_a_variant_is_checked_for_its_own_channel(make_workspace: Callable[..., Path]) -> None:
    text = (
        "---\ntitle: Sale\nat: 2026-12-10 09:00\nchannels: [mastodon, bluesky]\n"
        'variants:\n  bluesky:\n    body: "Now **half price**"\n---\nPlain text here.\n'
    )
    root = make_workspace({"content/posts/2026/12/sale.md": text})
    diags = [d for d in check_workspace(root).diagnostics if d.code == "post.markdown"]
    assert [d.channel for d in diags] == ["bluesky"], diags
