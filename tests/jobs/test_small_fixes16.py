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
