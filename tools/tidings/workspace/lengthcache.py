"""X's weighted lengths of texts measured before, kept between runs.

Importing twitter-text costs about 0.13 s (it parses Unicode's emoji list and builds its
URL expressions at import), more than measuring every post of a small workspace, and every
check and site build of a workspace with an X channel paid it. A text's weighted length
depends only on the text and on twitter-text, so a check keeps the lengths it measured in
``build/cache/x-lengths.json``, keyed by a hash of the text and stamped with the installed
twitter-text (its release, never its files' times: CI installs it anew each run) and
:data:`FORMAT`: a run whose X texts were all measured before never imports twitter-text. A missing, stale or unreadable file is simply
ignored, and the file is replaced atomically, so two runs at once cannot corrupt it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
from pathlib import Path

from tidings.workspace.files import library_stamp, merge_new, write_atomic

FILE = "build/cache/x-lengths.json"
FORMAT = 1  # bump when x_weighted's own logic changes

_known: dict[str, int] = {}
_new = False


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _library_fingerprint() -> str:
    """Which twitter_text (its release) the cached lengths were counted with."""
    spec = importlib.util.find_spec("twitter_text")  # finds it without importing it
    if spec is None or spec.origin is None:
        return "missing"
    return f"{FORMAT}:{library_stamp(spec.origin, 'twitter-text-parser')}"


def known() -> int:
    """How many lengths are known (kept by earlier runs, or measured in this one)."""
    return len(_known)


def get(text: str) -> int | None:
    return _known.get(_key(text))


def put(text: str, length: int) -> None:
    global _new
    key = _key(text)
    if _known.get(key) != length:
        _known[key] = length
        _new = True


def load(root: Path) -> None:
    """Add the lengths ``root`` measured before (when they came from this twitter-text)."""
    try:
        data = json.loads((root / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(data, dict) or data.get("stamp") != _library_fingerprint():
        return
    lengths = data.get("lengths")
    if isinstance(lengths, dict):
        for key, value in lengths.items():
            if isinstance(key, str) and isinstance(value, int):
                _known.setdefault(key, value)


def save(root: Path) -> None:
    """Write what is known when something new was measured; never fails a run."""
    global _new
    if not _new:
        return
    path = root / FILE
    body = json.dumps({"stamp": _library_fingerprint(), "lengths": _known}, separators=(",", ":"))
    with contextlib.suppress(OSError):
        write_atomic(path, body, sync=False)
        _new = False


def changes() -> dict[str, int] | None:
    """What a worker process measured (every length it knows), for :func:`take` in the
    process that forked it; None when nothing was new."""
    return dict(_known) if _new else None


def take(found: dict[str, int] | None) -> None:
    """Add what a worker measured (:func:`changes`), to be saved with the rest."""
    global _new
    _new = merge_new(_known, found) or _new


def clear() -> None:
    """Forget everything in memory (tests)."""
    global _new
    _known.clear()
    _new = False
