"""Profile and cover images in brand/profiles/ against the specs of the brand's platforms.

``avatar.*`` is the profile picture, ``cover.*`` (or ``banner.*``, ``header.*``) the wide
image at the top of a profile. The rule itself is :mod:`tidings.core.profiles` (the account
audit applies it to the images the platforms show).
"""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS
from tidings.core.profiles import AVATAR_NAMES, COVER_NAMES, Wanted, image_kind, image_problems
from tidings.diagnostics import Diagnostic, Pos
from tidings.workspace import layout
from tidings.workspace.model import Workspace

CODE = "profile.image"
__all__ = ["AVATAR_NAMES", "CODE", "COVER_NAMES", "check"]


def _diag(rel: str, message: str, suggestion: str, code: str = CODE) -> Diagnostic:
    return Diagnostic.at(rel, Pos(), default_severity(code), code, message, suggestion)


def check(ws: Workspace) -> Iterator[Diagnostic]:
    folder = ws.root / layout.PROFILES
    if ws.partial or not folder.is_dir():
        return
    rows = [PLATFORMS.get(p) for p in sorted({c.platform for c in ws.channels.values()})]
    specs = [Wanted(r.label, r.profile) for r in rows if r is not None and r.profile is not None]
    if not specs:
        return
    from tidings.workspace.imagecache import inspect  # kept headers; Pillow when there are none
    from tidings.workspace.images import Unreadable

    for path in sorted(folder.iterdir()):
        kind = image_kind(path.stem)
        if kind is None or not path.is_file():
            continue
        rel = f"{layout.PROFILES}/{path.name}"
        info = inspect(path, rel)
        if isinstance(info, Unreadable):
            yield _diag(rel, info.message, info.suggestion, "media.unreadable")
        else:
            for problem in image_problems(rel, info, kind, specs):
                yield _diag(rel, problem.message, problem.suggestion)
