"""`tidings review` for a pull request that adds a reply: the comment shows the item it
answers (the URL, and the quoted text when the inbox records hold it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from builders.posts import reply
from builders.remotes import git

from tidings.jobs.review import review

URL = "https://mock.local/@alice/1122334455"
INBOX = (
    f"items:\n  - id: '1122334455'\n    url: {URL}\n    text: 'Do you do <b>passport</b> photos?'\n"
)


def _pr(make_workspace: Callable[..., Path], files: dict[str, str]) -> Path:
    root = make_workspace()
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "content")
    git(root, "checkout", "--quiet", "-b", "pr")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "reply")
    return root


def test_the_review_of_a_reply_quotes_the_item_it_answers(
    make_workspace: Callable[..., Path],
) -> None:
    root = _pr(
        make_workspace,
        {
            "content/replies/passport.md": reply(URL, "Yes, every weekday."),
            "inbox/mastodon/2026-12.yaml": INBOX,
        },
    )
    text = review(root, "main", "pr")
    assert f"**In reply to** <{URL}>" in text
    assert "> Do you do &lt;b&gt;passport&lt;/b&gt; photos" in text, text
    assert "as soon as it is merged" in text
    assert "| mastodon |" in text


def test_without_inbox_text_the_review_still_names_the_url(
    make_workspace: Callable[..., Path],
) -> None:
    root = _pr(make_workspace, {"content/replies/passport.md": reply(URL, "Yes.")})
    text = review(root, "main", "pr")
    assert f"**In reply to** <{URL}>" in text and "> " not in text.split("In reply to")[1][:200]
