"""Reading source files: text, front matter, thread parts, with positions kept.

Pure functions over strings plus one reader that turns unreadable files (binary junk,
wrong encoding, empty, too large, not a regular file) into a :class:`FileProblem` instead of
an exception trace.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from tidings.diagnostics import Pos
from tidings.workspace.model import Part

FM_BOUNDARY = YAMLHandler.FM_BOUNDARY  # python-frontmatter's own `---` boundary


class FileProblem(Exception):
    def __init__(self, code: str, message: str, suggestion: str, pos: Pos = Pos()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.suggestion = suggestion
        self.pos = pos


def size_text(size: int) -> str:
    """``size`` bytes for people: ``300 bytes``, ``256 KB``, ``29.6 MB``."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _too_large(size: int | None, limit: int, setting: str) -> FileProblem:
    said = f"{size_text(size)}, " if size is not None else ""
    return FileProblem(
        "file.too-large",
        f"the file is too large to read ({said}the limit is {limit // 1024} KB)",
        f"shorten it or split it into several files; the limit is `limits.{setting}` "
        "in tidings.yaml",
    )


def read_text(path: str | Path, limit: int | None = None, setting: str = "yaml_kb") -> str:
    """The file's text (UTF-8, BOM and CRLF tolerated) or a FileProblem.

    With ``limit`` (bytes), a larger file is refused before it is read (its size from the
    file system, and the read stops one byte past the limit whatever that said); ``setting``
    names the ``limits:`` key in tidings.yaml that sets it. Devices, pipes and sockets are
    refused, since reading them may never end."""
    try:
        # non-blocking, so that opening a pipe cannot hang; no effect on a regular file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise FileProblem(
                    "file.unreadable",
                    "this is not a regular file (a device, pipe or socket)",
                    "replace it with a text file, or move it out of this folder",
                )
            if limit is not None and info.st_size > limit:
                raise _too_large(info.st_size, limit, setting)
            raw = _read(fd, info.st_size + 1)  # the size, plus one byte to see that it ended
            if limit is not None and len(raw) > info.st_size:  # it grew while being read
                raw += _read(fd, limit + 1 - len(raw))
                if len(raw) > limit:
                    raise _too_large(None, limit, setting)
            elif len(raw) > info.st_size:
                raw += _read(fd, None)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise FileProblem("file.missing", "file not found", "check the path") from None
    except OSError as exc:
        raise FileProblem(
            "file.unreadable", f"cannot read the file: {exc.strerror}", "check its permissions"
        ) from None
    if not raw.strip():
        raise FileProblem("file.empty", "the file is empty", "write its content or delete it")
    if b"\0" in raw[:8192]:
        raise FileProblem(
            "file.not-text",
            "this is a binary file, not text",
            "save it as UTF-8 text or move it out of this folder",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(
            "file.not-text",
            "the file is not UTF-8 text",
            "save it with UTF-8 encoding",
            Pos(line, 1),
        ) from None
    return text.replace("\r\n", "\n")


def _read(fd: int, most: int | None) -> bytes:
    """Up to ``most`` bytes of ``fd`` (all that is left with None), fewer only at its end.

    ``os.read`` on the descriptor, without a buffered file object around it: reading
    10,000 posts took half the time (0.14 s against 0.30 s on 2 CPUs)."""
    chunks: list[bytes] = []
    left = most
    while left is None or left > 0:
        chunk = os.read(fd, _CHUNK if left is None else min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        if left is not None:
            left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_CHUNK = 1 << 24
"""The most one ``os.read`` asks for (Linux returns at most about 2 GB a call)."""


@dataclass(frozen=True, slots=True)
class FrontMatterSplit:
    front_matter: str
    fm_line_offset: int  # lines before the front matter's first line
    body: str
    body_line: int  # 1-based line where the body starts


def split_front_matter(text: str) -> FrontMatterSplit:
    """Split ``---`` front matter from the Markdown body, keeping line numbers."""
    first = FM_BOUNDARY.match(text)
    if not first:
        raise FileProblem(
            "post.front-matter",
            "the file does not start with front matter",
            "start the file with a line `---`, the fields (title, at, channels), and another `---`",
        )
    second = FM_BOUNDARY.search(text, first.end())
    if not second:
        raise FileProblem(
            "post.front-matter",
            "the front matter is not closed",
            "add a line holding only `---` after the last field",
        )
    fm = text[first.end() : second.start()]
    offset = text[: first.end()].count("\n")
    body = text[second.end() :]
    body_line = text[: second.end()].count("\n") + 1
    return FrontMatterSplit(fm, offset, body, body_line)


@dataclass(frozen=True, slots=True)
class LoneSeparator:
    """A `---` line that is not a thread separator because it touches text."""

    line: int


def split_thread(body: str, first_line: int) -> tuple[tuple[Part, ...], tuple[LoneSeparator, ...]]:
    """Split a body into thread parts at lines holding only ``---`` with blank lines around.

    Returns the parts (empty parts included, so checks can report them) and the ``---``
    lines that touch text and are therefore kept as text.
    """
    lines = body.split("\n")
    parts: list[Part] = []
    lone: list[LoneSeparator] = []
    start = 0
    for i, line in enumerate(lines):
        if line.strip() != "---":
            continue
        before_blank = i == 0 or not lines[i - 1].strip()
        after_blank = i == len(lines) - 1 or not lines[i + 1].strip()
        if before_blank and after_blank:
            parts.append(_part(lines, start, i, first_line))
            start = i + 1
        else:
            lone.append(LoneSeparator(first_line + i))
    parts.append(_part(lines, start, len(lines), first_line))
    return tuple(parts), tuple(lone)


def _part(lines: list[str], start: int, end: int, first_line: int) -> Part:
    chunk = lines[start:end]
    lead = 0
    while lead < len(chunk) and not chunk[lead].strip():
        lead += 1
    text = "\n".join(chunk).strip()
    return Part(text, first_line + start + (lead if text else 0))


def content_hash(parts: tuple[Part, ...]) -> str:
    """A stable hash of a post's text, used to recognise a renamed post."""
    joined = "\n\n---\n\n".join(p.text for p in parts)
    return "sha256:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()
