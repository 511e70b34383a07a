"""Colours from content (channels, campaigns) made safe for a style attribute, and the text
colour that keeps WCAG AA contrast on them."""

from __future__ import annotations

import re
from functools import cache

HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
NEUTRAL = "#6b7280"


def css_color(value: str | None, fallback: str = NEUTRAL) -> str:
    """``value`` when it is a hex colour, else ``fallback``: nothing else reaches CSS."""
    return value.lower() if value and HEX.fullmatch(value) else fallback


def _channel(v: float) -> float:
    v /= 255
    return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4


@cache  # a handful of colours, asked for on every card
def luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rgb`` or ``#rrggbb`` colour."""
    digits = css_color(color)[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (always ≥ 4.5:1)."""
    return (
        "#000000"
        if contrast(background, "#000000") >= contrast(background, "#ffffff")
        else "#ffffff"
    )
