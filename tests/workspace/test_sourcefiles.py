from __future__ import annotations

import os
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


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"a: " + b"x" * 2045 + b"\n")  # 2,049 bytes
    assert read_text(path, 2049) == "a: " + "x" * 2045 + "\n"
    with pytest.raises(FileProblem) as info:
        read_text(path, 2048)
    assert info.value.code == "file.too-large" and "limit is 2 KB" in info.value.message
    assert read_text(path) == read_text(path, 2049)  # no limit: the whole file


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    os.mkfifo(path)
    with pytest.raises(FileProblem) as info:
        read_text(path, 1024)
    assert info.value.code == "file.unreadable" and "not a regular file" in info.value.message


def test_reads_go_on_until_the_count_or_the_end(tmp_path: Path) -> None:
    """``_read`` asks again after a short read (a pipe gives what was written so far), and
    stops at the count asked for or at the end."""
    from tidings.workspace import sourcefiles

    for most, expected in ((None, b"one two three"), (5, b"one t"), (100, b"one two three")):
        read_end, write_end = os.pipe()
        for piece in (b"one ", b"two ", b"three"):
            os.write(write_end, piece)
        os.close(write_end)
        try:
            assert sourcefiles._read(read_end, most) == expected
        finally:
            os.close(read_end)
    read_end, write_end = os.pipe()
    os.close(write_end)
    assert sourcefiles._read(read_end, 10) == b""
    os.close(read_end)


def test_a_file_that_grows_while_read_is_read_to_its_end_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size is taken before reading: text appended after it is still read (up to the
    limit), as a file written while the check runs may be. The file system is made to say
    three bytes fewer than the file holds, as it would have before the last write."""
    path = tmp_path / "p.md"
    path.write_text("title: x\n")
    real_fstat = os.fstat

    class Smaller:
        def __init__(self, info: os.stat_result) -> None:
            self.st_mode, self.st_size = info.st_mode, info.st_size - 3

    monkeypatch.setattr(os, "fstat", lambda fd: Smaller(real_fstat(fd)))
    assert read_text(path) == "title: x\n"
    assert read_text(path, 100) == "title: x\n"
    with pytest.raises(FileProblem) as info:
        read_text(path, 7)
    assert info.value.code == "file.too-large"
