"""Profile pictures and cover images against the platforms' profile specs (the platform
table's ``profile`` field): one home for the rule, used by the check of brand/profiles/
(``tidings.check.rules.profiles``) and by the account audit (``tidings.metrics.audit``).

Kept modest: format, bytes, a square avatar of a minimum size, and a cover wide enough for
the networks that show a 3:1 banner. A problem names every platform that wants the same
thing at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from tidings.core.platforms import ProfileSpec

if TYPE_CHECKING:
    from tidings.workspace.images import ImageInfo

__all__ = [
    "AVATAR_NAMES",
    "COVER_NAMES",
    "COVER_RATIO",
    "SQUARE_SLACK",
    "Problem",
    "Wanted",
    "image_kind",
    "image_problems",
]

SQUARE_SLACK = 0.01
COVER_RATIO = 3.0
Kind = Literal["avatar", "cover"]
AVATAR_NAMES = ("avatar",)
COVER_NAMES = ("cover", "banner", "header")
"""The names (without extension) of brand/profiles/'s profile picture and cover image."""


def image_kind(stem: str) -> Kind | None:
    """Which profile image a file of brand/profiles/ named ``stem`` (no extension) is."""
    stem = stem.lower()
    return "avatar" if stem in AVATAR_NAMES else "cover" if stem in COVER_NAMES else None


class Wanted(NamedTuple):
    """One platform's profile spec, with the label messages name it by."""

    name: str
    spec: ProfileSpec


class Problem(NamedTuple):
    """One way an image is off-spec: what is wrong, and what to do."""

    message: str
    suggestion: str


def _names(specs: Sequence[Wanted]) -> str:
    names = [s.name for s in specs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def image_problems(
    what: str, info: ImageInfo, kind: Kind, specs: Sequence[Wanted], *, sizes: bool = True
) -> Iterator[Problem]:
    """How ``info`` (named ``what`` in messages) misses the ``specs`` of a ``kind`` image.
    ``sizes=False`` leaves out format and bytes (an image a platform already re-encoded)."""
    width, height = info.shown
    if sizes:
        wrong_format = [s for s in specs if info.format not in s.spec.formats]
        if wrong_format:
            yield Problem(
                f"{what} is a {info.format}; {_names(wrong_format)} take JPEG or PNG",
                "save it as PNG (graphics, logos) or JPEG (photos)",
            )
        limits = [
            (s, s.spec.avatar_bytes if kind == "avatar" else s.spec.cover_bytes) for s in specs
        ]
        too_big = [(s, limit) for s, limit in limits if limit is not None and info.size > limit]
        if too_big:
            yield Problem(
                f"{what} has {info.size:,} bytes; {_names([s for s, _ in too_big])} take at "
                f"most {min(limit for _, limit in too_big):,}",
                "export it smaller (JPEG quality 85, or fewer pixels)",
            )
    if kind == "avatar":
        if abs(width / height - 1) > SQUARE_SLACK:
            yield Problem(
                f"{what} is {width}×{height}; profile pictures are square and shown in a circle",
                "crop it to a square with the face or logo in the middle",
            )
        small = [s for s in specs if min(width, height) < s.spec.avatar_min]
        if small:
            want = max(s.spec.avatar_min for s in small)
            yield Problem(
                f"{what} is {width}×{height}; {_names(small)} want at least {want}×{want}",
                f"export it at {want}×{want} or larger",
            )
        return
    wide = [s for s in specs if s.spec.cover_min_width is not None]
    narrow = [s for s in wide if width < (s.spec.cover_min_width or 0)]
    if narrow:
        yield Problem(
            f"{what} is {width}×{height}; {_names(narrow)} show a 1500×500 banner and stretch "
            "a smaller one",
            "export it at 1500×500 or larger (3:1)",
        )
    if wide and abs(width / height - COVER_RATIO) > 0.1:
        yield Problem(
            f"{what} is {width}×{height} ({width / height:.2f}:1); {_names(wide)} crop banners "
            "to 3:1",
            "crop it to 3:1 (e.g. 1500×500) so nothing important is cut off",
        )
