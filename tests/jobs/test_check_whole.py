"""What the pre-commit hook and the full check see (issue 16, items 1, 2 and 7): an image
rule that fires with no image in the workspace, new posts on the brand's default channels
that pass the check as written, whole-workspace rules in the hook, and
``cadence.min_per_week``."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from builders.posts import channels, post
from builders.workspaces import build_workspace
from click.testing import CliRunner

from tidings.check.runner import check_workspace
from tidings.cli.main import cli

REPO = Path(__file__).resolve().parents[2]

LINKEDIN = {
    "brand/channels.yaml": channels(
        mastodon={"platform": "mastodon"},
        linkedin={"platform": "linkedin"},
        instagram={"platform": "instagram", "media_base_url": "https://example.org/m/"},
    ),
}


def _codes(root: Path, *paths: str, now: datetime | None = None) -> list[tuple[str, str]]:
    result = check_workspace(root, paths, now=now)
    return [(d.code, d.path) for d in result.diagnostics]


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args])
    return result.exit_code, result.output


# 1. An Instagram post with no image ------------------------------------------------------


def test_text_only_instagram_post_fails_with_no_image_anywhere(tmp_path: Path) -> None:
    rel = "content/posts/2026/12/words.md"
    root = build_workspace(tmp_path / "ws", LINKEDIN, {rel: post("instagram", media=())})
    (root / "content/posts/2026/12/hello.md").unlink()  # no post in the workspace has an image
    assert ("media.required", rel) in _codes(root)  # the full check
    assert ("media.required", rel) in _codes(root, rel)  # the pre-commit hook


def test_new_post_uses_the_default_channels_and_passes_the_check(tmp_path: Path) -> None:
    root = build_workspace(
        tmp_path / "ws",
        {
            "brand/channels.yaml": channels(
                mastodon={"platform": "mastodon", "default": True},
                bluesky={"platform": "bluesky"},
                outbox={"platform": "outbox"},
                instagram={
                    "platform": "instagram",
                    "media_base_url": "https://example.org/m/",
                    "default": True,
                },
            ),
        },
    )
    code, out = _run(root, "new", "post", "Spring hours", "--at", "2026-12-20 09:00")
    assert code == 0, out
    rel = out.strip().splitlines()[-1]
    text = (root / rel).read_text()
    assert "channels: [mastodon]" in text  # instagram left out: it needs an image
    assert "instagram" in out and "image" in out  # ...and the command says so
    code, out = _run(root, "check", "--now", "2026-12-01 08:00")
    assert code == 0, out


def test_new_post_on_the_example_brand_passes_the_check(tmp_path: Path) -> None:
    root = tmp_path / "example"
    for name in ("brand", "content"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "tidings.yaml", root / "tidings.yaml")
    code, out = _run(root, "new", "post", "A quiet week", "--at", "2027-03-02 09:00")
    assert code == 0, out
    rel = out.strip().splitlines()[-1]
    code, out = _run(root, "check", rel)
    assert code == 0, out
    errors = [d for d in check_workspace(root).diagnostics if d.severity == "error"]
    assert not errors, errors


def test_default_must_be_a_boolean(tmp_path: Path) -> None:
    root = build_workspace(
        tmp_path / "ws",
        {"brand/channels.yaml": channels(mastodon={"platform": "mastodon", "default": "yes"})},
    )
    code, out = _run(root, "check")
    assert code == 1
    assert "brand/channels.yaml" in out and "channels.mastodon.default" in out, out


# 2. The pre-commit hook sees the whole workspace -----------------------------------------

MAX_ONE = "cadence:\n  channels:\n    linkedin: {max_per_day: 1}\n  min_gap: 2h\n"


def _two_on_one_day(tmp_path: Path) -> tuple[Path, str, str]:
    first = "content/posts/2026/12/first.md"
    second = "content/posts/2026/12/second.md"
    root = build_workspace(
        tmp_path / "ws",
        LINKEDIN,
        {
            first: post("linkedin", title="First", at="2026-12-10 09:00"),
            second: post("linkedin", title="Second", at="2026-12-10 10:00"),
        },
    )
    brand = root / "brand/brand.yaml"
    brand.write_text(brand.read_text() + MAX_ONE)
    return root, first, second


def test_hook_reports_a_cadence_clash_on_the_later_changed_post(tmp_path: Path) -> None:
    root, _first, second = _two_on_one_day(tmp_path)
    full = _codes(root)
    assert ("cadence.max-per-day", second) in full and ("cadence.min-gap", second) in full
    hook = _codes(root, second)
    assert ("cadence.max-per-day", second) in hook
    assert ("cadence.min-gap", second) in hook


def test_hook_reports_a_clash_with_a_later_post_on_the_changed_one(tmp_path: Path) -> None:
    root, first, second = _two_on_one_day(tmp_path)
    hook = _codes(root, first)
    assert ("cadence.max-per-day", first) in hook
    assert ("cadence.min-gap", first) in hook
    assert all(path != second for _, path in hook)  # the unchanged file is not reported
    # the full check still reports each clash once, where it always did
    full = _codes(root)
    assert ("cadence.max-per-day", first) not in full
    assert ("cadence.min-gap", first) not in full


def test_hook_exit_code_fails_on_a_second_post_the_same_day(tmp_path: Path) -> None:
    root, first, second = _two_on_one_day(tmp_path)
    brand = root / "brand/brand.yaml"
    brand.write_text(brand.read_text() + "rules:\n  cadence.max-per-day: error\n")
    code, out = _run(root, "check", second)
    assert code == 1, out
    assert "cadence.max-per-day" in out
    code, out = _run(root, "check", first)
    assert code == 1, out


def test_hook_reports_empty_slots_and_leaves_other_posts_clashes_out(tmp_path: Path) -> None:
    root, _first, _second = _two_on_one_day(tmp_path)
    cal = root / "content/calendars/winter.yaml"
    cal.write_text(
        cal.read_text() + "slots:\n  - name: Friday photo\n    days: [fri]\n    time: '12:00'\n"
    )
    other = "content/posts/2026/12/other.md"
    (root / other).write_text(post("mastodon", title="Other", at="2026-12-12 09:00"))
    hook = _codes(root, other, now=datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert not [c for c, p in hook if c.startswith("cadence.")]  # not this post's clash
    assert ("calendar.slot-gap", "content/calendars/winter.yaml") in hook


# 7. cadence.min_per_week -----------------------------------------------------------------


def test_min_per_week_warns_for_a_thin_week_from_now_on(tmp_path: Path) -> None:
    root = build_workspace(
        tmp_path / "ws",
        LINKEDIN,
        {
            "content/posts/2026/12/hello.md": post("mastodon", at="2026-12-08 09:00"),
            "content/posts/2026/12/two.md": post("mastodon", title="Two", at="2026-12-09 09:00"),
            "content/posts/2026/12/three.md": post(
                "mastodon", title="Three", at="2026-12-16 09:00"
            ),
        },
    )
    brand = root / "brand/brand.yaml"
    brand.write_text(
        brand.read_text()
        + "cadence:\n  min_per_week: 2\n  channels:\n    linkedin: {min_per_week: 0}\n"
    )
    assert not [c for c, _ in _codes(root) if c == "cadence.min-per-week"]  # needs --now
    result = check_workspace(root, now=datetime(2026, 12, 7, 8, tzinfo=UTC), late=True)
    found = [d for d in result.diagnostics if d.code == "cadence.min-per-week"]
    messages = [d.message for d in found]
    assert all(d.path == "brand/brand.yaml" and d.severity == "warning" for d in found)
    # week of 14 Dec: one post on mastodon; linkedin asks for none; instagram for two
    assert any("mastodon" in m and "14 Dec" in m and "1 post" in m for m in messages), messages
    assert not any("mastodon" in m and "7 Dec" in m for m in messages), messages
    assert not any("linkedin" in m for m in messages), messages
    assert any("instagram" in m and "7 Dec" in m for m in messages), messages
    # weeks already over are not reported
    later = check_workspace(root, now=datetime(2026, 12, 21, 8, tzinfo=UTC), late=True)
    assert not any("14 Dec" in d.message for d in later.diagnostics)
    _code, out = _run(root, "check", "--now", "2026-12-07 08:00")
    assert "cadence.min-per-week" in out


def test_every_schema_field_is_read_by_the_package() -> None:
    """Each property any schema accepts is used somewhere in tools/tidings outside the
    schemas and the loader: a field the loader copies into the model but nothing uses is
    accepted and silently ignored (as ``cadence.min_per_week`` was)."""
    package = REPO / "tools/tidings"
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in package.rglob("*")
        if p.suffix in {".py", ".html", ".js"}
        and "schemas" not in p.parts
        and p != package / "workspace/loader.py"
    )
    # Fields used under another name than their own (field → where): none today. Add one
    # here only with the place that uses it.
    other_name: dict[str, str] = {}
    unread: list[str] = []
    for schema in sorted((package / "schemas").glob("*.schema.json")):
        if schema.name.split(".")[0] not in SCHEMAS:
            continue
        for name in sorted(_properties(json.loads(schema.read_text()))):
            used = f'"{name}"' in source or f"'{name}'" in source or f".{name}" in source
            if not used and name not in other_name:
                unread.append(f"{schema.name}: {name}")
    assert not unread, "fields nothing uses:\n" + "\n".join(unread)


SCHEMAS = (
    "brand",
    "channels",
    "workspace",
    "post",
    "reply",
    "replies",
    "calendar",
    "idea",
    "goals",
    "competitors",
    "triage",
)
"""Every schema of a file people write (ledger, metrics, inbox and listening are written by
tidings)."""


def test_the_schema_walk_sees_every_schema_people_write() -> None:
    present = {p.name.split(".")[0] for p in (REPO / "tools/tidings/schemas").glob("*.json")}
    assert set(SCHEMAS) <= present
    assert present - set(SCHEMAS) == {"ledger", "metrics", "inbox", "listening", "audit"}


def _properties(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= _properties(value)
    elif isinstance(node, list):
        for value in node:
            found |= _properties(value)
    return found
