from __future__ import annotations

from pathlib import Path

import pytest

from tidings.workspace.sourcefiles import FileProblem, read_text, split_front_matter, split_thread


def test_front_matter_lines() -> None:
    text = "---\ntitle: x\nat: y\n---\nBody line one.\n"
    split = split_front_matter(text)
    assert split.front_matter.strip() == "title: x\nat: y"
    assert split.fm_line_offset == 0
    assert split.body_line == 4
    assert split.body.strip() == "Body line one."


def test_thread_parts_and_their_lines() -> None:
    body = "\nOne.\n\n---\n\nTwo.\nstill two\n\n---\n\nThree."
    parts, lone = split_thread(body, first_line=5)
    assert [p.text for p in parts] == ["One.", "Two.\nstill two", "Three."]
    assert [p.line for p in parts] == [6, 10, 15]
    assert lone == ()


def test_separator_touching_text_is_not_a_split() -> None:
    parts, lone = split_thread("Title\n---\nmore", first_line=1)
    assert len(parts) == 1
    assert [s.line for s in lone] == [2]


def test_crlf_and_bom_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nHi\r\n")
    assert read_text(path) == "---\ntitle: x\n---\nHi\n"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file.empty"),
        (b"  \n\n", "file.empty"),
        (b"\x89PNG\r\n\x1a\n\0\0", "file.not-text"),
        (b"ok\n\xff\xfe bad", "file.not-text"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as info:
        read_text(path)
    assert info.value.code == code
