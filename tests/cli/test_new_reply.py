"""`tidings new reply URL`: a draft skeleton valid for `tidings check` at once, quoting the
item when the inbox records hold its text, and a clear refusal for a URL it cannot answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from tidings.check.runner import check_workspace
from tidings.cli.main import cli

URL = "https://mastodon.social/@alice/112233445566778899"


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args])
    return result.exit_code, result.output


def test_the_skeleton_quotes_the_inbox_text_and_passes_the_check(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace(
        {"inbox/mastodon/2026-12.yaml": f'items:\n  - url: {URL}\n    text: "Lovely!\\nMore?"\n'}
    )
    code, out = _run(root, "new", "reply", URL)
    assert code == 0, out
    rel = out.strip()
    assert rel.startswith("content/replies/") and rel.endswith("-mastodon-alice-66778899.md")
    text = (root / rel).read_text()
    assert f"in_reply_to: {URL}" in text and "#   Lovely!\n#   More?" in text
    result = check_workspace(root, [rel])
    assert result.errors == 0, result.diagnostics
    assert [d.code for d in result.diagnostics] == ["post.draft"]
    assert result.workspace.posts["replies/" + rel[16:-3]].channels == ("mastodon",)


def test_without_an_inbox_the_skeleton_points_at_the_url(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    code, out = _run(root, "new", "reply", URL, "--slug", "alice")
    assert code == 0, out
    assert f"# Read what they wrote at {URL}" in (root / out.strip()).read_text()


def test_a_url_it_cannot_answer_is_refused_with_what_to_do(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    code, out = _run(root, "new", "reply", "https://x.com/alice/status/1")
    assert code == 2 and "no X channel" in out and "Traceback" not in out
    code, out = _run(root, "new", "reply", "https://example.com/about")
    assert code == 2 and "not the address of a post" in out
    assert not (root / "content/replies").exists()
