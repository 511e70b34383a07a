"""Generate a synthetic tidings repository: N posts with realistic front matter.

    python benchmarks/synth.py DIR --posts 10000 [--seed 0] [--front-matter-dir FM]

The workspace is complete and valid (``tidings --root DIR check`` reports no errors):
``tidings.yaml``, a brand, seven channels, one calendar per year with a campaign per
quarter, a few real images (JPEG and PNG), posts spread over time at local times between
08:00 and 20:00, a ledger entry for the oldest ~20% of the posts and a handful of ideas. Posts carry
threads (~10%), variants (~15%), media with alt text (~40%), campaigns (~80%), expiry
dates (~5%), explicit offsets (~2%) and drafts (~3%). The output depends only on
``n_posts`` and ``seed``.

With ``front_matter_dir`` each post's front matter is also written there as a ``.yaml``
file (same ``YYYY/MM/<slug>`` layout) with every date and time quoted, so a generic
JSON Schema validator that reads YAML timestamps as dates can check it against
``schemas/post.schema.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import struct
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Berlin")
START = date(2026, 1, 5)
POSTS_PER_DAY = 3
THREAD_SEP = "\n\n---\n\n"

CHANNELS: dict[str, dict[str, object]] = {
    "mastodon": {
        "platform": "mastodon",
        "account": "@northwind@social.example",
        "credentials": {"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"},
        "max_characters": 500,
        "color": "#6364ff",
    },
    "bluesky": {
        "platform": "bluesky",
        "account": "@northwind.bsky.social",
        "credentials": {
            "handle": "BLUESKY_HANDLE",
            "app_password": "BLUESKY_APP_PASSWORD",
            "pds": "BLUESKY_PDS",
        },
        "color": "#1185fe",
    },
    "x": {
        "platform": "x",
        "account": "@northwindroast",
        "credentials": {
            "api_key": "X_API_KEY",
            "api_secret": "X_API_SECRET",
            "access_token": "X_ACCESS_TOKEN",
            "access_token_secret": "X_ACCESS_TOKEN_SECRET",
        },
        "color": "#14171a",
    },
    "linkedin": {
        "platform": "linkedin",
        "account": "Northwind Roastery (company page)",
        "credentials": {
            "access_token": "LINKEDIN_ACCESS_TOKEN",
            "author_urn": "LINKEDIN_AUTHOR_URN",
        },
        "color": "#0a66c2",
    },
    "instagram": {
        "platform": "instagram",
        "account": "@northwindroastery",
        "credentials": {"user_id": "IG_USER_ID", "access_token": "IG_ACCESS_TOKEN"},
        "media_base_url": "https://northwind.example/media/",
        "utm": False,
        "color": "#e1306c",
    },
    "outbox": {
        "platform": "outbox",
        "account": "build/outbox (local JSON files)",
        "path": "build/outbox",
        "color": "#8a8a8a",
    },
    "feed": {"platform": "feed", "account": "Atom feed on the preview site", "color": "#f26522"},
}
# channel -> probability a post goes there (instagram only when the post has images)
CHANNEL_ODDS = {
    "mastodon": 0.8,
    "bluesky": 0.7,
    "x": 0.35,
    "linkedin": 0.45,
    "instagram": 0.6,
    "outbox": 0.1,
    "feed": 0.3,
}

MEDIA = {
    "beans": ((120, 84, 52), "A scoop of freshly roasted beans over a burlap sack"),
    "roaster": ((60, 60, 66), "The drum roaster with its door open and steam rising"),
    "cupping": ((214, 196, 170), "Six cupping bowls in a row on the wooden counter"),
    "shopfront": ((34, 102, 85), "The green shop front on a rainy morning, lights on inside"),
    "latte": ((236, 222, 200), "A latte with a tulip pattern next to a notebook"),
    "team": ((180, 120, 90), "Three of us behind the bar, laughing at something off camera"),
    "farm": ((70, 130, 60), "Coffee cherries ripening on a branch in Huila"),
}

TAGS = [
    "origins",
    "brewing-tips",
    "behind-the-scenes",
    "store-news",
    "events",
    "team",
    "sustainability",
    "new-arrivals",
    "workshops",
    "community",
]
TOPICS = [
    ("Fresh beans from {origin}", "origins"),
    ("Brewing tip: {method}", "brewing-tips"),
    ("Roast day at the roastery", "behind-the-scenes"),
    ("Opening hours this {weekday}", "store-news"),
    ("Cupping evening with {person}", "events"),
    ("Meet {person} from the bar", "team"),
    ("Compostable bags for {origin}", "sustainability"),
    ("New on the shelf: {origin} natural", "new-arrivals"),
    ("{method} workshop for beginners", "workshops"),
    ("Neighbourhood market on {weekday}", "community"),
    ("Why we roast {origin} lighter", "origins"),
    ("Dialling in {method} at home", "brewing-tips"),
]
ORIGINS = ["Huila", "Sidamo", "Yirgacheffe", "Cerrado", "Antigua", "Kiambu", "Nyeri", "Cauca"]
METHODS = ["V60", "AeroPress", "French press", "moka pot", "Chemex", "espresso", "cold brew"]
PEOPLE = ["Mira", "Jonas", "Aylin", "Tomasz", "Lea", "Kofi", "Ines", "Ruben"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SENTENCES = [
    "We roasted a fresh batch of {origin} this morning and the whole street smells of it.",
    "Grind a little finer than you think for {method}, then taste and adjust.",
    "{person} will be behind the bar all week, so come and say hello.",
    "The shop opens at 8 and we keep the kettle on until 18:00.",
    "This lot tastes of red apple, cocoa and a little brown sugar.",
    "Bring your own cup and the filter coffee is half price.",
    "Tickets for the {method} workshop are at https://northwind.example/workshops.",
    "Every bag now says the day it was roasted, not just a best-before date.",
    "We pay the farmers in {origin} well above the market price, and we publish the numbers.",
    "Water matters more than the grinder: try filtered water for a week.",
    "Our compostable bags go in the brown bin, valve and all.",
    "Thank you to everyone who came by on {weekday}, it was packed!",
    "Ask us for a taste before you buy, we always have two coffees open.",
    "{person} has been roasting with us for five years and still gets excited on roast day.",
    "Store your beans in a dark, airtight tin and use them within a month.",
    "The market stall is back on {weekday} from 9 to 14 o'clock. #coffee",
    "Short answer: yes, you can make good {method} coffee without a scale.",
    "We are trying a slower roast profile for {origin} and would love to hear what you think.",
]
SHORT = [
    "Fresh {origin} on the shelf today.",
    "{method} tip: grind finer, pour slower.",
    "Roast day! Come smell it.",
    "{person} is on the bar all week.",
    "Market stall back on {weekday}.",
    "Two coffees open to taste, as always.",
]
ALT_EXTRA = ["", " in soft morning light", ", seen from above", " on the counter by the window"]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        origin=rng.choice(ORIGINS),
        method=rng.choice(METHODS),
        person=rng.choice(PEOPLE),
        weekday=rng.choice(WEEKDAYS),
    )


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,.'!?()&/-]*$")
_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when safe, else double-quoted."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


# ---------------------------------------------------------------- tiny real PNG files


def _png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A valid ``size`` x ``size`` single-colour PNG, built without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


def _write_media(root: Path) -> dict[str, str]:
    """Write the media files; return name -> repository-relative path.

    With Pillow: 640×480 JPEG photos that every platform takes as they are, and one PNG
    (``team``) that Instagram gets as a JPEG rendition (an info note). Without Pillow:
    16×16 PNG files built by hand.
    """
    folder = root / "content" / "media" / "synth"
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - Pillow is optional
        Image = None  # type: ignore[assignment]
    for name, (rgb, _) in MEDIA.items():
        ext = "png" if name == "team" or Image is None else "jpg"
        target = folder / f"{name}.{ext}"
        if Image is not None:
            img = Image.new("RGB", (640, 480), rgb)
            ImageDraw.Draw(img).rectangle((80, 80, 559, 399), outline=(255, 255, 255), width=8)
            img.save(target, format="PNG" if ext == "png" else "JPEG", quality=85)
        else:
            target.write_bytes(_png(rgb))
        out[name] = f"content/media/synth/{name}.{ext}"
    return out


# ---------------------------------------------------------------- the posts


@dataclass
class SynthPost:
    rel: str  # content/posts/YYYY/MM/<slug>.md
    title: str
    local: datetime  # aware, Europe/Berlin
    channels: list[str]
    parts: list[str]
    offset_form: bool = False  # write `at` with an explicit offset
    draft: bool = False
    no_at: bool = False  # drafts only
    campaign: str | None = None
    tags: list[str] = field(default_factory=list)
    media: list[tuple[str, str]] = field(default_factory=list)  # (file, alt)
    expires: date | None = None
    variants: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def post_id(self) -> str:
        return self.rel[len("content/posts/") : -len(".md")]

    def body(self) -> str:
        return THREAD_SEP.join(self.parts)

    def when(self, channel: str) -> datetime:
        at = self.variants.get(channel, {}).get("at")
        return at if isinstance(at, datetime) else self.local

    def parts_for(self, channel: str) -> list[str]:
        body = self.variants.get(channel, {}).get("body")
        return str(body).split(THREAD_SEP) if body is not None else self.parts


def _fmt_at(dt: datetime, offset: bool = False) -> str:
    if offset:
        off = int((dt.utcoffset() or timedelta()).total_seconds()) // 60
        sign = "+" if off >= 0 else "-"
        return f"{dt:%Y-%m-%dT%H:%M}{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"
    return f"{dt:%Y-%m-%d %H:%M}"


def _block(text: str, indent: str) -> str:
    """A literal block scalar (``|-``) holding ``text``."""
    lines = [f"{indent}{line}" if line else "" for line in text.split("\n")]
    return "|-\n" + "\n".join(lines)


def render_front_matter(p: SynthPost, *, quote_times: bool = False) -> str:
    """The post's front matter (without the ``---`` lines)."""

    def t(value: str) -> str:
        return json.dumps(value) if quote_times else value

    lines = [f"title: {_scalar(p.title)}"]
    if not p.no_at:
        lines.append(f"at: {t(_fmt_at(p.local, p.offset_form))}")
    lines.append(f"channels: {_flow(p.channels)}")
    if p.campaign:
        lines.append(f"campaign: {p.campaign}")
    if p.tags:
        lines.append(f"tags: {_flow(p.tags)}")
    if p.media:
        lines.append("media:")
        for file, alt in p.media:
            lines += [f"  - file: {file}", f"    alt: {_scalar(alt)}"]
    if p.expires:
        lines.append(f"expires: {t(p.expires.isoformat())}")
    if p.draft:
        lines.append("draft: true")
    if p.variants:
        lines.append("variants:")
        for cid, v in p.variants.items():
            lines.append(f"  {cid}:")
            if "body" in v:
                body = str(v["body"])
                value = _block(body, "      ") if "\n" in body else _scalar(body)
                lines.append(f"    body: {value}")
            if "at" in v:
                assert isinstance(v["at"], datetime)
                lines.append(f"    at: {t(_fmt_at(v['at']))}")
            if "media" in v:
                lines.append("    media: []")
    return "\n".join(lines) + "\n"


def render_post(p: SynthPost) -> str:
    return f"---\n{render_front_matter(p)}---\n{p.body()}\n"


def _post_day(rng: random.Random, span_days: int) -> date:
    while True:
        day = START + timedelta(days=rng.randrange(span_days))
        if not (day.month == 12 and 24 <= day.day <= 26):  # the yearly blackout
            return day


def _local(day: date, hour: int, minute: int) -> datetime:
    # 08:00-20:00 never falls in Europe/Berlin's skipped or repeated hour (02:00-03:00)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _quarter_campaign(day: date) -> str:
    return f"q{(day.month - 1) // 3 + 1}-{day.year}"


def _make_posts(rng: random.Random, n_posts: int, media: dict[str, str]) -> list[SynthPost]:
    span_days = max(30, -(-n_posts // POSTS_PER_DAY))
    slots = sorted(
        (_post_day(rng, span_days), rng.randrange(8, 20), rng.choice((0, 0, 15, 30, 30, 45)))
        for _ in range(n_posts)
    )
    used: set[str] = set()
    posts: list[SynthPost] = []
    for day, hour, minute in slots:
        local = _local(day, hour, minute)
        template, pillar = rng.choice(TOPICS)
        title = _fill(rng, template)
        base = f"content/posts/{day:%Y/%m}/{_slugify(title)}"
        rel, k = f"{base}.md", 2
        while rel in used:
            rel, k = f"{base}-{k}.md", k + 1
        used.add(rel)

        has_media = rng.random() < 0.4
        channels = [c for c, odds in CHANNEL_ODDS.items() if rng.random() < odds]
        if not has_media and "instagram" in channels:
            channels.remove("instagram")
        for c in ("mastodon", "bluesky", "linkedin", "feed"):
            if len(channels) >= 2:
                break
            if c not in channels:
                channels.append(c)
        while len(channels) > 5:
            channels.remove(rng.choice(channels))
        channels = [c for c in CHANNEL_ODDS if c in channels]  # canonical order

        n_parts = rng.randint(2, 4) if rng.random() < 0.10 else 1
        per_part = (1, 2) if n_parts > 1 else (1, 4)
        parts = [
            " ".join(_fill(rng, s) for s in rng.sample(SENTENCES, rng.randint(*per_part)))
            for _ in range(n_parts)
        ]
        p = SynthPost(rel, title, local, channels, parts)
        p.offset_form = rng.random() < 0.02
        if rng.random() < 0.8:
            p.campaign = _quarter_campaign(day)
        others = [t for t in TAGS if t != pillar]
        p.tags = [pillar, *rng.sample(others, rng.randint(0, 2))]
        if has_media:
            for name in rng.sample(sorted(media), rng.choice((1, 1, 1, 2, 3))):
                p.media.append((media[name], MEDIA[name][1] + rng.choice(ALT_EXTRA)))
        if rng.random() < 0.05:
            p.expires = day + timedelta(days=rng.randint(7, 60))
        if rng.random() < 0.15:
            _add_variants(rng, p)
        if max(len(t) for t in parts) > 200:  # what a manager does for the short platforms
            for cid in ("x", "bluesky"):
                if cid in p.channels and "body" not in p.variants.get(cid, {}):
                    p.variants.setdefault(cid, {})["body"] = _fill(rng, rng.choice(SHORT))
        if rng.random() < 0.03:
            p.draft = True
            p.no_at = rng.random() < 0.5 and not any("at" in v for v in p.variants.values())
        posts.append(p)
    return posts


def _add_variants(rng: random.Random, p: SynthPost) -> None:
    short = [c for c in ("bluesky", "x") if c in p.channels]
    if not short and "linkedin" not in p.channels:
        if len(p.channels) >= 5:
            p.channels.remove(p.channels[-1])
        p.channels = [c for c in CHANNEL_ODDS if c in {*p.channels, "bluesky"}]
        short = ["bluesky"]
    for cid in short:
        if rng.random() < 0.7:
            if rng.random() < 0.1:  # the variant is itself a short thread
                body = THREAD_SEP.join(_fill(rng, s) for s in rng.sample(SHORT, 2))
            else:
                body = _fill(rng, rng.choice(SHORT))
            p.variants[cid] = {"body": body}
    if "x" in p.channels and p.media and rng.random() < 0.3:
        p.variants.setdefault("x", {})["media"] = []
    if "linkedin" in p.channels and (rng.random() < 0.6 or not p.variants):
        hour = p.local.hour + rng.randint(1, 3) if p.local.hour < 17 else p.local.hour - 2
        p.variants["linkedin"] = {"at": _local(p.local.date(), hour, rng.choice((0, 30)))}
    if not p.variants and short:
        p.variants[short[0]] = {"body": _fill(rng, rng.choice(SHORT))}


# ---------------------------------------------------------------- the other files


def _content_hash(parts: list[str]) -> str:
    joined = THREAD_SEP.join(part.strip() for part in parts)
    return "sha256:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_ledger(rng: random.Random, p: SynthPost) -> str:
    lines = [f"post: {p.post_id}", f"content_hash: {_content_hash(p.parts)}", "channels:"]
    for cid in p.channels:
        when = p.when(cid)
        sent = when + timedelta(seconds=rng.randint(20, 400))
        key = f"{_utc(when)}/{cid}/{hashlib.sha256(p.post_id.encode()).hexdigest()[:16]}"
        missed = rng.random() < 0.01
        attempts = 0 if missed else rng.choice((1, 1, 1, 1, 2))
        lines += [
            f"  {cid}:",
            f"    state: {'missed' if missed else 'published'}",
            f"    attempt_key: {key}",
            f"    attempts: {attempts}",
            f"    updated: {_utc(sent)}",
            f"    published_at: {'null' if missed else _utc(sent)}",
        ]
        if missed:
            lines += ["    parts: []", "    error: null"]
            continue
        lines.append("    parts:")
        for _ in p.parts_for(cid):
            pid = str(rng.randrange(10**17, 10**18))
            url = {
                "mastodon": f"https://social.example/@northwind/{pid}",
                "bluesky": f"https://bsky.app/profile/northwind.bsky.social/post/{pid}",
                "x": f"https://x.com/northwindroast/status/{pid}",
                "linkedin": f"https://www.linkedin.com/feed/update/urn:li:share:{pid}",
                "instagram": f"https://www.instagram.com/p/{pid}/",
                "outbox": None,
                "feed": f"https://northwind.example/feed.xml#{p.post_id}",
            }[cid]
            lines.append(f'      - id: "{pid}"')
            lines.append(f"        url: {json.dumps(url) if url else 'null'}")
            if cid == "bluesky":
                lines.append(f"        cid: bafyrei{hashlib.sha1(pid.encode()).hexdigest()}")
        lines.append("    error: null")
    return "\n".join(lines) + "\n"


def render_channels() -> str:
    out = ["# Credentials are the NAMES of environment variables, never the tokens.", "channels:"]
    for cid, c in CHANNELS.items():
        out.append(f"  {cid}:")
        for key, value in c.items():
            if isinstance(value, dict):
                out.append(f"    {key}:")
                out += [f"      {k}: {v}" for k, v in value.items()]
            elif isinstance(value, bool):
                out.append(f"    {key}: {'true' if value else 'false'}")
            else:
                out.append(f"    {key}: {json.dumps(value) if isinstance(value, str) else value}")
    return "\n".join(out) + "\n"


BRAND = """\
name: Northwind Roastery
timezone: Europe/Berlin
language: en
website: https://northwind.example
voice:
  summary: Friendly, curious and precise about coffee, never snobbish.
  do: [Speak to one person, Show the people behind the coffee, Give one tip people can try]
  dont: [Use jargon without explaining it, Over-promise]
words:
  banned: [cheap, guarantee]
  preferred:
    utilize: use
    purchase: buy
reading_level:
  max_grade: 9
hashtags:
  max: 3
  required: []
  banned: ["#likeforlike"]
links:
  utm:
    enabled: true
    medium: social
emoji:
  max: 3
alt_text: required
cadence:
  min_per_week: 2
  max_per_day: 5
rules:
  date.outside-campaign: error   # we keep campaigns honest
"""

WORKSPACE = """\
version: 1
publish:
  lateness: 6h
  max_attempts: 5
metrics:
  window_days: 90
site:
  url: https://northwind.example/
"""

COMPETITORS = """\
competitors:
  - name: Southside Beans
    accounts:
      - platform: mastodon
        handle: "@southside@social.example"
      - platform: bluesky
        handle: southsidebeans.bsky.social
"""

QUARTER_NAMES = {1: "Winter", 2: "Spring", 3: "Summer", 4: "Autumn"}
COLORS = ["#c0392b", "#27ae60", "#f39c12", "#8e44ad"]


def render_calendar(year: int, first: bool) -> str:
    lines = ["campaigns:"]
    for q in range(1, 5):
        start = date(year, 3 * q - 2, 1)
        end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
        lines += [
            f"  - id: q{q}-{year}",
            f"    name: {QUARTER_NAMES[q]} {year}",
            f"    start: {start.isoformat()}",
            f"    end: {end.isoformat()}",
            f"    description: Seasonal coffees and events, {QUARTER_NAMES[q].lower()} {year}.",
            f'    color: "{COLORS[q - 1]}"',
        ]
    lines += [
        "key_dates:",
        f"  - date: {year}-10-01",
        "    name: International Coffee Day",
        "    note: Free cupping all day.",
        f"  - date: {year}-12-24",
        "    name: Christmas Eve",
        "    note: Open until 14:00.",
        "blackouts:",
        f"  - start: {year}-12-24 14:00",
        f"    end: {year}-12-26",
        "    reason: Closed for Christmas",
    ]
    if first:
        lines += [
            "slots:",
            "  - name: Tuesday tip",
            "    days: [tue]",
            '    time: "09:00"',
            "    channels: [mastodon, bluesky]",
            "  - name: Friday roast",
            "    days: [fri]",
            '    time: "16:30"',
        ]
    return "\n".join(lines) + "\n"


def render_goals(last: date) -> str:
    return (
        "goals:\n"
        "  - id: mastodon-followers\n"
        "    metric: followers\n"
        "    channel: mastodon\n"
        "    target: 5000\n"
        f"    by: {last.isoformat()}\n"
        "  - id: steady-posting\n"
        "    metric: posts_per_week\n"
        "    target: 14\n"
        f"    by: {last.isoformat()}\n"
    )


def render_idea(rng: random.Random, i: int, posts: list[SynthPost]) -> tuple[str, str]:
    status = ["new", "pitched", "parked", "rejected", "used"][i % 5]
    title = _fill(rng, rng.choice(TOPICS)[0])
    lines = [f"title: {_scalar(title)}", f"status: {status}"]
    if status in ("parked", "rejected"):
        lines.append("reason: Not this season; we have too much on already.")
    lines.append(f"tags: [{rng.choice(TAGS)}]")
    lines.append(f"created: {(START + timedelta(days=i)).isoformat()}")
    if status == "used":
        lines.append(f"post: {rng.choice(posts).post_id}")
    body = _fill(rng, rng.choice(SENTENCES))
    return f"content/ideas/idea-{i + 1:03d}.md", "---\n" + "\n".join(lines) + f"\n---\n{body}\n"


# ---------------------------------------------------------------- entry points


def _write(root: Path, rel: str, text: str) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def generate(
    root: Path, n_posts: int, seed: int = 0, *, front_matter_dir: Path | None = None
) -> list[str]:
    """Write a complete, valid workspace with ``n_posts`` posts under ``root``.

    Returns the repository-relative paths of the posts, in time order. With
    ``front_matter_dir``, also writes each post's front matter there as
    ``YYYY/MM/<slug>.yaml`` with dates and times quoted.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    _write(root, "tidings.yaml", WORKSPACE)
    _write(root, "brand/brand.yaml", BRAND)
    _write(root, "brand/channels.yaml", render_channels())
    _write(root, "brand/competitors.yaml", COMPETITORS)
    media = _write_media(root)
    posts = _make_posts(rng, n_posts, media)

    first_year = START.year
    last_day = max((p.local.date() for p in posts), default=START)
    for year in range(first_year, last_day.year + 1):
        _write(root, f"content/calendars/{year}.yaml", render_calendar(year, year == first_year))
    _write(root, "brand/goals.yaml", render_goals(last_day))

    for p in posts:
        _write(root, p.rel, render_post(p))
        if front_matter_dir is not None:
            _write(front_matter_dir, p.post_id + ".yaml", render_front_matter(p, quote_times=True))

    # the oldest ~20% (drafts never go out) were published
    live = [p for p in posts if not p.draft]
    for p in live[: len(live) // 5]:
        _write(root, f"ledger/{p.post_id}.yaml", render_ledger(rng, p))

    for i in range(max(3, n_posts // 200) if posts else 0):
        rel, text = render_idea(rng, i, posts)
        _write(root, rel, text)
    return [p.rel for p in posts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, help="where to write the workspace")
    parser.add_argument("--posts", type=int, default=1000, help="number of posts (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--front-matter-dir",
        type=Path,
        help="also write each post's front matter (times quoted) as YAML files here",
    )
    args = parser.parse_args(argv)
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} is not empty")
    posts = generate(args.dir, args.posts, args.seed, front_matter_dir=args.front_matter_dir)
    print(f"wrote {len(posts)} posts to {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
