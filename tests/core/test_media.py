"""Images: header-only inspection, bad files as one clear diagnostic, per-platform limits,
and deterministic renditions. Every image is made here with Pillow."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from tidings.cli.main import cli
from tidings.core.media import assess, prepare
from tidings.core.platforms import PLATFORMS
from tidings.core.render import RenderedMedia
from tidings.errors import MediaError
from tidings.workspace.images import ImageInfo, Unreadable, inspect
from tidings.workspace.model import MediaRef, Source

# ---------------------------------------------------------------- image makers


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png() -> bytes:
    """A tiny PNG whose header claims 30000×30000 pixels."""
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + _png_chunk(b"IEND", b"")
    )


def save(path: Path, im: Image.Image, fmt: str, **kw: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, fmt, **kw)
    return path


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Incompressible pixels: big files from few pixels (deterministic)."""
    import random

    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def photo(size: tuple[int, int], color: tuple[int, int, int] = (180, 120, 90)) -> Image.Image:
    im = Image.new("RGB", size, color)
    im.paste((20, 40, 60), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    return im


def animated_gif(path: Path) -> Path:
    frames = [Image.new("RGB", (400, 300), (i * 80, 40, 200 - i * 60)) for i in range(3)]
    path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def rotated_with_gps(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: turn 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (51.0, 20.0, 0.0)}
    return save(path, photo((800, 600)), "JPEG", exif=exif.tobytes(), quality=90)


# ---------------------------------------------------------------- inspection


def test_decompression_bomb_is_refused_from_the_header_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    start = time.perf_counter()
    info = inspect(path, "bomb.png")
    assert time.perf_counter() - start < 0.5
    assert isinstance(info, Unreadable)
    assert "900,000,000 pixels" in info.message and "decompression bomb" in info.message


def test_truncated_jpeg_is_cut_off(tmp_path: Path) -> None:
    whole = save(tmp_path / "whole.jpg", noise((600, 400)), "JPEG", quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert isinstance(inspect(whole, "whole.jpg"), ImageInfo)
    info = inspect(cut, "cut.jpg")
    assert isinstance(info, Unreadable) and "cut off" in info.message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello, I am not a picture\n", "is a text file"),
        (b"%PDF-1.7\n...", "is a PDF document"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", "HEIC"),
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\0\0", "cut off"),
    ],
)
def test_files_that_are_not_images_say_what_they_are(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(content)
    info = inspect(path, "photo.png")
    assert isinstance(info, Unreadable)
    assert says in info.message


def test_header_facts(tmp_path: Path) -> None:
    gif = inspect(animated_gif(tmp_path / "a.gif"), "a.gif")
    cmyk = inspect(save(tmp_path / "c.jpg", Image.new("CMYK", (64, 48)), "JPEG"), "c.jpg")
    turned = inspect(rotated_with_gps(tmp_path / "r.jpg"), "r.jpg")
    alpha = inspect(save(tmp_path / "t.png", Image.new("RGBA", (8, 8)), "PNG"), "t.png")
    assert isinstance(gif, ImageInfo) and gif.animated and gif.format == "GIF"
    assert isinstance(cmyk, ImageInfo) and cmyk.mode == "CMYK"
    assert isinstance(turned, ImageInfo) and turned.shown == (600, 800) and turned.gps
    assert isinstance(alpha, ImageInfo) and alpha.alpha


# ---------------------------------------------------------------- per-platform assessment


def _info(tmp_path: Path, im: Image.Image, fmt: str = "PNG", **kw: object) -> ImageInfo:
    path = save(tmp_path / f"x.{fmt.lower()}", im, fmt, **kw)
    info = inspect(path, path.name)
    assert isinstance(info, ImageInfo)
    return info


def test_png_for_instagram_becomes_a_jpeg_at_most_1440_wide(tmp_path: Path) -> None:
    info = _info(tmp_path, photo((2880, 2160)))
    verdict = assess(info, PLATFORMS["instagram"])
    r = verdict.rendition
    assert r is not None and (r.format, r.width, r.height) == ("JPEG", 1440, 1080)
    assert r.describe() == "a 1440×1080 JPEG"
    assert assess(info, PLATFORMS["mastodon"]).rendition is None  # Mastodon takes it as it is


def test_shape_outside_instagram_range_is_a_misfit(tmp_path: Path) -> None:
    verdict = assess(_info(tmp_path, photo((1000, 2000)), "JPEG"), PLATFORMS["instagram"])
    assert [m.code for m in verdict.misfits] == ["media.aspect"]
    assert "4:5" in verdict.misfits[0].message


def test_over_bluesky_bytes_is_re_encoded(tmp_path: Path) -> None:
    info = _info(tmp_path, noise((1200, 900)))
    assert info.size > 2_000_000
    r = assess(info, PLATFORMS["bluesky"]).rendition
    assert r is not None and r.fit_bytes and r.format == "JPEG"
    assert "at most 2,000,000 bytes" in r.describe()


def test_animated_gif(tmp_path: Path) -> None:
    path = animated_gif(tmp_path / "a.gif")
    info = inspect(path, "a.gif")
    assert isinstance(info, ImageInfo)
    assert assess(info, PLATFORMS["x"]) == assess(info, PLATFORMS["mastodon"])  # sent as it is
    bluesky = assess(info, PLATFORMS["bluesky"])
    assert bluesky.first_frame_only and bluesky.rendition is None
    instagram = assess(info, PLATFORMS["instagram"]).rendition
    assert instagram is not None and instagram.format == "JPEG"
    assert "first frame" in instagram.reasons[0]


def test_cmyk_and_exif_orientation_need_a_rendition(tmp_path: Path) -> None:
    cmyk = _info(tmp_path, Image.new("CMYK", (640, 480), (0, 80, 160, 0)), "JPEG")
    r = assess(cmyk, PLATFORMS["bluesky"]).rendition
    assert r is not None and "CMYK colours → RGB" in r.reasons
    turned = inspect(rotated_with_gps(tmp_path / "r.jpg"), "r.jpg")
    assert isinstance(turned, ImageInfo)
    r = assess(turned, PLATFORMS["mastodon"]).rendition
    assert r is not None and (r.width, r.height) == (600, 800)
    assert "GPS location removed" in r.reasons


# ---------------------------------------------------------------- prepare (the publisher's call)


def _item(rel: str, alt: str = "An image") -> RenderedMedia:
    return RenderedMedia(rel, alt, MediaRef(rel, alt, Source("content/posts/p.md")))


def test_prepare_sends_the_original_when_it_fits(tmp_path: Path) -> None:
    save(tmp_path / "content/media/a.jpg", photo((1080, 1080)), "JPEG")
    upload = prepare(tmp_path, _item("content/media/a.jpg"), "instagram")
    assert upload.path == (tmp_path / "content/media/a.jpg").resolve()
    assert (upload.mime, upload.width, upload.height) == ("image/jpeg", 1080, 1080)
    assert upload.alt == "An image" and upload.size == upload.path.stat().st_size


def test_renditions_are_deterministic_and_reused(tmp_path: Path) -> None:
    save(tmp_path / "content/media/big.png", noise((1600, 1200)), "PNG")
    item = _item("content/media/big.png")
    first = prepare(tmp_path, item, "instagram")
    assert first.path.parent == tmp_path / "build/renditions"
    assert first.path.suffix == ".jpg" and first.mime == "image/jpeg"
    assert (first.width, first.height) == (1440, 1080)
    data, mtime = first.path.read_bytes(), first.path.stat().st_mtime_ns
    again = prepare(tmp_path, item, "instagram")
    assert again == first and again.path.stat().st_mtime_ns == mtime  # reused, not rewritten
    first.path.unlink()
    assert prepare(tmp_path, item, "instagram").path.read_bytes() == data  # same bytes
    with Image.open(first.path) as im:
        assert not im.info.get("exif") and im.format == "JPEG"


def test_rendition_fits_bluesky_bytes(tmp_path: Path) -> None:
    save(tmp_path / "content/media/big.png", noise((1600, 1200)), "PNG")
    upload = prepare(tmp_path, _item("content/media/big.png"), "bluesky")
    assert upload.size <= 2_000_000 and upload.mime == "image/jpeg"


def test_rendition_turns_upright_and_drops_exif(tmp_path: Path) -> None:
    rotated_with_gps(tmp_path / "content/media/r.jpg")
    upload = prepare(tmp_path, _item("content/media/r.jpg"), "mastodon")
    assert (upload.width, upload.height) == (600, 800)
    with Image.open(upload.path) as im:
        assert im.size == (600, 800) and "exif" not in im.info


def test_prepare_refuses_what_cannot_fit(tmp_path: Path) -> None:
    save(tmp_path / "content/media/tall.jpg", photo((500, 2000)), "JPEG")
    with pytest.raises(MediaError, match="Instagram"):
        prepare(tmp_path, _item("content/media/tall.jpg"), "instagram")
    (tmp_path / "content/media/fake.png").write_text("not an image")
    with pytest.raises(MediaError, match="text file"):
        prepare(tmp_path, _item("content/media/fake.png"), "mastodon")


# ---------------------------------------------------------------- the check, end to end


def _check(root: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--format", "json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def _post(media: str, channels: str = "[mastodon, bluesky, outbox]", extra: str = "") -> str:
    return (
        f"---\ntitle: Pictures\nat: 2026-12-10 09:00\nchannels: {channels}\n"
        f"campaign: winter\nmedia:\n{media}{extra}---\nHello.\n"
    )


def _item_yaml(file: str, alt: str | None = "Something") -> str:
    return f"  - file: {file}\n" + (f"    alt: {alt}\n" if alt is not None else "")


BAD_FILES: dict[str, Callable[[Path], None]] = {
    "bomb.png": lambda p: p.write_bytes(bomb_png()),
    "cut.jpg": lambda p: p.write_bytes(
        save(p.with_name("whole.jpg"), noise((300, 200)), "JPEG").read_bytes()[:4000]
    ),
    "notes.png": lambda p: p.write_text("meeting notes, not a picture\n"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_image_gives_one_clear_diagnostic(
    name: str, make_workspace: Callable[..., Path]
) -> None:
    root = make_workspace()
    BAD_FILES[name](root / "content/media" / name)
    post = _post(_item_yaml(f"content/media/{name}"))
    (root / "content/posts/2026/12/hello.md").write_text(post)
    code, diags = _check(root)
    assert code == 1
    assert [(d["code"], d["line"]) for d in diags] == [("media.unreadable", 7)], diags


def test_media_rules_per_platform(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    media = root / "content/media"
    save(media / "big.png", photo((2880, 2160)), "PNG")
    save(media / "tall.jpg", photo((500, 2000)), "JPEG")
    animated_gif(media / "a.gif")
    channels = root / "brand/channels.yaml"
    channels.write_text(
        channels.read_text()
        + "  x:\n    platform: x\n  instagram:\n    platform: instagram\n"
        + "  threads:\n    platform: threads\n    media_base_url: https://example.org/m/\n"
    )
    items = (
        _item_yaml("content/media/big.png", "x" * 1200)
        + _item_yaml("content/media/tall.jpg", None)
        + _item_yaml("content/media/a.gif")
        + "".join(_item_yaml("content/media/dot.png") for _ in range(2))
    )
    (root / "content/posts/2026/12/hello.md").write_text(
        _post(items, "[mastodon, bluesky, x, instagram, threads]")
    )
    (root / "content/posts/2026/12/text.md").write_text(
        "---\ntitle: Text\nat: 2026-12-11 09:00\nchannels: [instagram]\n---\nJust words.\n"
    )
    _, diags = _check(root)
    found = {(d["code"], d.get("channel")) for d in diags}
    assert ("media.alt-missing", None) in found
    assert ("media.alt-length", "x") in found  # 1200 > 1000; Mastodon takes 1500
    assert ("media.alt-length", "mastodon") not in found
    assert ("media.count", "mastodon") in found and ("media.count", "bluesky") in found
    assert ("media.count", "x") in found  # 5 images, and a GIF that must go alone
    assert ("media.aspect", "instagram") in found and ("media.aspect", "threads") not in found
    assert ("media.animated", "bluesky") in found and ("media.animated", "x") not in found
    assert ("media.public-url", "instagram") in found and (
        "media.public-url",
        "threads",
    ) not in found
    assert ("media.required", "instagram") in found
    notes = [d for d in diags if d["code"] == "media.rendition"]
    assert any(
        "big.png` will be sent as a 1440×1080 JPEG for Instagram" in str(d["message"])
        for d in notes
    ), notes
    assert all(d["severity"] == "info" for d in notes)


@pytest.mark.parametrize(
    ("policy", "severity"), [("required", "error"), ("recommended", "warning"), ("optional", None)]
)
def test_alt_text_policy(
    policy: str, severity: str | None, make_workspace: Callable[..., Path]
) -> None:
    root = make_workspace()
    brand = root / "brand/brand.yaml"
    brand.write_text(brand.read_text() + f"alt_text: {policy}\n")
    (root / "content/posts/2026/12/hello.md").write_text(
        _post(_item_yaml("content/media/dot.png", None))
    )
    _, diags = _check(root)
    got = [d["severity"] for d in diags if d["code"] == "media.alt-missing"]
    assert got == ([severity] if severity else [])


def test_profile_images(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    profiles = root / "brand/profiles"
    save(profiles / "avatar.png", photo((300, 200)), "PNG")
    save(profiles / "cover.jpg", photo((1500, 500)), "JPEG")
    (profiles / "banner.png").write_text("oops")
    _, diags = _check(root)
    got = sorted((d["path"], d["code"], d["severity"]) for d in diags)
    assert got == [
        ("brand/profiles/avatar.png", "profile.image", "warning"),
        ("brand/profiles/avatar.png", "profile.image", "warning"),
        ("brand/profiles/banner.png", "media.unreadable", "error"),
    ], diags
    messages = " ".join(str(d["message"]) for d in diags)
    assert "square" in messages and "Bluesky and Mastodon want at least 400×400" in messages


def test_good_profile_images_pass(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    save(root / "brand/profiles/avatar.png", photo((400, 400)), "PNG")
    save(root / "brand/profiles/cover.jpg", photo((1500, 500)), "JPEG")
    assert _check(root) == (0, [])


def _check_without_root_powers(root: Path) -> tuple[int, list[dict[str, object]]]:
    """``tidings check`` as a process that cannot read past a file's mode: as root (CI, this
    machine) without the two capabilities that let root read every file (util-linux's
    setpriv), else in-process."""
    if os.geteuid() != 0:
        return _check(root)
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is missing"
    powerless = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    check = ["tidings", "--root", str(root), "check", "--format", "json"]
    done = subprocess.run(
        [*powerless, sys.executable, "-m", *check],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_media_inspection_survives_a_permission_error(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    (root / "content/media/dot.png").chmod(0)
    code, diags = _check_without_root_powers(root)
    assert code == 1 and [d["code"] for d in diags] == ["media.unreadable"]
