"""WCAG 2.x colour contrast, measured in the browser on what it actually paints.

``CONTRAST_JS`` walks every visible text node (and every ``::before``/``::after`` with text
content) and pairs its computed colour with its effective background: the element's own
background and its ancestors', composited from the nearest opaque one upwards (semi-transparent
colours blend, as the browser paints them; an ancestor's ``opacity`` fades the text). A
background image or gradient on the way cannot be measured from styles: that text is counted
as skipped, not passed. ``FOCUS_JS`` focuses every visible link, button, summary and form
field (the search box) and measures its focus outline against the background around it.

WCAG 2.2 SC 1.4.3: 4.5:1 for text, 3:1 for large text (at least 24 px, or 18.66 px bold);
SC 1.4.11 / 2.4.13: 3:1 for a focus indicator against what is next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_COLOUR_JS = r"""
const parse = (c) => {
  let m = c.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
  if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
  m = c.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
  if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
  return null;  // an unknown colour syntax is reported, never guessed
};
const over = (top, under) => {  // `top` painted over the opaque `under`
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
};
const luminance = (c) => {
  const [r, g, b] = c.slice(0, 3).map(v => {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
};
const hex = (c) => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
// the opaque colour behind `el` (its own background included), or null behind an image
const background = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.backgroundImage !== 'none') return null;
    const c = parse(s.backgroundColor);
    if (c === null) return undefined;
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let base = [255, 255, 255, 1];  // the canvas
  for (const layer of layers.reverse()) base = over(layer, base);
  return base;
};
const fading = (el) => {
  let o = 1;
  for (let e = el; e; e = e.parentElement) o *= +getComputedStyle(e).opacity;
  return o;
};
const selector = (el) => {
  const parts = [];
  for (let e = el; e && parts.length < 4 && e !== document.body; e = e.parentElement) {
    let p = e.tagName.toLowerCase();
    if (e.id) p += '#' + e.id;
    for (const c of [...e.classList].slice(0, 2)) p += '.' + c;
    parts.unshift(p);
  }
  return parts.join(' > ');
};
"""

CONTRAST_JS = (
    "() => {"
    + _COLOUR_JS
    + r"""
  const results = [];
  let skipped = 0;
  const measure = (el, text, style, ownBackground) => {
    const fg = parse(style.color);
    const bg = ownBackground === undefined ? background(el) : ownBackground;
    if (bg === null) { skipped++; return; }
    const where = selector(el);
    if (fg === null || bg === undefined) {
      results.push({where, text, fg: style.color, bg: String(bg), ratio: 0, needed: 4.5});
      return;
    }
    const painted = over([fg[0], fg[1], fg[2], fg[3] * fading(el)], bg);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    results.push({where, text, fg: hex(painted), bg: hex(bg), ratio: ratio(painted, bg),
                  needed: large ? 3 : 4.5});
  };
  const shown = (el) => {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;  // screen-reader-only text
    return getComputedStyle(el).clip !== 'rect(0px, 0px, 0px, 0px)';
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    if (!shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    measure(el, text.slice(0, 60), getComputedStyle(el));
    seen.add(el);
  }
  for (const el of document.body.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const s = getComputedStyle(el, pseudo);
      const m = s.content.match(/^"(.*)"$/s);  // attr() and strings resolve to a string
      if (!m || !m[1].trim() || s.display === 'none' || !shown(el)) continue;
      const own = parse(s.backgroundColor);
      const bg = s.backgroundImage !== 'none' ? null
        : own && own[3] >= 1 ? own
        : own && own[3] > 0 ? ((b) => b && over(own, b))(background(el)) : undefined;
      measure(el, pseudo + ' ' + m[1].slice(0, 50), s, bg);
    }
  }
  return {results, skipped, scheme: document.body.getAttribute('data-md-color-scheme')};
}"""
)

FOCUS_JS = (
    "() => {"
    + _COLOUR_JS
    + r"""
  const out = [];
  const targets = document.querySelectorAll(
    'a[href], button, summary, input:not([type=hidden]), select, textarea, [tabindex="0"]');
  for (const el of targets) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;  // not focusable here (e.g. inert)
    const s = getComputedStyle(el);
    const width = parseFloat(s.outlineWidth);
    const colour = parse(s.outlineColor);
    // the outline is drawn outside the element (offset >= 0): what is next to it is
    // the parent's background; an inset outline sits on the element's own
    const host = parseFloat(s.outlineOffset) < 0 ? el : el.parentElement;
    const bg = background(host);
    const item = {where: selector(el), text: el.textContent.trim().slice(0, 40),
                  style: s.outlineStyle, width, colour: s.outlineColor};
    if (bg === null) { item.skipped = true; out.push(item); continue; }
    item.bg = bg ? hex(bg) : String(bg);
    item.ratio = colour && bg ? ratio(over(colour, bg), bg) : 0;
    out.push(item);
  }
  document.activeElement?.blur();
  return out;
}"""
)


@dataclass(frozen=True)
class Failure:
    page: str
    scheme: str
    where: str
    text: str
    fg: str
    bg: str
    ratio: float
    needed: float

    def __str__(self) -> str:
        return (
            f"{self.page} [{self.scheme}] {self.where}: {self.text!r} {self.fg} on {self.bg} "
            f"= {self.ratio:.2f}:1, needs {self.needed}:1"
        )


def contrast_failures(page: Any, path: str) -> tuple[list[Failure], int, int, str]:
    """The text on ``page`` below AA, how many texts were measured and skipped, the scheme."""
    found = page.evaluate(CONTRAST_JS)
    scheme = str(found["scheme"])
    failures = [
        Failure(path, scheme, r["where"], r["text"], r["fg"], r["bg"], r["ratio"], r["needed"])
        for r in found["results"]
        if r["ratio"] < r["needed"] - 0.005  # ratios are reported to two decimals
    ]
    return failures, len(found["results"]), int(found["skipped"]), scheme


def focus_failures(page: Any, path: str) -> tuple[list[str], int]:
    """Links and buttons whose focus outline is missing, thin or below 3:1; how many checked."""
    items = page.evaluate(FOCUS_JS)
    bad = []
    for i in items:
        if i.get("skipped"):
            continue
        if i["style"] == "none" or i["width"] < 2 or i["ratio"] < 3 - 0.005:
            bad.append(
                f"{path} {i['where']} {i['text']!r}: outline {i['style']} {i['width']}px "
                f"{i['colour']} on {i['bg']} = {i['ratio']:.2f}:1, needs a 2px outline at 3:1"
            )
    return bad, len(items)
