"""The CLI as users and workflows run it: exit codes, formats, help, partial checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from builders.remotes import git
from click.testing import CliRunner

from tidings.check.runner import check_workspace
from tidings.cli.main import cli
from tidings.core.plan import JobState, plan
from tidings.jobs.git import post_renames

BAD_POST = "---\ntitle: Bad\nat: 2026-12-10 09:00\nchannels: [mastodn]\n---\nHi\n"


def invoke(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args])
    return result.exit_code, result.output


def test_the_command_list_is_not_empty() -> None:
    assert {("check",), ("publish",), ("site", "build")} <= set(_commands(cli))


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``group``, loading the lazy ones as ``--help`` does."""
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*prefix, name)))
    return out


@pytest.mark.parametrize("command", [(), *_commands(cli)], ids=lambda c: " ".join(c) or "tidings")
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    target = cli
    for name in command:
        target = target.get_command(click.Context(target), name)  # type: ignore[attr-defined]
    if isinstance(target, click.Group) and command:
        assert "Commands:" in result.output
    else:
        assert "Example" in result.output


@pytest.mark.parametrize("command", _commands(cli), ids=" ".join)
def test_every_command_is_documented(command: tuple[str, ...]) -> None:
    docs = (Path(__file__).parents[2] / "site" / "commands.md").read_text()
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    name = "tidings " + " ".join(command)
    assert name in docs and name in readme


def test_exit_codes(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    assert invoke(root, "check")[0] == 0
    bad = make_workspace({"content/posts/2026/12/bad.md": BAD_POST})
    assert invoke(bad, "check")[0] == 1
    assert invoke(bad, "check", "--format", "nope")[0] == 2
    assert invoke(bad, "check", "content/posts/2026/12/nothere.md")[0] == 2


def test_no_workspace_is_a_clear_usage_error(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "check")
    assert code == 2
    assert "no tidings.yaml there" in out
    assert "Traceback" not in out


def test_json_objects_have_exactly_the_documented_keys(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"content/posts/2026/12/bad.md": BAD_POST})
    code, out = invoke(root, "check", "--format", "json")
    diags = json.loads(out)
    assert code == 1
    assert diags == [
        {
            "path": "content/posts/2026/12/bad.md",
            "line": 4,
            "column": 12,
            "severity": "error",
            "code": "ref.channel",
            "message": "unknown channel `mastodn`",
            "suggestion": "did you mean `mastodon`?",
            "channel": "mastodn",
        }
    ]


def test_github_annotations(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"content/posts/2026/12/bad.md": BAD_POST})
    _, out = invoke(root, "check", "--format", "github")
    assert out.strip() == (
        "::error file=content/posts/2026/12/bad.md,line=4,col=12,title=ref.channel [mastodn]"
        "::unknown channel `mastodn`%0A→ did you mean `mastodon`?"
    )


def test_text_report_groups_by_file(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {
            "content/posts/2026/12/bad.md": BAD_POST,
            "content/posts/2026/12/worse.md": BAD_POST.replace(
                "title: Bad", "title: Worse\nfoo: 1"
            ),
        }
    )
    _, out = invoke(root, "check")
    assert out.count("content/posts/2026/12/bad.md") == 1
    assert "4:12" in out and "unknown field `foo`" in out
    assert "→ did you mean `mastodon`?" in out
    assert "✗ 2 errors, 0 warnings, 0 notes" in out


def test_one_file_check_reports_only_that_file(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {
            "content/posts/2026/12/bad.md": BAD_POST,
            "content/posts/2026/12/other.md": BAD_POST,
        }
    )
    code, out = invoke(root, "check", "--format", "json", "content/posts/2026/12/bad.md")
    assert code == 1
    assert {d["path"] for d in json.loads(out)} == {"content/posts/2026/12/bad.md"}
    code, out = invoke(root, "check", "--format", "json", "content/posts/2026/12/hello.md")
    assert (code, json.loads(out)) == (0, [])


def test_changing_channels_checks_everything(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    channels = root / "brand/channels.yaml"
    channels.write_text(channels.read_text().replace("  bluesky:", "  bsky:"))
    code, out = invoke(root, "check", "--format", "json", "brand/channels.yaml")
    assert code == 1
    assert [d["message"] for d in json.loads(out)] == ["unknown channel `bluesky`"]


def test_severity_override_from_brand(make_workspace: Callable[..., Path]) -> None:
    post = "---\ntitle: D\nchannels: [mastodon]\ndraft: true\n---\nx\n"
    root = make_workspace({"content/posts/2026/12/d.md": post})
    assert "post.draft" in invoke(root, "check", "--format", "json")[1]
    brand = root / "brand/brand.yaml"
    brand.write_text(brand.read_text() + "rules:\n  post.draft: off\n")
    assert json.loads(invoke(root, "check", "--format", "json")[1]) == []
    brand.write_text(brand.read_text().replace("off", "error"))
    assert invoke(root, "check")[0] == 1


def test_symlink_out_of_repository(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes((make_workspace() / "content/media/dot.png").read_bytes())
    root = make_workspace()
    (root / "content/media/link.png").symlink_to(outside)
    post = "---\ntitle: L\nat: 2026-12-10 09:00\nchannels: [mastodon]\nmedia:\n  - file: content/media/link.png\n    alt: x\n---\nx\n"
    (root / "content/posts/2026/12/l.md").write_text(post)
    diags = json.loads(invoke(root, "check", "--format", "json")[1])
    assert [(d["code"], d["line"]) for d in diags] == [("ref.media-outside", 6)]


def test_binary_junk_post(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {"content/posts/2026/12/junk.md": os.urandom(64) + b"\0" + os.urandom(64)}
    )
    code, out = invoke(root, "check", "--format", "json")
    assert code == 1
    assert [(d["code"], d["line"]) for d in json.loads(out)] == [("file.not-text", 1)]


def test_case_only_difference_in_post_names(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    text = (root / "content/posts/2026/12/hello.md").read_text()
    (root / "content/posts/2026/12/Hello.md").write_text(text)
    diags = json.loads(invoke(root, "check", "--format", "json")[1])
    assert [d["code"] for d in diags] == ["id.duplicate"]


LEDGER = """post: {pid}
content_hash: {hash}
channels:
  mastodon:
    state: published
    attempts: 1
    parts:
      - {{id: "1", url: "https://example.social/@a/1"}}
"""


def _hash(text: str) -> str:
    from tidings.workspace.sourcefiles import content_hash, split_front_matter, split_thread

    split = split_front_matter(text)
    return content_hash(split_thread(split.body, split.body_line)[0])


def test_renamed_published_post_is_detected_and_never_due(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    text = (root / "content/posts/2026/12/hello.md").read_text()
    (root / "ledger/2026/12").mkdir(parents=True)
    (root / "ledger/2026/12/hello.yaml").write_text(
        LEDGER.format(pid="2026/12/hello", hash=_hash(text))
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "published"]):
        git(root, *args)
    git(root, "mv", "content/posts/2026/12/hello.md", "content/posts/2026/12/hello-renamed.md")
    git(root, "commit", "-qm", "renamed")  # git's history, not the text, says it is renamed
    diags = json.loads(invoke(root, "check", "--format", "json")[1])
    assert [(d["code"], d["path"]) for d in diags] == [
        ("ledger.renamed", "content/posts/2026/12/hello-renamed.md")
    ]
    ws = check_workspace(root, renamed=post_renames(root)).workspace
    jobs = {j.channel: j.state for j in plan(ws, ws.posts["2026/12/hello-renamed"].at, days=1)}
    assert jobs == {"mastodon": JobState.DONE, "bluesky": JobState.DUE, "outbox": JobState.DUE}


def test_deleted_published_post_is_reported(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    (root / "ledger/2026/12").mkdir(parents=True)
    (root / "ledger/2026/12/hello.yaml").write_text(
        LEDGER.format(pid="2026/12/hello", hash="sha256:" + "0" * 64)
    )
    assert json.loads(invoke(root, "check", "--format", "json")[1])[0]["code"] == "ledger.changed"
    (root / "content/posts/2026/12/hello.md").unlink()
    diags = json.loads(invoke(root, "check", "--format", "json")[1])
    # issue 14: a deletion must be an explicit retraction, so this is an error now
    assert [(d["code"], d["severity"]) for d in diags] == [("ledger.orphan", "error")]


def test_new_post_writes_a_valid_file(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    code, out = invoke(
        root,
        "new",
        "post",
        "Holiday opening hours!",
        "--at",
        "2026-12-20 09:00",
        "--channels",
        "mastodon,bluesky",
    )
    assert code == 0
    rel = out.strip()
    assert rel == "content/posts/2026/12/holiday-opening-hours.md"
    assert invoke(root, "check", rel)[0] == 0
    assert invoke(root, "new", "post", "Holiday opening hours!", "--at", "2026-12-20 09:00")[0] == 2


def test_new_post_refuses_bad_input(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    code, out = invoke(root, "new", "post", "X", "--at", "2027-03-28 02:30")
    assert code == 2 and "does not exist" in out and "+01:00" in out
    code, out = invoke(root, "new", "post", "X", "--channels", "myspace")
    assert code == 2 and "unknown channel" in out


def test_new_post_without_time_is_a_draft(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    code, out = invoke(root, "new", "post", "Someday")
    assert code == 0
    assert "draft: true" in (root / out.strip()).read_text()
    diags = json.loads(invoke(root, "check", "--format", "json")[1])
    assert [d["code"] for d in diags] == ["post.draft"]


def test_new_post_to_three_networks_asks_for_a_variant(tmp_path: Path) -> None:
    """In the example brand (mastodon, bluesky and linkedin by default) a new post does not
    start as one text pasted to three networks: the skeleton has a `variants:` body for the
    last of them, and the check has no `brand.same-text` warning for it."""
    repo = Path(__file__).parents[2]
    for name in ("tidings.yaml", "brand", "content"):
        copy = shutil.copytree if (repo / name).is_dir() else shutil.copy
        copy(repo / name, tmp_path / name)
    rel = "content/posts/2027/06/skeleton-under-test.md"
    at = ("--at", "2027-06-15 10:00")  # a quiet day: no cadence finding either
    code, out = invoke(tmp_path, "new", "post", "Skeleton under test", *at)
    assert (code, out.strip()) == (0, rel)
    assert (
        "variants:\n  linkedin:\n    body: Write the LinkedIn version here"
        in (tmp_path / rel).read_text()
    )
    diags = json.loads(invoke(tmp_path, "check", "--format", "json", rel)[1])
    assert [d["code"] for d in diags if d["path"] == rel] == []
    (tmp_path / rel).unlink()
    code, out = invoke(
        tmp_path, "new", "post", "Skeleton under test", *at, "--channels", "mastodon,bluesky,outbox"
    )
    assert code == 0 and "variants:" not in (tmp_path / rel).read_text()  # two networks


def test_plan_states(make_workspace: Callable[..., Path]) -> None:
    late = "---\ntitle: Late\nat: 2026-12-09 09:00\nchannels: [mastodon]\n---\nStale morning\n"
    root = make_workspace({"content/posts/2026/12/late.md": late})
    code, out = invoke(root, "plan", "--now", "2026-12-10 10:00", "--days", "3")
    assert code == 0
    lines = {line.split("│")[4].strip(): line for line in out.splitlines() if line.count("│") >= 5}
    assert "due" in lines["2026/12/hello"]
    assert "missed" in lines["2026/12/late"]


def test_console_script_runs(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"content/posts/2026/12/bad.md": BAD_POST})
    exe = Path(sys.executable).parent / "tidings"
    proc = subprocess.run(
        [str(exe), "check", "--format", "json"],
        cwd=root / "content/posts",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)[0]["code"] == "ref.channel"


def test_nearest_workspace_is_found_from_a_subfolder(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    exe = Path(sys.executable).parent / "tidings"
    proc = subprocess.run(
        [str(exe), "check"],
        cwd=root / "content/posts/2026",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "in 1 post\n" in proc.stdout
    outside = subprocess.run(
        [str(exe), "check"], cwd=root.parent, capture_output=True, text=True, check=False
    )
    assert outside.returncode == 2
    assert "no tidings.yaml found" in outside.stderr


def test_new_post_keeps_a_tricky_title(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    title = 'Ünïcode: "quotes" & #hash'
    code, out = invoke(root, "new", "post", title, "--at", "2026-12-21 10:00")
    assert (code, out.strip()) == (0, "content/posts/2026/12/unicode-quotes-hash.md")
    assert check_workspace(root).workspace.posts["2026/12/unicode-quotes-hash"].title == title


def test_a_reader_that_stops_early_is_not_a_bug() -> None:
    """`tidings metrics export --format csv | head`: the pipe closes; no 'internal error'."""
    repo = Path(__file__).parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tidings", "--root", str(repo), "metrics", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141), err
    assert "internal error" not in err and "Traceback" not in err, err
