"""Issue 16, item 15 (the rest): a busy port, a date error hiding others, a YAML error's
line, retraction times in the brand's timezone; each as a new user meets it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from builders.workspaces import build_workspace

TIDINGS = (sys.executable, "-m", "tidings")


def test_serve_on_a_busy_port_says_the_port_is_taken_and_suggests_addr(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*TIDINGS, "--root", str(root), "site", "serve", "--addr", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert f"127.0.0.1:{port}" in out and "--addr" in out, out
    assert "taken" in out or "in use" in out, out


def _codes(root: Path) -> list[tuple[str, int]]:
    from tidings.check.runner import check_workspace

    return sorted((d.code, d.line) for d in check_workspace(root).diagnostics if d.path != "")


def test_a_date_error_does_not_hide_the_posts_other_errors(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Sale\nat: 2026-13-45 09:00\nchannels: [mastodon, nowhere]\n"
        "variants:\n  mastodon:\n    at: 2026-12-10 25:00\n---\n" + "word " * 120 + "\n"
    )
    root = build_workspace(tmp_path / "ws", {"content/posts/2026/12/sale.md": text})
    codes = {code for code, _ in _codes(root)}
    assert {"date.invalid", "ref.channel", "length.mastodon"} <= codes, codes
    assert sum(1 for code, _ in _codes(root) if code == "date.invalid") == 2


def test_a_post_with_a_date_error_is_never_due(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tidings.core.plan import plan
    from tidings.workspace.loader import load_workspace

    text = (
        "---\ntitle: Sale\nat: 2026-12-01 09:00\nchannels: [mastodon]\n"
        "variants:\n  mastodon:\n    at: 2026-12-10 25:00\n---\nHello\n"
    )
    root = build_workspace(tmp_path / "ws", {"content/posts/2026/12/sale.md": text})
    ws, _ = load_workspace(root)
    jobs = plan(ws, datetime(2026, 12, 20, tzinfo=UTC))
    assert [j for j in jobs if j.post.id == "2026/12/sale"] == []


def _yaml_lines(tmp_path: Path, front: str) -> list[int]:
    from tidings.check.runner import check_workspace

    text = f"---\n{front}\n---\nHello\n"
    root = build_workspace(tmp_path / "ws", {"content/posts/2026/12/sale.md": text})
    return [d.line for d in check_workspace(root).diagnostics if d.code == "yaml.syntax"]


def test_an_unclosed_list_is_reported_where_it_opens(tmp_path: Path) -> None:
    front = "title: Sale\nat: 2026-12-10 09:00\nchannels: [mastodon"
    assert _yaml_lines(tmp_path, front) == [4]  # not 5, the closing `---`


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    front = 'title: "Sale\nat: 2026-12-10 09:00\nchannels: [mastodon]'
    assert _yaml_lines(tmp_path, front) == [2]


def test_a_bad_value_is_still_reported_on_its_own_line(tmp_path: Path) -> None:
    front = "title: Sale\nat: 2026-12-10 09:00\n  channels: [mastodon]\nmedia: []"
    assert _yaml_lines(tmp_path, front) == [4]
