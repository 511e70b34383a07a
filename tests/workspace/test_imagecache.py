"""What an image's header said is kept in build/cache/images.json and taken back only while
the file keeps its size and time; an unreadable image, a changed one, or a cache from another
Pillow is read again."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from tidings.workspace import imagecache, images

REL = "content/media/dot.png"


def _png(width: int, height: int) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(data, "PNG")
    return data.getvalue()


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    imagecache.clear()
    yield
    imagecache.clear()


def _new_run(root: Path) -> None:
    """What a new process has: only what the last run saved."""
    imagecache.save(root)
    imagecache.clear()
    imagecache.load(root)


def _never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def read(path: Path, rel: str) -> object:
        raise AssertionError(f"{rel} was read again")

    monkeypatch.setattr(images, "inspect", read)


def test_an_unchanged_image_is_not_read_again(
    make_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_workspace({REL: _png(40, 30)})
    imagecache.load(root)
    first = imagecache.inspect(root / REL, REL)
    assert isinstance(first, images.ImageInfo) and (first.width, first.height) == (40, 30)
    _new_run(root)
    _never_read(monkeypatch)
    assert imagecache.inspect(root / REL, REL) == first


def test_a_changed_image_is_read_again(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({REL: _png(40, 30)})
    imagecache.load(root)
    imagecache.inspect(root / REL, REL)
    _new_run(root)
    (root / REL).write_bytes(_png(60, 30))
    st = (root / REL).stat()
    os.utime(root / REL, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    again = imagecache.inspect(root / REL, REL)
    assert isinstance(again, images.ImageInfo) and again.width == 60


def test_an_unreadable_image_is_never_kept(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({REL: b"not an image at all"})
    imagecache.load(root)
    assert isinstance(imagecache.inspect(root / REL, REL), images.Unreadable)
    imagecache.save(root)
    assert not (root / imagecache.FILE).exists()


@pytest.mark.parametrize("damage", ["stamp", "row", "text"])
def test_a_stale_or_broken_cache_is_read_past(
    damage: str, make_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_workspace({REL: _png(40, 30)})
    imagecache.load(root)
    first = imagecache.inspect(root / REL, REL)
    imagecache.save(root)
    kept = root / imagecache.FILE
    data = json.loads(kept.read_text())
    if damage == "stamp":
        data["stamp"] = "1:0:0:0:0"
    elif damage == "row":
        data["images"][REL][3] = "forty"
    kept.write_text("{broken" if damage == "text" else json.dumps(data))
    imagecache.clear()
    imagecache.load(root)
    seen: list[str] = []
    read = images.inspect

    def counted(path: Path, rel: str) -> images.ImageInfo | images.Unreadable:
        seen.append(rel)
        return read(path, rel)

    monkeypatch.setattr(images, "inspect", counted)
    assert imagecache.inspect(root / REL, REL) == first
    assert seen == [REL]


def test_a_check_keeps_headers_and_no_cache_leaves_them_alone(
    make_workspace: Callable[..., Path],
) -> None:
    """The base fixture's post has an image: a check without the cache writes nothing, a
    check with it keeps the header; both report the same."""
    from tidings.check.runner import check_workspace

    root = make_workspace()
    without = check_workspace(root, cache=False).diagnostics
    assert not (root / imagecache.FILE).exists()
    with_cache = check_workspace(root, cache=True).diagnostics
    kept = json.loads((root / imagecache.FILE).read_text())["images"]
    assert REL in kept and without == with_cache == check_workspace(root, cache=True).diagnostics
