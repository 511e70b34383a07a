"""The findings of the rules about one post alone, kept between checks (build/cache/rules.json).

Each test plants a finding in the kept entry of a post (as if an earlier check had found it),
shows that a check of the unchanged workspace reports it (the entry is used), then changes
one thing the findings depend on and shows the planted finding is gone: the rules ran again,
and the report equals a check without any cache.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import tidings
from tidings.check.rulecache import FILE
from tidings.cli.main import cli
from tidings.workspace.filecache import write_lines

POST = "content/posts/2026/12/hello.md"
PLANTED = "planted: this finding comes from the cache"


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def age(root: Path, seconds: float = 600) -> None:
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file() and "build" not in path.parts:
            os.utime(path, (past, past))


def plant(root: Path) -> None:
    """Add a finding to the kept entry of POST, keeping its key (the stamp and the
    checksum are written as the engine writes them)."""
    path = root / FILE
    head, *rest = path.read_bytes().splitlines()
    stamp = json.loads(head)["stamp"]
    lines = []
    for raw in rest:
        entry = json.loads(raw)
        if entry[0] == POST:  # [path, key, findings by rule, findings on rotations]
            entry[2].setdefault("voice", []).append(
                [POST, 1, 1, "warning", "brand.voice", PLANTED, None, None]
            )
        lines.append(json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
    assert any(PLANTED.encode() in line for line in lines)
    write_lines(path, stamp, lines)


def change_post(root: Path) -> None:
    text = (root / POST).read_text("utf-8")
    (root / POST).write_text(text + "And a second sentence.\n", "utf-8")


def change_brand(root: Path) -> None:
    with (root / "brand/brand.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment is a change too\n")


def change_channels(root: Path) -> None:
    with (root / "brand/channels.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment is a change too\n")


def replace_image(root: Path) -> None:
    """The same name, other bytes (a file that is not an image at all)."""
    (root / "content/media/dot.png").write_bytes(b"not a png any more")


def repaint_image(root: Path) -> None:
    """Other bytes of the same size (an image retouched in place): its time differs from
    the one kept, so it is read again, and its digest differs."""
    image = root / "content/media/dot.png"
    data = bytearray(image.read_bytes())
    data[-1] ^= 0xFF
    image.write_bytes(bytes(data))


def test_an_unchanged_post_takes_its_findings_from_the_cache(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    age(root)
    plain = check(root, "--no-cache")
    assert check(root) == plain  # writes the cache
    assert (root / FILE).is_file()
    assert check(root) == plain  # reads it
    plant(root)
    out = check(root)[1]
    assert PLANTED in out  # the kept findings were used, not the rules run again
    assert PLANTED not in check(root, "--no-cache")[1]


@pytest.mark.parametrize(
    "change",
    [change_post, change_brand, change_channels, replace_image, repaint_image],
    ids=["post text", "brand.yaml", "channels.yaml", "image replaced", "image repainted"],
)
def test_a_change_the_findings_depend_on_runs_the_rules_again(
    change: Callable[[Path], None], make_workspace: Callable[..., Path]
) -> None:
    root = make_workspace()
    age(root)
    check(root)
    plant(root)
    assert PLANTED in check(root)[1]
    change(root)  # and nothing else: no file is dated again
    out = check(root)
    assert PLANTED not in out[1]
    assert out == check(root, "--no-cache")


def test_another_engine_version_runs_the_rules_again(
    make_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_workspace()
    age(root)
    check(root)
    plant(root)
    assert PLANTED in check(root)[1]
    monkeypatch.setattr(tidings, "__version__", tidings.__version__ + ".next")
    out = check(root)
    assert PLANTED not in out[1]
    assert out == check(root, "--no-cache")


def test_a_cache_file_changed_by_hand_is_not_used(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    age(root)
    check(root)
    path = root / FILE
    text = path.read_bytes()
    planted = f'{{"voice":[["{POST}",1,1,"warning","x","{PLANTED}",null,null]]}}'
    path.write_bytes(text.replace(b"{}", planted.encode(), 1))
    assert path.read_bytes() != text
    out = check(root)
    assert PLANTED not in out[1]
    assert out == check(root, "--no-cache")


def test_a_fresh_checkout_of_the_same_files_keeps_the_findings(
    make_workspace: Callable[..., Path],
) -> None:
    """Every file dated again (a clone with the cache CI restored): the images are read
    again and found the same, so the kept findings are used."""
    root = make_workspace()
    age(root)
    check(root)
    plant(root)
    age(root, 300)
    assert PLANTED in check(root)[1]


def test_images_no_post_names_are_forgotten(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    age(root)
    check(root)

    def images() -> dict[str, object]:
        for raw in (root / FILE).read_bytes().splitlines()[1:]:
            entry = json.loads(raw)
            if entry[0] == "":  # the table of images
                table: dict[str, object] = entry[1]
                return table
        return {}

    assert "content/media/dot.png" in images()
    text = (root / POST).read_text("utf-8")
    start, end = text.index("media:"), text.index("---", 4)
    (root / POST).write_text(text[:start] + text[end:], "utf-8")
    check(root)
    assert "content/media/dot.png" not in images()
