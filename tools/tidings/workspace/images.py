"""What an image file is, read from its header: format, size, pixels, frames, orientation.

:func:`inspect` never decodes pixel data and never raises for a bad file: a file that is
not an image, is cut off, or claims more pixels than :data:`MAX_PIXELS` (a decompression
bomb) comes back as :class:`Unreadable` with a message that says what it really is.
Completeness is checked without decoding: a JPEG must end its scan with an EOI marker, a
PNG must reach its IEND chunk, a GIF its trailer and a WebP its RIFF length.
"""

from __future__ import annotations

import itertools
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from PIL import Image

READABLE = ("JPEG", "PNG", "GIF", "WEBP")  # Pillow's names; MPO (multi-picture JPEG) is a JPEG
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 100_000_000  # refuse to open more: no platform shows it, and it may be a bomb
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_ORIENTATION, _GPS_IFD = 0x0112, 0x8825


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """A readable image. ``width``/``height`` are as stored; ``shown`` applies EXIF
    orientation (what people see)."""

    format: str  # JPEG, PNG, GIF or WEBP
    width: int
    height: int
    size: int  # bytes on disk
    mode: str  # Pillow mode: RGB, RGBA, L, P, CMYK, …
    animated: bool = False
    alpha: bool = False
    orientation: int = 1  # EXIF orientation, 1 = upright
    gps: bool = False  # EXIF holds a GPS location

    @property
    def mime(self) -> str:
        return MIME[self.format]

    @property
    def shown(self) -> tuple[int, int]:
        """(width, height) as displayed: orientations 5-8 turn the picture a quarter."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file that cannot be used as an image, and why, for people."""

    message: str
    suggestion: str


_NOT_IMAGE = "export it as JPEG (photos) or PNG (graphics) and point `file:` at that"


def _kind(head: bytes) -> str:
    """What a file that Pillow does not read as an image probably is."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "a HEIC photo (the iPhone's format)"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video"
    for magic, kind in (
        (b"%PDF", "a PDF document"),
        (b"BM", "a BMP image"),
        (b"II*\0", "a TIFF image"),
        (b"MM\0*", "a TIFF image"),
        (b"PK\3\4", "a ZIP archive"),
        (b"RIFF", "a RIFF file that is not WebP"),
    ):
        if head.startswith(magic):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:4].lower() in (b"<svg", b"<?xm"):
        return "an SVG or XML file"
    decoded = head.decode("utf-8", errors="replace").rstrip("\ufffd")  # a cut-off last char
    if all(c.isprintable() or c in "\t\r\n" for c in decoded):
        return "a text file"
    return "not an image"


def _jpeg_complete(fh: BinaryIO, size: int) -> bool:
    """A JPEG is whole when an EOI marker (FF D9) follows its first scan."""
    fh.seek(max(0, size - 2))
    if fh.read(2) == b"\xff\xd9":  # almost every file: EOI is the last two bytes
        return True
    fh.seek(0)
    data = fh.read()
    pos = 2
    while pos + 4 <= len(data):  # walk the segments up to the first scan (SOS)
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # scan data never holds FF D9 (FF is stuffed), so EOI must follow
            return data.find(b"\xff\xd9", pos + 2 + length) != -1
        pos += 2 + length
    return False


def _png_complete(fh: BinaryIO, size: int) -> bool:
    """A PNG is whole when its chunks lead to IEND inside the file (headers only)."""
    pos = 8
    while pos + 8 <= size:
        fh.seek(pos)
        header = fh.read(8)
        length = int.from_bytes(header[:4], "big")
        if header[4:8] == b"IEND":
            return True
        pos += 12 + length
    return False


def _complete(fmt: str, fh: BinaryIO, size: int) -> bool:
    if fmt == "JPEG":
        return _jpeg_complete(fh, size)
    if fmt == "PNG":
        return _png_complete(fh, size)
    if fmt == "GIF":
        fh.seek(max(0, size - 16))
        return b";" in fh.read()  # the trailer byte, allowing a little padding after it
    fh.seek(4)
    return int.from_bytes(fh.read(4), "little") + 8 <= size  # WebP: the RIFF length


def _exif(im: Image.Image) -> tuple[int, bool]:
    """(orientation, has GPS) from EXIF found in the header; (1, False) when there is none."""
    from PIL import Image

    raw = im.info.get("exif")
    if not isinstance(raw, bytes):
        return 1, False
    exif = Image.Exif()
    try:
        exif.load(raw)
        orientation = int(exif.get(_ORIENTATION, 1))
        gps = bool(exif.get_ifd(_GPS_IFD))
    except Exception:  # broken EXIF: the picture itself is still fine
        return 1, False
    return (orientation if 1 <= orientation <= 8 else 1), gps


def _bomb(rel: str, width: int, height: int) -> Unreadable:
    return Unreadable(
        f"`{rel}` claims {width:,}×{height:,} pixels ({width * height / 1e6:,.0f} megapixels); "
        f"tidings does not open images over {MAX_PIXELS // 1_000_000} megapixels "
        "(a guard against decompression bombs)",
        "resize it to a few thousand pixels on the long side: no platform shows more",
    )


def _sniff(head: bytes) -> str | None:
    """The format a file's first bytes announce, to explain a broken one."""
    if head.startswith(b"\xff\xd8"):
        return "JPEG"
    if head.startswith(b"\x89PNG"):
        return "PNG"
    if head.startswith(b"GIF8"):
        return "GIF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _cut_off(rel: str, fmt: str, size: int) -> Unreadable:
    return Unreadable(
        f"`{rel}` is cut off: the {fmt} data ends early (the file has {size:,} bytes)",
        "copy or export the image again; it was not saved or transferred completely",
    )


def inspect(path: Path, rel: str) -> ImageInfo | Unreadable:
    """Read ``path``'s header (``rel`` names it in messages). Never raises for a bad file."""
    try:
        with path.open("rb") as fh:
            return _inspect(fh, path.stat().st_size, rel)
    except OSError as exc:
        return Unreadable(f"`{rel}` cannot be read: {exc.strerror or exc}", "check the file")


def inspect_bytes(data: bytes, rel: str) -> ImageInfo | Unreadable:
    """:func:`inspect` for an image already in memory (one fetched from a platform)."""
    import io

    return _inspect(io.BytesIO(data), len(data), rel)


def _inspect(fh: BinaryIO, size: int, rel: str) -> ImageInfo | Unreadable:
    from PIL import Image, UnidentifiedImageError  # here: importing tidings stays fast

    if size == 0:
        return Unreadable(f"`{rel}` is empty (0 bytes)", _NOT_IMAGE)
    head = fh.read(32)
    fh.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(fh, formats=READABLE)
        with im:
            fmt = "JPEG" if im.format == "MPO" else str(im.format)
            width, height = im.size
            if width < 1 or height < 1:
                return Unreadable(f"`{rel}` has no pixels ({width}×{height})", _NOT_IMAGE)
            if width * height > MAX_PIXELS:
                return _bomb(rel, width, height)
            animated = bool(getattr(im, "is_animated", False))
            alpha = im.mode in _ALPHA_MODES or "transparency" in im.info
            orientation, gps = _exif(im)
            mode = im.mode
    except Image.DecompressionBombError as exc:  # over Pillow's own hard limit
        numbers = [int(n) for n in re.findall(r"\d+", str(exc))]
        return Unreadable(
            f"`{rel}` claims {numbers[0] if numbers else 0:,} pixels; tidings does not open "
            f"images over {MAX_PIXELS // 1_000_000} megapixels (a guard against "
            "decompression bombs)",
            "resize it to a few thousand pixels on the long side: no platform shows more",
        )
    except Exception as exc:  # Pillow's parsers raise many kinds of exception for bad data
        sniffed = _sniff(head)
        if sniffed is None:
            kind = _kind(head)
            what = "is not" if kind == "not an image" else f"is {kind}, not"
            return Unreadable(f"`{rel}` {what} a JPEG, PNG, GIF or WebP image", _NOT_IMAGE)
        if not _complete(sniffed, fh, size):
            return _cut_off(rel, sniffed, size)
        detail = "" if isinstance(exc, UnidentifiedImageError) else f" ({exc})"
        return Unreadable(
            f"`{rel}` starts like a {sniffed} image but cannot be read{detail}",
            "export or copy the image again",
        )
    if not _complete(fmt, fh, size):
        return _cut_off(rel, fmt, size)
    return ImageInfo(fmt, width, height, size, mode, animated, alpha, orientation, gps)


HASH_SIDE = 16
"""A picture's fingerprint compares it at 16×16 grey levels (a difference hash)."""


def fingerprint(data: bytes) -> str | None:
    """A difference hash of the picture in ``data``: turned upright (EXIF), flattened onto
    white, scaled to 17×16 grey levels, one bit per pair of neighbours (is the left one
    brighter?), as 64 hex digits. Pictures a platform re-encoded or resized keep almost every
    bit (:func:`same_picture`). None when ``data`` is not a readable image."""
    import io

    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=READABLE) as opened:
                if opened.size[0] * opened.size[1] > MAX_PIXELS:
                    return None
                im = ImageOps.exif_transpose(opened).convert("RGBA")
    except Exception:  # Pillow's parsers raise many kinds of exception for bad data
        return None
    flat = Image.new("RGBA", im.size, (255, 255, 255, 255))
    flat.alpha_composite(im)
    small = flat.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte per grey pixel, row by row
    bits = 0
    for row in range(HASH_SIDE):
        line = pixels[row * (HASH_SIDE + 1) : (row + 1) * (HASH_SIDE + 1)]
        for left, right in itertools.pairwise(line):
            bits = (bits << 1) | (left > right)
    return f"{bits:0{HASH_SIDE * HASH_SIDE // 4}x}"


SAME_PICTURE = 0.15
"""Two fingerprints differing in at most this share of their bits show the same picture."""


def same_picture(a: str, b: str) -> bool:
    """Whether two :func:`fingerprint` values show the same picture (re-encoding, resizing
    and a platform's own compression move only a few bits)."""
    differ = bin(int(a, 16) ^ int(b, 16)).count("1")
    return differ <= SAME_PICTURE * HASH_SIDE * HASH_SIDE
