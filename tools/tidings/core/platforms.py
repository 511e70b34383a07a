"""The platform table: every fact about a platform, one frozen row each.

    PLATFORMS[name]        one :class:`Platform` per name the channels schema allows
    is_local(name)         outbox and feed: written to files, no account, no network

A platform is this row plus one adapter module (``Platform.adapter``); render, text length,
media, credentials, the checks, the site and the jobs all read the row, and nothing else
defines a platform fact. Pure data: no httpx, no Pillow (``tidings check`` imports it).
Adding a platform: ``site/adding-a-platform.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from tidings.diagnostics import Severity
from tidings.workspace.images import READABLE

__all__ = [
    "ALL_FORMATS",
    "CHECK_KINDS",
    "COMMON_OPTIONAL",
    "PLATFORMS",
    "Card",
    "CheckText",
    "Counter",
    "Escape",
    "Fold",
    "KeySet",
    "LinkDetection",
    "LinkStyle",
    "Markup",
    "MediaSpec",
    "Platform",
    "ProfileSpec",
    "ReplyRoute",
    "TextRule",
    "is_local",
]


class Counter(Enum):
    """How a platform counts the length of a text (the functions are in core/textlength.py)."""

    X_WEIGHTED = "weighted characters"  # twitter-text's v3 weights, each URL as 23
    GRAPHEMES = "graphemes"
    UTF8_BYTES = "UTF-8 bytes"
    MASTODON = "characters"  # graphemes, each URL as 23, `@user@domain` as `@user`
    CODE_POINTS = "code points"
    THREADS = "characters, emoji as UTF-8 bytes"  # Meta's rule for Threads' 500
    UTF16 = "UTF-16 code units"  # Telegram's Bot API (an emoji outside the BMP counts 2)


@dataclass(frozen=True, slots=True)
class TextRule:
    """One measure a part of text must meet: a counter and its maximum."""

    counter: Counter
    maximum: int
    per_channel: bool = False  # a channel's `max_characters` replaces it (its own instance)


class Escape(Enum):
    """How rendered text is escaped for the platform's text format."""

    NONE = "none"
    LINKEDIN_LITTLE = "linkedin-little"  # "little" text format: reserved characters escaped


class LinkStyle(Enum):
    """How a link shows in a post."""

    FULL = "full"  # the whole address, clickable
    SHORTENED = "shortened"  # shortened display text; the full address kept in a facet
    NOT_CLICKABLE = "not clickable"  # shown as text only (Instagram captions)


class LinkDetection(Enum):
    """What the platform turns into a link (and so what tidings tags, counts and facets)."""

    SCHEME = "scheme"  # only addresses written with http:// or https:// (Mastodon, Discord)
    BARE_DOMAINS = "bare domains"  # also `lumengrain.studio/prices`: twitter-text's extractor


class Markup(Enum):
    """How the platform shows Markdown a person typed (``**bold**``, ``[text](url)``)."""

    PLAIN = "plain"  # as typed: the stars and brackets show (check `post.markdown` warns)
    MARKDOWN = "markdown"  # rendered (Discord)
    MRKDWN = "mrkdwn"  # its own markup instead: Slack's `*bold*` and `<url|text>`


class Card(Enum):
    """How the preview site draws a post of this platform, after the platform's own post
    (the markup is tools/tidings/site/templates/card.html, the look tidings.css)."""

    COLUMN = "column"  # avatar in its own column, name and text beside it, media below the
    #                    text; a thread is a chain of replies (X, Bluesky, Threads)
    STACKED = "stacked"  # a header line above full-width text, media below (Mastodon, LinkedIn)
    MEDIA_FIRST = "media-first"  # the image first, square or portrait, the caption below it
    MESSAGE = "message"  # a chat message row: avatar, name and time, the text (Discord, Slack)
    FILE = "file"  # a written file: its text as stored (outbox)
    ENTRY = "entry"  # an entry in a feed reader (feed)


@dataclass(frozen=True, slots=True)
class KeySet:
    """One way to sign in: the credential keys a channel must name, and those it may."""

    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


COMMON_OPTIONAL = ("api_base",)
"""Every network platform: its API address, set only to reach a proxy or a test server."""

ALL_FORMATS = frozenset(READABLE)
JPEG_PNG = frozenset({"JPEG", "PNG"})
JPEG_PNG_GIF = frozenset({"JPEG", "PNG", "GIF"})


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """What one platform accepts of images. ``None`` means no limit is known (or needed)."""

    max_images: int | None = None
    formats: frozenset[str] = ALL_FORMATS
    max_bytes: int | None = None
    max_animated_bytes: int | None = None  # animations are sent as they are, never re-encoded
    max_pixels: int | None = None
    min_width: int | None = None
    max_width: int | None = None
    aspect: tuple[float, float] | None = None  # (lowest, highest) width / height
    alt_max: int | None = None  # characters
    animates: bool = True  # False: only the first frame shows
    one_animated: bool = False  # an animated GIF must be the post's only image (X)
    public_url: bool = False  # fetches images from the channel's media_base_url
    needs_image: bool = False  # cannot post text alone (Instagram)
    caption_max: int | None = None
    """With images, the first part is a caption of at most this many (the row's first
    text counter; Telegram's 1024); None: the text rules alone."""


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """What a platform takes as profile picture (avatar) and cover image."""

    formats: frozenset[str]
    avatar_min: int  # pixels on each side
    avatar_bytes: int | None
    cover_min_width: int | None = None  # only where the banner is 3:1
    cover_bytes: int | None = None


@dataclass(frozen=True)
class Fold:
    """A feed's "see more" rule: at most ``characters`` graphemes and ``lines`` lines
    (the sources for each number are in ``tidings.site.folds``)."""

    characters: int
    lines: int | None  # None: no line rule is known
    label: str
    blank_last_line_shortens: bool = False  # LinkedIn: a blank last line is not shown


@dataclass(frozen=True)
class ReplyRoute:
    """How a reply file's ``in_reply_to`` URL names an item on this platform, and how the
    platform threads an answer under it (``tidings.core.replies`` reads it).

    ``paths`` are regular expressions matched against the URL's path (the whole path); their
    named groups are what the adapter needs (``status``, ``handle``, ``rkey``, ``comment``,
    ``ts`` …). ``hosts`` are the hosts the platform's URLs use; empty means any host (a
    Mastodon status lives on any instance). ``how`` says in a few words what the adapter
    sends (shown by the docs and in messages); ``hint`` says what a URL looks like."""

    paths: tuple[str, ...]
    how: str
    hint: str
    hosts: tuple[str, ...] = ()
    refuse: tuple[tuple[str, str], ...] = ()
    """(path pattern, why): URLs of this platform that name something it cannot answer
    (an Instagram post rather than a comment), with what to do instead."""
    sends: bool = True
    """False while the adapter cannot send a reply yet (the URL is recognised, and the
    check says to answer in the app)."""


class CheckText(NamedTuple):
    """One of a platform's own check codes as people read it: severity, meaning, fix."""

    severity: Severity
    meaning: str
    fix: str


E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform: every fact tidings knows about it."""

    name: str  # as written in channels.yaml
    label: str  # as shown to people
    adapter: str  # the module implementing tidings.platforms.base.Adapter
    local: bool = False  # files in the repository, no account (outbox, feed)
    can_delete: bool = True  # its API can delete a post (for `expires`)
    text: tuple[TextRule, ...] = ()  # every one must hold for each part
    escape: Escape = Escape.NONE
    links: LinkStyle = LinkStyle.FULL
    link_detection: LinkDetection = LinkDetection.SCHEME
    markup: Markup = Markup.PLAIN  # how Markdown in a body shows (check `post.markdown`)
    max_links: int | None = None  # links per post it accepts (code `links.<name>`)
    max_hashtags: int | None = None  # hashtags per part it accepts (code `hashtags.<name>`)
    hashtag_cap: int | None = None  # the brand guideline's default, unless brand.yaml says
    media: MediaSpec = MediaSpec()
    credentials: tuple[KeySet, ...] = ()  # empty: takes no credentials
    profile: ProfileSpec | None = None  # None: no profile images checked
    fold: Fold | None = None  # where the feed hides text behind "see more"
    comment_threads: bool = False  # a thread's later parts are comments on its first
    max_parts: int | None = None  # parts a post may have (1: a pin; code `parts.<name>`)
    options: tuple[str, ...] = ()
    """The keys a post's ``variants.<channel>.options`` may hold for this platform (a pin's
    ``title`` and ``link``; a Business Profile post's ``topic``, ``event``, ``offer``,
    ``button``); the adapter reads them from ``Outgoing.options``."""
    link_card_thumb: int | None = None
    """The client builds the link card from the page's Open Graph (Bluesky): the card
    thumbnail's byte limit. None: the platform builds its own card, or shows none."""
    competitors: bool = False  # competitors' public accounts can be read
    replies: ReplyRoute | None = None  # None: a reply file cannot answer on this platform
    card: Card = Card.STACKED  # how the preview site draws its post
    accent: str = "#6b7280"  # its recognisable colour, for the preview's card (#rrggbb)
    checks: tuple[tuple[str, CheckText], ...] = ()
    """The platform's own check codes, ``<kind>.<name>`` (kinds: ``length``, ``links``,
    ``hashtags``, ``parts``), with how `tidings rules` and site/checks.md explain them."""


_ROWS = (
    Platform(
        "mastodon",
        "Mastodon",
        "tidings.platforms.mastodon",
        replies=ReplyRoute(
            paths=(
                r"/@(?P<user>[^/@]+)(?:@(?P<user_host>[^/]+))?/(?P<status>\d+)",
                r"/users/(?P<user>[^/]+)/statuses/(?P<status>\d+)",
            ),
            how="`in_reply_to_id`: the status id on the channel's own instance (the id in the "
            "URL when the status is there, else GET /api/v2/search?resolve=true)",
            hint="https://INSTANCE/@USER/123456789012345678",
        ),
        card=Card.STACKED,
        accent="#6364ff",
        text=(TextRule(Counter.MASTODON, 500, per_channel=True),),
        media=MediaSpec(max_images=4, max_bytes=16_777_216, max_pixels=33_177_600, alt_max=1500),
        credentials=(KeySet("", ("base_url", "access_token")),),
        profile=ProfileSpec(JPEG_PNG_GIF | {"WEBP"}, 400, 2_000_000, 1500, 2_000_000),
        competitors=True,
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over the instance's limit (default 500; URLs 23, @user@domain as @user).",
                    "Shorten the part; the limit comes from the channel's `max_characters`.",
                ),
            ),
        ),
    ),
    Platform(
        "bluesky",
        "Bluesky",
        "tidings.platforms.bluesky",
        replies=ReplyRoute(
            paths=(r"/profile/(?P<handle>[^/]+)/post/(?P<rkey>[a-z0-9]+)",),
            hosts=("bsky.app",),
            how="`reply: {root, parent}` strong refs: the handle resolved to a DID, the cid "
            "read with getRecord, the root taken from the parent's own `reply.root`",
            hint="https://bsky.app/profile/HANDLE/post/RKEY",
        ),
        card=Card.COLUMN,
        accent="#1185fe",
        text=(TextRule(Counter.GRAPHEMES, 300), TextRule(Counter.UTF8_BYTES, 3000)),
        links=LinkStyle.SHORTENED,
        link_detection=LinkDetection.BARE_DOMAINS,  # the app links them; we send the facet
        media=MediaSpec(max_images=4, max_bytes=2_000_000, animates=False),
        credentials=(KeySet("", ("handle", "app_password"), ("pds", "appview")),),
        profile=ProfileSpec(JPEG_PNG, 400, 1_000_000, 1500, 1_000_000),
        link_card_thumb=1_000_000,  # app.bsky.embed.external#external thumb: maxSize
        competitors=True,
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Bluesky's 300 graphemes or 3000 UTF-8 bytes (links count as shown).",
                    "Shorten the part or write a `bluesky` variant; long links are already shown shortened.",
                ),
            ),
        ),
    ),
    Platform(
        "x",
        "X",
        "tidings.platforms.x",
        replies=ReplyRoute(
            paths=(
                r"/(?P<user>[A-Za-z0-9_]+)/status/(?P<tweet>\d+)",
                r"/i/web/status/(?P<tweet>\d+)",
            ),
            hosts=("x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"),
            how="`reply.in_reply_to_tweet_id`: the id in the status URL",
            hint="https://x.com/USER/status/1234567890123456789",
        ),
        card=Card.COLUMN,
        accent="#000000",
        text=(TextRule(Counter.X_WEIGHTED, 280),),
        link_detection=LinkDetection.BARE_DOMAINS,  # twitter-text is X's own
        hashtag_cap=2,  # X and LinkedIn read a post with many hashtags as spam
        media=MediaSpec(
            max_images=4,
            max_bytes=5_000_000,
            max_animated_bytes=15_000_000,
            alt_max=1000,
            one_animated=True,
        ),
        credentials=(
            KeySet("OAuth 1.0a", ("api_key", "api_secret", "access_token", "access_token_secret")),
            KeySet(
                "OAuth 2.0",
                ("client_id", "refresh_token", "refresh_token_file"),
                ("client_secret",),
            ),
        ),
        profile=ProfileSpec(JPEG_PNG_GIF, 400, 2_000_000, 1500, 5_000_000),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over X's 280 weighted characters (twitter-text v3: URLs 23, emoji and CJK 2).",
                    "Shorten the part, split it into a thread, or write an `x` variant. The message says where the cut falls.",
                ),
            ),
        ),
    ),
    Platform(
        "linkedin",
        "LinkedIn",
        "tidings.platforms.linkedin",
        replies=ReplyRoute(
            paths=(
                r"/feed/update/(?P<urn>urn:li:(?:share|ugcPost|activity):\d+)/?"
                r"(?:\?(?:(?:.*&)?commentUrn=(?P<comment>[^&]+)(?:&.*)?|.*))?",
            ),
            hosts=("linkedin.com",),
            how="a comment: POST /rest/socialActions/{urn}/comments on the post in the URL; "
            "with `?commentUrn=`, a reply to that comment (`parentComment`, the top-level "
            "comment when it is itself a reply)",
            hint="https://www.linkedin.com/feed/update/urn:li:share:7000000000000000000",
        ),
        card=Card.STACKED,
        accent="#0a66c2",
        text=(TextRule(Counter.CODE_POINTS, 3000),),
        escape=Escape.LINKEDIN_LITTLE,
        hashtag_cap=3,
        media=MediaSpec(
            max_images=20, formats=JPEG_PNG_GIF, max_bytes=5_000_000, max_pixels=36_152_320
        ),
        credentials=(
            KeySet(
                "",
                ("access_token", "author_urn"),
                ("version", "client_id", "client_secret", "refresh_token"),
            ),
        ),
        profile=ProfileSpec(JPEG_PNG_GIF, 400, 8_000_000),
        fold=Fold(210, 3, "…see more", blank_last_line_shortens=True),
        comment_threads=True,
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over LinkedIn's 3000 characters after its required escaping.",
                    "Shorten the text; escaping adds a backslash before each of these characters: backslash, pipe, braces, @, brackets, parentheses, angle brackets, #, *, _ and ~.",
                ),
            ),
        ),
    ),
    Platform(
        "threads",
        "Threads",
        "tidings.platforms.threads",
        replies=ReplyRoute(
            paths=(
                r"/(?P<user>@[^/]+)/post/(?P<code>[A-Za-z0-9_-]+)/?\?(?:.*&)?media_id=(?P<media>\d+)(?:&.*)?",
            ),
            hosts=("threads.net", "threads.com"),
            how="`reply_to_id`: the media id (`?media_id=` in the URL)",
            hint="https://www.threads.com/@USER/post/SHORTCODE?media_id=MEDIA_ID",
            refuse=(
                (
                    r"/@[^/]+/post/[A-Za-z0-9_-]+/?(?:\?.*)?",
                    "this Threads URL has no media id, and the Threads API finds a post only "
                    "by its media id",
                ),
            ),
        ),
        card=Card.COLUMN,
        accent="#101010",
        text=(TextRule(Counter.THREADS, 500),),
        link_detection=LinkDetection.BARE_DOMAINS,  # Meta's docs count www.facebook.com
        max_links=5,
        media=MediaSpec(
            max_images=20,
            formats=JPEG_PNG,
            max_bytes=8_000_000,
            min_width=320,
            max_width=1440,
            aspect=(1 / 10, 10.0),
            animates=False,
            public_url=True,
        ),
        credentials=(KeySet("", ("user_id", "access_token")),),
        profile=ProfileSpec(JPEG_PNG, 320, None),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Threads' 500 characters, where each emoji counts its UTF-8 bytes (4 for most, 18 for a family).",
                    "Shorten the part or write a `threads` variant.",
                ),
            ),
            (
                "links",
                CheckText(
                    E,
                    "A post has more than 5 links on Threads, which refuses it.",
                    "Remove links, or write a `threads` variant with at most 5.",
                ),
            ),
        ),
    ),
    Platform(
        "instagram",
        "Instagram",
        "tidings.platforms.instagram",
        replies=ReplyRoute(
            paths=(
                r"/(?:[^/]+/)?(?:p|reel)/(?P<code>[A-Za-z0-9_-]+)/c/(?P<comment>\d+)"
                r"(?:/r/\d+)?/?(?:\?.*)?",
                r"/(?:[^/]+/)?(?:p|reel)/(?P<code>[A-Za-z0-9_-]+)/?(?:\?.*)?",
            ),
            hosts=("instagram.com",),
            how="a comment's URL: POST /{comment-id}/replies; a post's URL (one of the "
            "account's own, found by its shortcode in GET /{ig-user}/media): POST "
            "/{media-id}/comments",
            hint="https://www.instagram.com/p/SHORTCODE/c/COMMENT_ID/",
        ),
        card=Card.MEDIA_FIRST,
        accent="#e1306c",
        can_delete=False,
        text=(TextRule(Counter.CODE_POINTS, 2200),),
        links=LinkStyle.NOT_CLICKABLE,
        max_hashtags=30,
        hashtag_cap=5,  # Instagram shows 5 since 2025
        media=MediaSpec(
            max_images=10,
            formats=frozenset({"JPEG"}),
            max_bytes=8_388_608,
            min_width=320,
            max_width=1440,
            aspect=(4 / 5, 1.91),
            animates=False,
            public_url=True,
            needs_image=True,
        ),
        credentials=(KeySet("", ("user_id", "access_token")),),
        profile=ProfileSpec(JPEG_PNG, 320, None),
        fold=Fold(125, 3, "… more"),
        comment_threads=True,
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A caption is over Instagram's 2200 characters.",
                    "Shorten the caption or write an `instagram` variant.",
                ),
            ),
            (
                "links",
                CheckText(
                    W,
                    "An Instagram caption holds a link, which is not clickable there, or says "
                    "“link in bio” while the post names no `link:`.",
                    "Put the address in the post's front matter as `link: https://…` and write "
                    "“link in bio” in an `instagram` variant instead of the URL: the site's "
                    "link-in-bio page (`/links/`, the page the Instagram bio points at) opens "
                    "`link:` from the post's picture.",
                ),
            ),
            (
                "hashtags",
                CheckText(
                    E,
                    "A caption has more than 30 hashtags, which Instagram refuses.",
                    "Keep at most 30 hashtags.",
                ),
            ),
        ),
    ),
    Platform(
        "facebook",
        "Facebook",
        "tidings.platforms.facebook",
        replies=ReplyRoute(
            paths=(
                r"/(?P<page>[^/]+)/posts/(?:(?P<post>\d+)|(?P<pfbid>pfbid0[0-9A-Za-z]+))/?"
                r"(?:\?(?:(?:.*&)?comment_id=(?P<comment>[^&]+)(?:&.*)?|.*))?",
                r"/(?P<page>\d+)_(?P<post>\d+)/?"
                r"(?:\?(?:(?:.*&)?comment_id=(?P<comment>[^&]+)(?:&.*)?|.*))?",
                r"/permalink\.php\?(?=(?:.*&)?story_fbid=(?P<post>\d+))(?=(?:.*&)?id=(?P<page>\d+))"
                r"(?:(?=(?:.*&)?comment_id=(?P<comment>[^&]+)))?.*",
            ),
            hosts=("facebook.com", "m.facebook.com"),
            how="POST /{object-id}/comments: on the comment (`comment_id=`), else on the post",
            hint="https://www.facebook.com/PAGE/posts/POST_ID?comment_id=COMMENT_ID",
        ),
        card=Card.STACKED,
        accent="#0866ff",
        text=(TextRule(Counter.CODE_POINTS, 63206),),
        media=MediaSpec(formats=JPEG_PNG_GIF),
        credentials=(KeySet("", ("page_id", "access_token")),),
        profile=ProfileSpec(JPEG_PNG, 320, None),
        fold=Fold(477, None, "See more"),
        comment_threads=True,
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Facebook's 63,206 characters.",
                    "Shorten the text.",
                ),
            ),
        ),
    ),
    Platform(
        "discord",
        "Discord",
        "tidings.platforms.discord",
        replies=ReplyRoute(
            paths=(r"/channels/(?P<guild>\d+)/(?P<channel>\d+)(?:/(?P<message>\d+))?/?",),
            hosts=("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"),
            how="`?thread_id=`: the webhook posts into the thread the URL is in, or the thread "
            "started from the message (a webhook cannot send `message_reference`); only "
            "threads of the webhook's own channel",
            hint="https://discord.com/channels/GUILD/CHANNEL/MESSAGE",
        ),
        card=Card.MESSAGE,
        accent="#5865f2",
        markup=Markup.MARKDOWN,
        text=(TextRule(Counter.CODE_POINTS, 2000),),
        media=MediaSpec(max_images=10, max_bytes=10_485_760, alt_max=1024),
        credentials=(KeySet("", ("webhook_url",)),),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Discord's 2000 characters.",
                    "Shorten the part or split it into a thread.",
                ),
            ),
        ),
    ),
    Platform(
        "slack",
        "Slack",
        "tidings.platforms.slack",
        replies=ReplyRoute(
            paths=(
                r"/archives/(?P<conversation>[A-Z0-9]+)/p(?P<ts>\d{16})/?"
                r"(?:\?(?:(?:.*&)?thread_ts=(?P<thread_ts>\d+\.\d+)(?:&.*)?|.*))?",
            ),
            hosts=("slack.com",),
            how="`thread_ts`: the message time in the URL (p1700000000123456 → "
            "1700000000.123456; the thread's own when the URL has `thread_ts=`), in the "
            "webhook's own channel",
            hint="https://WORKSPACE.slack.com/archives/C0123456/p1700000000123456",
        ),
        card=Card.MESSAGE,
        accent="#4a154b",
        markup=Markup.MRKDWN,
        can_delete=False,  # an incoming webhook returns no message id
        text=(TextRule(Counter.CODE_POINTS, 40000),),
        media=MediaSpec(public_url=True),
        credentials=(KeySet("", ("webhook_url",)),),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Slack's 40,000 characters.",
                    "Shorten the text.",
                ),
            ),
        ),
    ),
    Platform(
        "telegram",
        "Telegram",
        "tidings.platforms.telegram",
        card=Card.MESSAGE,
        accent="#229ed9",
        markup=Markup.MARKDOWN,  # **bold** and [text](url) go as entities, marks taken out
        text=(TextRule(Counter.UTF16, 4096),),
        media=MediaSpec(
            max_images=10,
            formats=JPEG_PNG,
            max_bytes=10_000_000,
            aspect=(1 / 20, 20.0),
            animates=False,
            caption_max=1024,
        ),
        credentials=(KeySet("", ("bot_token", "chat_id")),),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A part is over Telegram's 4096 UTF-16 code units, or a caption with images over 1024 (an emoji counts 2).",
                    "Shorten the part or split it into a thread (later parts are replies); a long first part with images can move its text to a second part.",
                ),
            ),
        ),
    ),
    Platform(
        "pinterest",
        "Pinterest",
        "tidings.platforms.pinterest",
        card=Card.MEDIA_FIRST,
        accent="#e60023",
        text=(TextRule(Counter.CODE_POINTS, 800),),  # the pin's description
        max_parts=1,
        options=("title", "link"),
        media=MediaSpec(
            max_images=5,  # 2-5: a carousel pin
            formats=JPEG_PNG,
            max_bytes=20_000_000,
            alt_max=500,
            animates=False,
            needs_image=True,
        ),
        credentials=(KeySet("", ("access_token", "board_id")),),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A pin's description is over Pinterest's 800 characters.",
                    "Shorten the text or write a `pinterest` variant.",
                ),
            ),
            (
                "parts",
                CheckText(
                    E,
                    "A post for Pinterest has more than one part; a pin is one description.",
                    "Write a `pinterest` variant with one part (no `---` line).",
                ),
            ),
        ),
    ),
    Platform(
        "google_business",
        "Google Business Profile",
        "tidings.platforms.google_business",
        card=Card.STACKED,
        accent="#4285f4",
        text=(TextRule(Counter.CODE_POINTS, 1500),),  # the post's summary
        max_parts=1,
        options=("topic", "event", "offer", "button"),
        media=MediaSpec(
            max_images=1,
            formats=JPEG_PNG,
            max_bytes=5_000_000,
            min_width=400,
            animates=False,
            public_url=True,
        ),
        credentials=(
            KeySet(
                "",
                ("client_id", "client_secret", "refresh_token", "account_id", "location_id"),
                ("token_url",),
            ),
        ),
        checks=(
            (
                "length",
                CheckText(
                    E,
                    "A Business Profile post is over Google's 1500 characters.",
                    "Shorten the text or write a variant for the channel.",
                ),
            ),
            (
                "parts",
                CheckText(
                    E,
                    "A post for Google Business Profile has more than one part; a local post is one text.",
                    "Write a variant for the channel with one part (no `---` line).",
                ),
            ),
        ),
    ),
    # local channels take any readable image as it is, and any text
    Platform(
        "outbox", "Outbox", "tidings.platforms.outbox", local=True, card=Card.FILE, accent="#4b5563"
    ),
    Platform(
        "feed", "Feed", "tidings.platforms.feed", local=True, card=Card.ENTRY, accent="#ee802f"
    ),
)

PLATFORMS: Mapping[str, Platform] = {row.name: row for row in _ROWS}
"""Every platform by the name channels.yaml uses, networks first, then the local channels."""


CHECK_KINDS = ("length", "links", "hashtags", "parts")
"""The kinds of a platform's own check codes, in the order the docs list them."""


def is_local(platform: str) -> bool:
    """True for outbox and feed: files in the repository, no account, no network."""
    row = PLATFORMS.get(platform)
    return row is not None and row.local
