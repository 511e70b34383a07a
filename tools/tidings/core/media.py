"""Images per platform: one table of limits, what an image needs to fit, and the bytes to send.

    PLATFORMS[platform].media          the limits of shared/platforms.md §4, in the platform table
    assess(info, row) -> Assessment    the rendition an image needs, or why it cannot fit
    prepare(root, item, platform)      the exact file to upload: the original when it fits,
                                       else a rendition cached in build/renditions/

The check (``rules/media.py``) calls :func:`assess` and reports the rendition as info; the
publisher calls :func:`prepare`, which makes that same rendition. Renditions are
deterministic: no EXIF, no timestamps, the same input and spec give the same bytes, and a
file already in the cache is reused.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from tidings.core.platforms import PLATFORMS, Platform
from tidings.core.render import RenderedMedia
from tidings.errors import MediaError
from tidings.workspace import layout
from tidings.workspace.images import (
    EXTENSION,
    MAX_PIXELS,
    MIME,
    READABLE,
    ImageInfo,
    Unreadable,
    inspect,
)

if TYPE_CHECKING:
    from PIL import Image

RENDITION_VERSION = "1"  # part of every cache key: bump when the encoding below changes
JPEG_QUALITIES = (85, 75, 65)
SHRINK = 0.85  # each step after the lowest quality scales the sides by this much
MAX_SHRINKS = 12
ASPECT_SLACK = 0.01  # a 1080×1350 (4:5) image is 4:5, whatever rounding says
_KEEP_MODES = {"JPEG": frozenset({"RGB", "L"}), "PNG": frozenset({"RGB", "RGBA", "L", "LA", "P"})}


@dataclass(frozen=True, slots=True)
class Rendition:
    """The image a platform gets instead of the original."""

    format: str
    width: int
    height: int
    max_bytes: int | None
    min_width: int | None
    reasons: tuple[str, ...]
    fit_bytes: bool = False  # the original is over the byte limit: the final size may shrink

    @property
    def key(self) -> str:
        """The rendition's spec, hashed with the source bytes to name the cached file."""
        return (
            f"v{RENDITION_VERSION}|{self.format}|{self.width}x{self.height}"
            f"|{self.max_bytes}|{self.min_width}"
        )

    def describe(self) -> str:
        size = f"{self.width}×{self.height}" + (" (or smaller)" if self.fit_bytes else "")
        limit = f" of at most {self.max_bytes:,} bytes" if self.fit_bytes else ""
        return f"a {size} {self.format}{limit}"


@dataclass(frozen=True, slots=True)
class Misfit:
    """A reason an image cannot go to a platform that no rendition fixes."""

    code: str
    message: str
    suggestion: str


@dataclass(frozen=True, slots=True)
class Assessment:
    rendition: Rendition | None = None
    misfits: tuple[Misfit, ...] = ()
    first_frame_only: bool = False


def _ratio(value: float) -> str:
    for a, b in ((4, 5), (1, 1), (191, 100), (16, 9), (3, 2), (4, 3), (1, 10), (10, 1)):
        if abs(value - a / b) < 0.005:
            return f"{a}:{b}" if (a, b) != (191, 100) else "1.91:1"
    return f"{value:.2f}:1"


def assess(info: ImageInfo, row: Platform) -> Assessment:
    """What ``info`` needs to go to the platform of ``row`` (its ``media`` limits)."""
    spec = row.media
    width, height = info.shown
    misfits: list[Misfit] = []
    if spec.aspect is not None:
        low, high = spec.aspect
        ratio = width / height
        if not low - ASPECT_SLACK <= ratio <= high + ASPECT_SLACK:
            misfits.append(
                Misfit(
                    "media.aspect",
                    f"the image is {width}×{height} ({_ratio(ratio)}); {row.label} takes "
                    f"{_ratio(low)} (tall) to {_ratio(high)} (wide)",
                    f"crop it to between {_ratio(low)} and {_ratio(high)}, or give this "
                    "channel its own `media:` in a variant",
                )
            )
    first_frame_only = info.animated and not spec.animates
    if info.animated and spec.animates and info.format in spec.formats:
        limit = spec.max_animated_bytes or spec.max_bytes
        if limit is not None and info.size > limit:
            misfits.append(
                Misfit(
                    "media.size",
                    f"the animation is {info.size:,} bytes; {row.label} takes {limit:,}",
                    "shorten it or make it smaller: tidings sends animations as they are",
                )
            )
        return Assessment(None, tuple(misfits))
    if row.local:  # outbox and feed: the original, whatever it is
        return Assessment()
    reasons: list[str] = []
    target = info.format
    keep_as_png = (info.alpha or info.format in ("PNG", "GIF")) and "PNG" in spec.formats
    if info.format not in spec.formats:
        target = "PNG" if keep_as_png else "JPEG"  # every platform takes JPEG
        what = "first frame of the animation" if info.animated else info.format
        reasons.append(f"{what} → {target}")
    if target == info.format and info.mode not in _KEEP_MODES.get(target, _KEEP_MODES["PNG"]):
        reasons.append(f"{info.mode} colours → RGB")
    if info.orientation != 1:
        reasons.append("turned upright as its EXIF orientation says")
    if info.gps:
        reasons.append("GPS location removed")
    scale = 1.0
    if spec.max_width is not None and width > spec.max_width:
        scale = spec.max_width / width
        reasons.append(f"{width} px → {spec.max_width} px wide")
    if spec.max_pixels is not None and width * height * scale * scale > spec.max_pixels:
        scale = math.sqrt(spec.max_pixels / (width * height))
        reasons.append(f"{width * height / 1e6:.1f} → {spec.max_pixels / 1e6:.1f} megapixels")
    if spec.min_width is not None and width < spec.min_width:
        scale = spec.min_width / width
        reasons.append(
            f"enlarged from {width} px to {spec.min_width} px wide, {row.label}'s minimum "
            "(a larger original looks sharper)"
        )
    fit_bytes = spec.max_bytes is not None and info.size > spec.max_bytes
    if fit_bytes:
        if target == "PNG" and not info.alpha and "JPEG" in spec.formats:
            target = "JPEG"
            reasons.append("PNG → JPEG")
        reasons.append(f"re-encoded to fit {spec.max_bytes:,} bytes (it has {info.size:,})")
    if not reasons:
        return Assessment(None, tuple(misfits), first_frame_only)
    if target not in ("JPEG", "PNG"):  # renditions are written as JPEG or PNG only
        new = "PNG" if keep_as_png else "JPEG"
        reasons.insert(0, f"{target} → {new}")
        target = new
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if spec.min_width is not None and size[0] < spec.min_width:
        size = (spec.min_width, max(1, round(height * spec.min_width / width)))
    rendition = Rendition(target, *size, spec.max_bytes, spec.min_width, tuple(reasons), fit_bytes)
    return Assessment(rendition, tuple(misfits), first_frame_only)


# ---------------------------------------------------------------- the bytes to send


@dataclass(frozen=True, slots=True)
class Upload:
    """Exactly what to send for one image on one platform."""

    path: Path  # absolute: the original file, or a rendition in build/renditions/
    mime: str
    width: int
    height: int
    alt: str
    size: int  # bytes


def site_path(root: Path, upload: Upload) -> str:
    """Where the preview site serves the exact file sent, relative to the site's root:
    ``media/<path under content/media>`` for an original, ``media/renditions/<name>`` for a
    rendition. Instagram, Threads and Slack fetch it from ``media_base_url`` + the part
    after ``media/``."""
    path = upload.path.resolve()
    media = (root / layout.MEDIA).resolve()
    if path.is_relative_to(media):
        return "media/" + path.relative_to(media).as_posix()
    return "media/renditions/" + path.name


def public_url(base: str | None, root: Path, upload: Upload) -> str | None:
    """The address a platform fetches ``upload`` from, given the channel's
    ``media_base_url`` (where the site's ``media/`` folder is served); None without one."""
    if not base:
        return None
    return base.rstrip("/") + "/" + site_path(root, upload).removeprefix("media/")


def _source(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise MediaError(
            f"media file `{rel}` does not exist in the repository",
            "run `tidings check`: it names the problem",
        )
    return path


def _pixels(source: Path, info: ImageInfo, r: Rendition) -> Image.Image:
    """The source's first frame, upright, in a mode ``r.format`` can store, at ``r``'s size."""
    from PIL import Image, ImageOps  # here: importing tidings stays fast

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im = Image.open(source, formats=READABLE)
    with im:
        if im.width * im.height > MAX_PIXELS:
            raise MediaError(f"`{source.name}` has too many pixels to open", "resize it first")
        if info.format == "JPEG":  # decode at a reduced scale when that is plenty
            wanted = (
                (r.height, r.width) if info.orientation in (5, 6, 7, 8) else (r.width, r.height)
            )
            im.draft(im.mode, wanted)
        im.seek(0)
        im.load()
        out = ImageOps.exif_transpose(im) if info.orientation != 1 else im.copy()
    icc = out.info.get("icc_profile") if out.mode != "CMYK" else None
    if r.format == "JPEG" and (info.alpha or out.mode in ("P", "PA", "LA", "RGBA")):
        rgba = out.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        out = flat
    elif r.format == "PNG" and info.alpha:
        out = out.convert("LA" if out.mode in ("L", "LA") else "RGBA")
    elif out.mode not in _KEEP_MODES[r.format]:
        out = out.convert("RGB")
    if out.size != (r.width, r.height):
        out = out.resize((r.width, r.height), Image.Resampling.LANCZOS)
    out.info = {"icc_profile": icc} if isinstance(icc, bytes) else {}
    return out


def _encode(im: Image.Image, fmt: str, quality: int, icc: bytes | None) -> bytes:
    buf = BytesIO()
    extra: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        im.save(buf, "JPEG", quality=quality, optimize=True, **extra)
    else:
        im.save(buf, "PNG", compress_level=9, **extra)
    return buf.getvalue()


def render_rendition(source: Path, info: ImageInfo, r: Rendition) -> tuple[bytes, int, int]:
    """Encode ``r``: (bytes, width, height), shrinking until it fits ``r.max_bytes``."""
    from PIL import Image

    im = _pixels(source, info, r)
    icc = im.info.get("icc_profile")
    icc = icc if isinstance(icc, bytes) else None
    qualities = JPEG_QUALITIES if r.format == "JPEG" else (0,)
    for _ in range(MAX_SHRINKS + 1):
        for quality in qualities:
            data = _encode(im, r.format, quality, icc)
            if r.max_bytes is None or len(data) <= r.max_bytes:
                return data, im.width, im.height
        smaller = (max(1, int(im.width * SHRINK)), max(1, int(im.height * SHRINK)))
        if r.min_width is not None and smaller[0] < r.min_width:
            break
        im = im.resize(smaller, Image.Resampling.LANCZOS)
    raise MediaError(
        f"`{source.name}` cannot be made smaller than {r.max_bytes:,} bytes as a {r.format}",
        "export a smaller image (fewer pixels, or a photo as JPEG)",
    )


def prepare(root: Path, item: RenderedMedia, platform: str) -> Upload:
    """The file to upload for ``item`` on ``platform``: the original when it fits, else a
    rendition in ``build/renditions/<sha256 of source bytes and spec>.<ext>`` (reused when
    there). Raises :class:`MediaError` when the image is unreadable or cannot fit."""
    source = _source(root, item.file)
    info = inspect(source, item.file)
    if isinstance(info, Unreadable):
        raise MediaError(info.message, info.suggestion)
    row = PLATFORMS[platform]
    verdict = assess(info, row)
    if verdict.misfits:
        misfit = verdict.misfits[0]
        raise MediaError(f"`{item.file}` on {row.label}: {misfit.message}", misfit.suggestion)
    r = verdict.rendition
    if r is None:
        width, height = info.shown
        return Upload(source, info.mime, width, height, item.alt, info.size)
    digest = hashlib.sha256(source.read_bytes())
    digest.update(b"\0" + r.key.encode())
    target = root.resolve() / layout.RENDITIONS / f"{digest.hexdigest()}.{EXTENSION[r.format]}"
    if target.is_file():
        from PIL import Image

        with Image.open(target) as done:
            width, height = done.size
    else:
        data, width, height = render_rendition(source, info, r)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, target)  # atomic: a reader never sees half a file
    return Upload(target, MIME[r.format], width, height, item.alt, target.stat().st_size)
