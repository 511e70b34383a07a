"""`tidings review` against a real git repository: a pull request branch that adds, changes,
renames and removes posts while main moves on (the publisher records a publication)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from builders.remotes import git
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.jobs.review import MARKER, code, fence, md, review

OLD = "---\ntitle: Old news\nat: 2026-12-05 09:00\nchannels: [mastodon]\n---\nOld news.\n"
MOVED = "---\ntitle: Moving post\nat: 2026-12-06 09:00\nchannels: [outbox]\n---\nI move.\n"
NEW = (
    "---\n"
    'title: "New *thread* <script>alert(1)</script> -->"\n'
    "at: 2026-12-17 12:00\n"
    "channels: [mastodon, bluesky, outbox]\n"
    "variants:\n"
    '  bluesky: {body: "' + "Too long for Bluesky. " * 20 + '"}\n'
    "---\n"
    "First part with ```backticks``` and https://example.com/shop\n\n---\n\nSecond part.\n"
)
LEDGER = """post: 2026/12/hello
channels:
  mastodon:
    state: published
    attempt_key: 20261210T080000Z-0123456789
    attempts: 1
    updated: '2026-12-10T08:00:03Z'
    published_at: '2026-12-10T08:00:03Z'
    parts:
      - id: '1'
        url: https://photog.social/@studio/1
"""


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", message)


@pytest.fixture
def repo(make_workspace: Callable[..., Path]) -> Path:
    root = make_workspace(
        {"content/posts/2026/12/old.md": OLD, "content/posts/2026/12/moving.md": MOVED}
    )
    git(root, "init", "--quiet", "--initial-branch=main")
    _commit(root, "content")
    git(root, "checkout", "--quiet", "-b", "pr")
    (root / "content/posts/2026/12/new.md").write_text(NEW, encoding="utf-8")
    hello = root / "content/posts/2026/12/hello.md"
    hello.write_text(hello.read_text().replace("Hello from the studio.", "Hello again."))
    (root / "content/posts/2026/12/old.md").unlink()
    git(root, "mv", "content/posts/2026/12/moving.md", "content/posts/2026/12/moved.md")
    brand = root / "brand/brand.yaml"
    brand.write_text(
        brand.read_text() + "links: {utm: {enabled: true}, own_domains: [example.com]}\n"
    )
    _commit(root, "a pull request")
    git(root, "checkout", "--quiet", "main")  # meanwhile the publisher records hello on main
    (root / "ledger/2026/12").mkdir(parents=True)
    (root / "ledger/2026/12/hello.yaml").write_text(LEDGER)
    _commit(root, "ledger: published 2026/12/hello on mastodon")
    git(root, "checkout", "--quiet", "pr")
    return root


def test_review_comment(repo: Path) -> None:
    text = review(repo, "main", "pr", "https://example.github.io/brand/pr-7/")
    assert text.startswith(MARKER + "\n")
    assert "**Posts:** 1 added, 1 changed, 1 renamed, 1 removed" in text
    assert "times in Europe/Berlin" in text
    assert "Also changed: `brand/brand.yaml`" in text
    assert "ledger/" not in text  # main's own later commits are not the PR's changes
    sections = {s.split("\n", 1)[0]: s for s in text.split("\n### ")[1:]}
    added = next(v for k, v in sections.items() if k.startswith("Added: "))
    assert "New \\*thread\\* &lt;script&gt;alert(1)&lt;/script&gt; --&gt;" in added
    assert "<script>" not in text
    assert "| mastodon | Thu 17 Dec 2026, 12:00 CET |" in added
    assert "[preview](https://example.github.io/brand/pr-7/posts/2026/12/new/)" in added
    assert "<details><summary>mastodon: the text as sent, a thread of 2" in added
    assert "````text\nFirst part with ```backticks``` and https://example.com/shop" in added
    assert "utm_source=mastodon" in added  # the rendered text, not the file's
    assert "`length.bluesky`" in added and "✗ **error**" in added
    changed = sections["Changed: Hello"]
    assert "**⚠ Already published** on mastodon" in changed  # read from main's ledger
    assert "| mastodon | Thu 10 Dec 2026, 09:00 CET (published) |" in changed
    assert "Hello again." in changed
    removed = sections["Removed: Old news"]
    assert "Sat 05 Dec 2026, 09:00 CET" in removed and "[preview]" not in removed
    renamed = sections["Renamed: Moving post"]
    assert "`content/posts/2026/12/moving.md` → `content/posts/2026/12/moved.md`" in renamed


def test_review_cli_and_bad_refs(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["--root", str(repo), "review", "--base", "main"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(MARKER)
    bad = CliRunner().invoke(cli, ["--root", str(repo), "review", "--base", "nope"])
    assert bad.exit_code == 2
    assert "--base nope: no such commit" in bad.output and "Traceback" not in bad.output


def test_review_of_a_branch_without_post_changes(repo: Path) -> None:
    text = review(repo, "pr", "pr")
    assert "no posts changed" in text


def test_not_a_git_repository(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    result = CliRunner().invoke(cli, ["--root", str(root), "review", "--base", "main"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_markdown_escaping() -> None:
    assert md("a|b *c* <d> [e](f)") == "a\\|b \\*c\\* &lt;d&gt; \\[e\\](f)"
    assert code("a`b") == "``a`b``"
    assert fence("x ``` y").startswith("````text\n")


ENGINE_WARNING = "changes the engine"


def _engine_pull_request(root: Path, files: dict[str, str]) -> None:
    """On branch ``engine``: a new post with a check error, plus changes to ``files``."""
    git(root, "checkout", "--quiet", "-b", "engine", "main")
    bad = NEW.replace("channels: [mastodon, bluesky, outbox]", "channels: [nowhere]")
    (root / "content/posts/2026/12/bad.md").write_text(bad, encoding="utf-8")
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _commit(root, "a pull request that also edits the engine")


@pytest.mark.parametrize(
    "path",
    [
        "tools/tidings/jobs/review.py",
        "pyproject.toml",
        "mkdocs.yml",
        "Makefile",
        ".ci/run",
        "tools/tidings/site/hooks.py",
        "requirements/site.txt",  # what check.yml installs to build the preview
    ],
)
def test_a_pull_request_that_changes_the_engine_is_labelled(repo: Path, path: str) -> None:
    # the pull request's own review.py would say "no errors"; main's engine still reads it
    _engine_pull_request(repo, {path: 'print("✓ no errors")\n', "content/ideas/x.md": "idea\n"})
    text = review(repo, "main", "engine", "https://example.github.io/brand/pr-9/")
    head, _, _ = text.partition("\n### ")
    assert ENGINE_WARNING in head and code(path) in head
    assert "built by this pull request's own code" in head
    assert "✗ 1 error" in head  # main's engine checked the pull request's files as data


def test_the_engine_label_survives_a_long_list_of_other_changes(repo: Path) -> None:
    many = {f"content/media/pad{i:03}.txt": "x\n" for i in range(40)}
    _engine_pull_request(repo, {**many, "tools/zz_last.py": "x = 1\n"})
    text = review(repo, "main", "engine")
    assert "and 21 more" in text  # the "also changed" list is cut…
    assert code("tools/zz_last.py") in text.partition("\n### ")[0]  # …the engine list is not


def test_a_content_only_pull_request_has_no_engine_label(repo: Path) -> None:
    assert ENGINE_WARNING not in review(repo, "main", "pr")
    _engine_pull_request(repo, {"content/tools/not-engine.md": "x\n", "site/tools.md": "# x\n"})
    assert ENGINE_WARNING not in review(repo, "main", "engine")


def test_review_by_the_installed_engine_reads_another_checkout_as_data(
    repo: Path, tmp_path: Path
) -> None:
    """What preview.yml does: main's tidings, run elsewhere, reviews the pull request's
    checkout through --root, a sparse checkout holding only tidings.yaml on disk; nothing
    in the pull request is imported or run."""
    _engine_pull_request(repo, {"tools/tidings/__init__.py": "raise SystemExit('pwned')\n"})
    pull = tmp_path / "pull-request"
    git(tmp_path, "clone", "--quiet", "--no-checkout", str(repo), str(pull))
    git(pull, "sparse-checkout", "set", "--no-cone", "/tidings.yaml")
    git(pull, "checkout", "--quiet", "--detach", "origin/engine")
    assert [p.name for p in pull.iterdir() if p.name != ".git"] == ["tidings.yaml"]
    main = git(pull, "rev-parse", "origin/main").strip()
    result = CliRunner().invoke(
        cli, ["--root", str(pull), "review", "--base", main, "--head", "HEAD"]
    )
    assert result.exit_code == 0, result.output
    assert ENGINE_WARNING in result.output and "pwned" not in result.output
    assert "✗ 1 error" in result.output and "content/posts/2026/12/bad.md" in result.output


# ---- what an edit changes (issue 16, item 14) --------------------------------------------

EDITED = (
    "---\ntitle: Opening\nat: 2026-12-10 09:00\nchannels: [mastodon, bluesky, outbox]\n"
    "variants:\n  bluesky: {{at: 2026-12-10 10:00}}\n---\n"
    "We open on Monday.\n\nBring a friend.\n{extra}"
)


@pytest.fixture
def edited(make_workspace: Callable[..., Path]) -> Path:
    root = make_workspace({"content/posts/2026/12/opening.md": EDITED.format(extra="")})
    git(root, "init", "--quiet", "--initial-branch=main")
    _commit(root, "content")
    git(root, "checkout", "--quiet", "-b", "pr")
    post = root / "content/posts/2026/12/opening.md"
    text = EDITED.format(extra="See https://example.com/shop\n")
    text = text.replace("We open on Monday.", "We open on Tuesday ```now```.")
    text = text.replace("at: 2026-12-10 09:00\n", "at: 2026-12-11 18:30\n")
    text = text.replace("channels: [mastodon, bluesky, outbox]", "channels: [mastodon, bluesky]")
    post.write_text(text, encoding="utf-8")
    _commit(root, "edit the opening post")
    return root


def test_the_review_shows_what_an_edit_changes_per_channel(edited: Path) -> None:
    text = review(edited, "main", "pr")
    section = text.split("### Changed: Opening", 1)[1]
    # the time, per channel, before and after; the channel the edit drops
    assert "mastodon: time Thu 10 Dec 2026, 09:00 CET → Fri 11 Dec 2026, 18:30 CET" in section
    assert "bluesky: time" not in section  # its own variant time did not change
    assert "outbox: channel removed" in section
    # the text, before and after, as a diff of what is sent
    assert "\n```diff\n" not in section  # fenced longer than the ``` inside the text
    assert "````diff\n--- before\n+++ after\n" in section
    assert "-We open on Monday." in section
    assert "+We open on Tuesday ```now```." in section
    assert "+See https://example.com/shop" in section
    assert " Bring a friend." in section
    # each channel's own rendering: Bluesky shows the link shortened
    assert "mastodon: the text as sent, before → after" in section
    assert "bluesky: the text as sent, before → after" in section
    assert "+See example.com/shop" in section


def test_an_unchanged_text_says_so(edited: Path) -> None:
    post = edited / "content/posts/2026/12/opening.md"
    post.write_text(
        EDITED.format(extra="").replace("title: Opening", "title: Opening day"), encoding="utf-8"
    )
    _commit(edited, "only the title")
    text = review(edited, "main", "pr")
    section = text.split("### Changed: Opening day", 1)[1]
    assert "title: Opening → Opening day" in section
    assert "text unchanged" in section and "```diff" not in section
    assert ": time " not in section.split("**What changed:**")[1]


def test_an_edit_of_a_post_that_did_not_parse_before_says_so(edited: Path) -> None:
    git(edited, "checkout", "--quiet", "main")
    post = edited / "content/posts/2026/12/opening.md"
    post.write_text("---\ntitle: [unclosed\n---\nBroken.\n", encoding="utf-8")
    _commit(edited, "a broken post on main")
    git(edited, "checkout", "--quiet", "-b", "fix")
    post.write_text(EDITED.format(extra=""), encoding="utf-8")
    _commit(edited, "fix it")
    text = review(edited, "main", "fix")
    assert "could not be read: no diff" in text and "Traceback" not in text


def test_a_renamed_and_edited_post_is_diffed_against_its_old_file(edited: Path) -> None:
    git(edited, "checkout", "--quiet", "main")
    git(edited, "checkout", "--quiet", "-b", "move")
    git(edited, "mv", "content/posts/2026/12/opening.md", "content/posts/2026/12/open.md")
    post = edited / "content/posts/2026/12/open.md"
    post.write_text(post.read_text().replace("Bring a friend.", "Bring two friends."))
    _commit(edited, "rename and edit")
    section = review(edited, "main", "move").split("### Renamed: Opening", 1)[1]
    assert "-Bring a friend.\n+Bring two friends." in section
    changed = section.split("**What changed:**")[1].split("<details>")[0]
    assert "channel added" not in changed and ": time " not in changed
