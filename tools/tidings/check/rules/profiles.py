"""Profile and cover images in brand/profiles/ against the specs of the brand's platforms.

``avatar.*`` is the profile picture, ``cover.*`` (or ``banner.*``, ``header.*``) the wide
image at the top of a profile. Kept modest: format, bytes, a square avatar of a minimum
size, and a cover wide enough for the networks that show a 3:1 banner. Findings name every
platform that wants the same thing in one diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS, ProfileSpec
from tidings.diagnostics import Diagnostic, Pos
from tidings.workspace import layout
from tidings.workspace.model import Workspace

if TYPE_CHECKING:
    from tidings.workspace.images import ImageInfo

CODE = "profile.image"
AVATAR_NAMES = ("avatar",)
COVER_NAMES = ("cover", "banner", "header")
SQUARE_SLACK = 0.01


@dataclass(frozen=True, slots=True)
class _Wanted:
    """One platform's profile image spec (its table row's ``profile``), with its label."""

    name: str
    spec: ProfileSpec


COVER_RATIO = 3.0


def _names(specs: list[_Wanted]) -> str:
    names = [s.name for s in specs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _diag(rel: str, message: str, suggestion: str, code: str = CODE) -> Diagnostic:
    return Diagnostic.at(rel, Pos(), default_severity(code), code, message, suggestion)


def _check_image(
    rel: str, info: ImageInfo, kind: str, specs: list[_Wanted]
) -> Iterator[Diagnostic]:
    width, height = info.shown
    wrong_format = [s for s in specs if info.format not in s.spec.formats]
    if wrong_format:
        yield _diag(
            rel,
            f"{rel} is a {info.format}; {_names(wrong_format)} take JPEG or PNG",
            "save it as PNG (graphics, logos) or JPEG (photos)",
        )
    limits = [(s, s.spec.avatar_bytes if kind == "avatar" else s.spec.cover_bytes) for s in specs]
    too_big = [(s, limit) for s, limit in limits if limit is not None and info.size > limit]
    if too_big:
        yield _diag(
            rel,
            f"{rel} has {info.size:,} bytes; {_names([s for s, _ in too_big])} take at most "
            f"{min(limit for _, limit in too_big):,}",
            "export it smaller (JPEG quality 85, or fewer pixels)",
        )
    if kind == "avatar":
        if abs(width / height - 1) > SQUARE_SLACK:
            yield _diag(
                rel,
                f"{rel} is {width}×{height}; profile pictures are square and shown in a circle",
                "crop it to a square with the face or logo in the middle",
            )
        small = [s for s in specs if min(width, height) < s.spec.avatar_min]
        if small:
            want = max(s.spec.avatar_min for s in small)
            yield _diag(
                rel,
                f"{rel} is {width}×{height}; {_names(small)} want at least {want}×{want}",
                f"export it at {want}×{want} or larger",
            )
        return
    wide = [s for s in specs if s.spec.cover_min_width is not None]
    narrow = [s for s in wide if width < (s.spec.cover_min_width or 0)]
    if narrow:
        yield _diag(
            rel,
            f"{rel} is {width}×{height}; {_names(narrow)} show a 1500×500 banner and stretch "
            "a smaller one",
            "export it at 1500×500 or larger (3:1)",
        )
    if wide and abs(width / height - COVER_RATIO) > 0.1:
        yield _diag(
            rel,
            f"{rel} is {width}×{height} ({width / height:.2f}:1); {_names(wide)} crop banners "
            "to 3:1",
            "crop it to 3:1 (e.g. 1500×500) so nothing important is cut off",
        )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    folder = ws.root / layout.PROFILES
    if ws.partial or not folder.is_dir():
        return
    rows = [PLATFORMS.get(p) for p in sorted({c.platform for c in ws.channels.values()})]
    specs = [_Wanted(r.label, r.profile) for r in rows if r is not None and r.profile is not None]
    if not specs:
        return
    from tidings.workspace.images import (
        Unreadable,
        inspect,
    )  # Pillow only when there is something to read

    for path in sorted(folder.iterdir()):
        stem = path.stem.lower()
        kind = "avatar" if stem in AVATAR_NAMES else "cover" if stem in COVER_NAMES else None
        if kind is None or not path.is_file():
            continue
        rel = f"{layout.PROFILES}/{path.name}"
        info = inspect(path, rel)
        if isinstance(info, Unreadable):
            yield _diag(rel, info.message, info.suggestion, "media.unreadable")
        else:
            yield from _check_image(rel, info, kind, specs)
