"""Charts as inline SVG, drawn at build time with leather (no JavaScript, nothing fetched).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>``; the numbers themselves are in the HTML table the page puts beside it, which is
the accessible version. Text in the SVG (titles, series and category names from content)
is escaped by ElementTree, like every other value on the site.

leather is chosen over pygal: about 2 ms and 9 kB a chart against 14 ms and 65 kB, and
no script (pygal embeds one and points at a CDN unless told not to).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from itertools import count

import leather
from markupsafe import Markup

WIDTH, HEIGHT = 640, 280
PALETTE = ("#1f5fa8", "#b3471d", "#2d7a3a", "#7a3d8f", "#8a6a00", "#00707a")
"""Series colours, each at least 4.5:1 against the white background."""
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

_ids = count(1)


def _theme() -> None:
    """leather's look, set once: the site's font, text dark enough for AA, white ground."""
    t = leather.theme
    t.background_color = "#ffffff"
    for name in ("title", "legend", "axis_title", "tick"):
        setattr(t, f"{name}_font_family", FONT)
    t.title_color = t.legend_color = t.axis_title_color = t.label_color = "#333333"
    t.title_font_size = t.title_font_char_height = 0  # the page's heading names the chart
    t.tick_font_size = t.legend_font_size = 13
    t.tick_font_char_height = t.legend_font_char_height = 13
    t.tick_font_char_width = t.legend_font_char_width = 7.5
    t.tick_color = "#e3e3e3"
    t.zero_color = "#767676"
    t.margin = 0.03


_theme()


class Nice(leather.Scale):  # type: ignore[misc]
    """A linear scale from ``low`` to a round number at or above ``high``, ticked in steps
    of 1, 2 or 5 × 10^n. leather's own Linear scale scores tick candidates in Decimal
    arithmetic, about 2 ms a scale: too slow for a chart on every post page."""

    def __init__(self, low: float, high: float, ticks: int = 5) -> None:
        span = high - low if high > low else 1.0
        raw = span / ticks
        power = 10 ** math.floor(math.log10(raw))
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
        self.step = step
        self.low = math.floor(low / step) * step
        self.high = max(math.ceil(high / step) * step, self.low + step)

    def contains(self, v: float) -> bool:
        return bool(self.low <= v <= self.high)

    def project(self, value: float, range_min: float, range_max: float) -> float:
        return float(
            range_min + (range_max - range_min) * (value - self.low) / (self.high - self.low)
        )

    def ticks(self) -> list[float]:
        n = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(n + 1)]

    def format_tick(self, value: float, i: int, count: int) -> str:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


Point = tuple[date | int, float]
Series = tuple[str, Sequence[Point]]


def _svg(chart: leather.Chart, title: str, desc: str, uid: str) -> Markup:
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{uid}-t {uid}-d",
            "class": "td-chart",
            "focusable": "false",
        },
    )
    ET.SubElement(root, "title", id=f"{uid}-t").text = title
    ET.SubElement(root, "desc", id=f"{uid}-d").text = desc
    root.append(chart.to_svg_group(WIDTH, HEIGHT))
    return Markup(_xml(root))  # every text and attribute escaped as ElementTree escapes them


# ElementTree's own escaping, so the output is exactly ET.tostring's
_escape_attrib = getattr(ET, "_escape_attrib")  # noqa: B009
_escape_cdata = getattr(ET, "_escape_cdata")  # noqa: B009


def _xml(root: ET.Element) -> str:
    """``ET.tostring(root, encoding="unicode")`` for a tree without namespaced tags (as
    leather and :func:`_svg` make them), in a fraction of the time: ElementTree first walks
    the whole tree for namespaces, then writes through a call per piece. A tree with a
    ``{namespace}tag`` goes to ElementTree itself."""
    out: list[str] = []
    write = out.append

    def element(e: ET.Element) -> None:
        tag = e.tag
        if not isinstance(tag, str) or tag.startswith("{"):
            raise _Namespaced
        write("<" + tag)
        for k, v in e.items():
            write(f' {k}="{_escape_attrib(v)}"')
        text = e.text
        if text or len(e):
            write(">")
            if text:
                write(_escape_cdata(text))
            for child in e:
                element(child)
            write("</" + tag + ">")
        else:
            write(" />")
        if e.tail:
            write(_escape_cdata(e.tail))

    try:
        element(root)
    except _Namespaced:
        return ET.tostring(root, encoding="unicode")
    return "".join(out)


class _Namespaced(Exception):
    pass


def _as_x(value: date | int) -> datetime | int:
    """Dates as midnight datetimes: leather's ticker fails on short ranges of plain dates."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value


def _x_scale(points: Sequence[Point]) -> leather.Scale:
    xs = [_as_x(x) for x, _ in points]
    lo, hi = min(xs), max(xs)
    if isinstance(lo, datetime) and isinstance(hi, datetime):
        if lo == hi:
            lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
        return leather.Temporal(lo, hi)
    assert isinstance(lo, int) and isinstance(hi, int)
    return Nice(lo, hi if hi > lo else lo + 1)


def _y_top(values: Sequence[float]) -> float:
    top = max(values, default=0)
    return top if top > 0 else 1


def line_chart(
    title: str, desc: str, series: Sequence[Series], x_label: str = "", chart_id: int | None = None
) -> Markup:
    """Lines over dates or whole numbers (one per series); y starts at 0. Empty series are
    left out; with no points at all there is no chart (an empty Markup). ``chart_id``: the
    number in its id, when :func:`reserve_ids` gave it (else the next one)."""
    series = [(name, list(points)) for name, points in series if points]
    if not series:
        return Markup("")
    every = [p for _, points in series for p in points]
    chart = leather.Chart()
    chart.set_x_scale(_x_scale(every))
    chart.set_y_scale(Nice(0, _y_top([y for _, y in every])))
    if x_label:
        chart.add_x_axis(name=x_label)
    for n, (name, points) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        chart.add_line([(_as_x(x), y) for x, y in points], name=name, stroke_color=colour)
    return _svg(chart, title, desc, f"chart-{next(_ids) if chart_id is None else chart_id}")


def bar_chart(title: str, desc: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars, one per category, in the order given (unknown values left out)."""
    if not bars:
        return Markup("")
    names = [name for name, _ in bars]
    if len(set(names)) != len(names):
        raise ValueError("bar names must be unique")
    chart = leather.Chart()
    chart.set_x_scale(Nice(0, _y_top([v for _, v in bars])))
    chart.set_y_scale(leather.Ordinal(names))
    chart.add_bars([(v, name) for name, v in bars], fill_color=PALETTE[0])
    return _svg(chart, title, desc, f"chart-{next(_ids)}")


def reserve_ids(n: int) -> int:
    """Set aside the next ``n`` chart ids, for charts drawn later or elsewhere (a worker
    process) that must be numbered as if drawn now; returns the first."""
    global _ids
    first = next(_ids)
    _ids = count(first + n)
    return first


def reset_ids() -> None:
    """Chart ids restart (tests and repeated builds get the same ids)."""
    global _ids
    _ids = count(1)
