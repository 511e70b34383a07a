"""The one protocol every network adapter implements, and the values that cross it.

The publisher calls an adapter part by part, so a thread that fails half-way resumes after
its last published part, and it asks the adapter to *find* a part before it ever sends one
again (reconciling a run that crashed between the request and the ledger commit).

Adapters use this module as a namespace (``from tidings.platforms import base``, then
``base.Outgoing``, ``base.credential``), and take the errors and counts they raise and
return from their homes (:mod:`tidings.errors`, :mod:`tidings.metrics.counts`). The names
of those are re-exported here too, for callers that want one import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from tidings.core.credentials import PUBLIC_KEYS
from tidings.core.inbox import Arrival, Reading, Reply
from tidings.core.listening import Heard
from tidings.core.platforms import PLATFORMS
from tidings.core.render import RenderedPart
from tidings.core.replies import ReplyTarget
from tidings.errors import CredentialError, PlatformError
from tidings.metrics.audit import Image, Profile
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms.http import Caller
from tidings.redaction import register
from tidings.workspace.listening import Match
from tidings.workspace.model import Channel

__all__ = [
    "AccountCounts",
    "Adapter",
    "Arrival",
    "Caller",
    "Counts",
    "CredentialError",
    "Heard",
    "Image",
    "InboxReader",
    "LinkCardOut",
    "ListeningReader",
    "Match",
    "MediaFile",
    "MetricsReader",
    "Outgoing",
    "PlatformAdapter",
    "PlatformError",
    "Profile",
    "ProfileReader",
    "Reading",
    "Remote",
    "Reply",
    "ReplyParent",
    "ReplyTarget",
    "Thread",
    "Unavailable",
    "Unknowable",
    "aware",
    "count",
    "counts_by_part",
    "credential",
    "fetch_image",
    "links_in",
    "parent_of",
    "parse_time",
]


@dataclass(frozen=True)
class MediaFile:
    """An image exactly as it will be uploaded (already converted for the platform)."""

    path: Path
    mime: str
    alt: str
    width: int
    height: int
    url: str | None = None
    """Where the platform can fetch the same file (``media_base_url`` + its site path), for
    the platforms that take images by address (Instagram, Threads, Slack); None when the
    channel has no ``media_base_url``."""


@dataclass(frozen=True)
class LinkCardOut:
    """The card for ``url`` read from its page (``tidings.platforms.linkcard``), for a
    platform whose client builds link cards (Bluesky). ``thumb``: bytes and MIME type,
    already within the platform's limit."""

    url: str
    title: str
    description: str
    thumb: tuple[bytes, str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Outgoing:
    """One post for one channel, ready to send.

    ``key`` is the attempt key recorded in the ledger *before* anything is sent; it stays the
    same when a crashed attempt is reconciled, so adapters derive their idempotency keys and
    record keys from it (``part_key``). ``started`` is when that attempt began.
    """

    post_id: str
    channel: str
    parts: tuple[RenderedPart, ...]
    media: tuple[MediaFile, ...]  # attached to the first part
    key: str
    started: datetime
    language: str | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    reply_to: ReplyParent | None = None
    """A reply: the item its first part answers, as the adapter resolved it
    (:meth:`Adapter.reply_parent`); later parts reply to the part before, as in a thread."""
    link_card: LinkCardOut | None = None
    """The first part's link card when its page was read; None: the text card."""
    send_id: str = ""
    """An evergreen post's send into one slot (``<post id>@<slot time>``, its ledger id): the
    post goes out again and again, so local channels keep each send apart by this id."""

    @property
    def file_id(self) -> str:
        """What a local channel files this send under: the send's id, else the post's."""
        return self.send_id or self.post_id

    def part_key(self, index: int) -> str:
        return f"{self.key}-{index}"


@dataclass(frozen=True)
class Remote:
    """One published part: the platform's id, its public web address, and (Bluesky) its cid."""

    id: str
    url: str | None
    cid: str | None = None


Thread = Sequence[Remote]
"""The parts of a post already published, root first: what a later part replies to."""


@dataclass(frozen=True)
class ReplyParent:
    """The item a reply answers, as its platform names it. ``parent`` is what the first part
    threads under; ``root`` is the conversation's first post where the platform needs it
    (Bluesky's ``reply.root``); ``options`` holds what else the adapter needs to send it
    (Slack's ``thread_ts``, Discord's ``thread_id``)."""

    parent: Remote
    root: Remote | None = None
    options: Mapping[str, str] = field(default_factory=dict)


def parent_of(out: Outgoing, index: int, thread: Thread) -> Remote | None:
    """What part ``index`` answers: the part before it, or for the first part of a reply the
    item the reply answers; None for the first part of a post."""
    if index > 0:
        return thread[-1]
    return out.reply_to.parent if out.reply_to is not None else None


@dataclass(frozen=True, slots=True)
class Local:
    """Where a local channel (outbox, feed) writes: the workspace root, and the site's
    address and title the feed names. Passed to ``connect``; networks ignore it."""

    root: Path
    site_url: str | None = None
    title: str = "tidings"


class Unknowable(Exception):
    """The adapter cannot tell whether a part was published (no idempotency, nothing matched
    for sure). The publisher records ``unknown`` for a person to settle."""


class Adapter(Protocol):
    platform: ClassVar[str]
    can_delete: ClassVar[bool]
    idempotent: ClassVar[bool]
    """True when publish_part cannot create a second copy for the same part key
    (Mastodon's Idempotency-Key, Bluesky's record key): reconciling is then always safe."""

    def publish_part(self, out: Outgoing, index: int, thread: Thread) -> Remote:
        """Send part ``index`` (media go with part 0). ``thread`` holds the parts already
        published, root first; reply to ``thread[-1]``. Raises PlatformError."""
        ...

    def find_part(self, out: Outgoing, index: int, thread: Thread) -> Remote | None:
        """The part if the platform has it, None if it certainly has not.
        Raises Unknowable when it cannot tell, PlatformError when the platform fails."""
        ...

    def delete(self, part: Remote) -> None:
        """Remove a published part (for expiry). Raises PlatformError."""
        ...

    def reply_parent(self, target: ReplyTarget) -> ReplyParent:
        """The platform's own reference to the item a reply answers (``target`` comes from
        the reply's URL). Raises PlatformError: permanent when the item cannot be found or
        answered, retryable when the platform failed."""
        ...


class PlatformAdapter:
    """A base for adapter classes that states the class facts of :class:`Adapter` in one
    line, ``class XAdapter(PlatformAdapter, platform="x")``: ``can_delete`` comes from the
    platform's row in :data:`~tidings.core.platforms.PLATFORMS`, ``idempotent`` is False
    unless the class says ``idempotent=True``. A shared base that names no platform (the
    Graph container flow) is left for its subclasses to name theirs."""

    platform: ClassVar[str]
    can_delete: ClassVar[bool]
    idempotent: ClassVar[bool] = False

    def reply_parent(self, target: ReplyTarget) -> ReplyParent:
        """Platforms that can answer override this; the others refuse for good."""
        raise PlatformError(
            f"{PLATFORMS[self.platform].label} cannot publish a reply through tidings",
            retryable=False,
        )

    def __init_subclass__(
        cls, *, platform: str | None = None, idempotent: bool = False, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if platform is not None:
            cls.platform = platform
            cls.can_delete = PLATFORMS[platform].can_delete
            cls.idempotent = idempotent


class MetricsReader(Protocol):
    """Reads numbers back from a platform, in as few requests as its API allows.

    A second, optional protocol next to :class:`Adapter`: a platform module that supports
    metrics has a ``metrics_reader(channel, env, caller)`` function returning one.
    """

    platform: ClassVar[str]

    def post_metrics(self, parts: Sequence[Remote]) -> dict[str, Counts | Unavailable]:
        """The counts of each published part, keyed by ``Remote.id``. A part the platform
        does not know is :class:`Unavailable`; a failing platform raises PlatformError."""
        ...

    def account_metrics(self) -> AccountCounts:
        """The account's followers. Raises PlatformError."""
        ...


class InboxReader(Protocol):
    """Reads what people said to the brand's account, and the brand's own replies.

    A third, optional protocol: a platform module that supports the inbox has an
    ``inbox_reader(channel, env, caller)`` function returning one (``tidings inbox`` calls
    it through the platform table's adapter module, as metrics calls ``metrics_reader``).
    Readers never see git or files; direct messages are never returned.
    """

    platform: ClassVar[str]

    def read_inbox(self, position: str | None) -> Reading:
        """Replies, mentions, quotes and comments that arrived after ``position`` (the
        :class:`Reading`'s own from the run before; None: from the start the platform
        keeps), in at most the reader's page bound. Raises PlatformError."""
        ...

    def our_replies(self, since: datetime, to: Collection[str]) -> list[Reply]:
        """The brand account's posts since ``since`` that reply to one of the ids ``to``.
        Raises PlatformError."""
        ...


class ProfileReader(Protocol):
    """Reads the account's public profile, for ``tidings audit``.

    A fourth, optional protocol: a platform module that can read its profiles has a
    ``profile_reader(channel, env, caller)`` function returning one (``tidings audit``
    calls it through the platform table's adapter module)."""

    platform: ClassVar[str]

    def read_profile(self) -> Profile:
        """The account's display name, bio, links, images (measured with
        :func:`fetch_image`), verified and locked where the platform shows them. Raises
        PlatformError."""
        ...


PROFILE_IMAGE_BYTES = 20_000_000
"""The largest profile image measured; a bigger one is reported, not read."""


def fetch_image(
    caller: Caller, url: str | None, what: str, shown_as: str | None = None
) -> Image | None:
    """The image at ``url`` (a profile's avatar or banner), measured and fingerprinted. None
    when the profile has none; an image that cannot be fetched or read says why in
    ``Image.problem`` (it is a finding of the audit, not a failure of the channel).
    ``shown_as`` is the address recorded instead of ``url`` (one that holds a token)."""
    if not url:
        return None
    from tidings.workspace.images import Unreadable, fingerprint, inspect_bytes

    try:
        response = caller.call("GET", url, safe=True, what=f"fetch the {what}", ok=(200,))
    except PlatformError as exc:
        return Image(shown_as or url, problem=exc.message)
    data = response.content
    if len(data) > PROFILE_IMAGE_BYTES:
        return Image(shown_as or url, problem=f"it has {len(data):,} bytes")
    info = inspect_bytes(data, f"the {what}")
    if isinstance(info, Unreadable):
        return Image(shown_as or url, problem=info.message)
    return Image(shown_as or url, info, fingerprint=fingerprint(data))


def text_of(value: object) -> str | None:
    """``value`` when it is a non-empty string (a profile field as an API answers it)."""
    return value if isinstance(value, str) and value else None


_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def links_in(*texts: str | None) -> tuple[str, ...]:
    """The http(s) addresses written in ``texts``, in order, each once."""
    found: list[str] = []
    for text in texts:
        for url in _URL.findall(text or ""):
            url = url.rstrip(".,;:!?")
            if url not in found:
                found.append(url)
    return tuple(found)


class ListeningReader(Protocol):
    """Reads the public posts that match one of brand.yaml ``listening``'s terms.

    Optional, like :class:`InboxReader`: a platform module with a public search has a
    ``listening_reader(channel, env, caller)`` function returning one. Only public posts,
    never the brand account's own."""

    platform: ClassVar[str]

    def listen(self, term: str, position: str | None) -> Heard:
        """The public posts matching ``term`` (a keyword, or a hashtag with its ``#``)
        strictly newer than ``position`` (None: the newest page only), in at most the
        reader's page bound, and where the next run asks from. Raises PlatformError."""
        ...


_Found = TypeVar("_Found")


def counts_by_part(
    ids: Mapping[str, str | None],
    found: Mapping[str, _Found],
    counts: Callable[[_Found], Counts],
    not_an_id: str,
    gone: str,
) -> dict[str, Counts | Unavailable]:
    """What :meth:`MetricsReader.post_metrics` returns: each part's counts, keyed by
    ``Remote.id``. ``ids`` maps each part to the platform's own id (None when the part names
    none: ``Unavailable("'<id>' <not_an_id>")``), ``found`` holds what the platform answered
    by its id, read by ``counts``; an id it did not answer is ``Unavailable(gone)``."""
    result: dict[str, Counts | Unavailable] = {}
    for key, platform_id in ids.items():
        if not platform_id:
            result[key] = Unavailable(f"{key!r} {not_an_id}")
        elif platform_id in found:
            result[key] = counts(found[platform_id])
        else:
            result[key] = Unavailable(gone)
    return result


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone (UTC when it has none)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_time(value: object) -> datetime | None:
    """A platform's ISO-8601 time (``…Z``, ``…+00:00``, ``…+0000``) as an aware datetime;
    None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def credential(
    channel: Channel, env: Mapping[str, str], name: str, default: str | None = None
) -> str:
    """The value of the environment variable that ``channel.credentials[name]`` names. A
    secret (any key but :data:`~tidings.core.credentials.PUBLIC_KEYS`) is registered with
    :mod:`tidings.redaction` as it is read, so no message ever shows it."""
    var = channel.credentials.get(name)
    value = env.get(var) if var else None
    if value:
        if name not in PUBLIC_KEYS:
            register(value, var or name)
        return value
    if default is not None:
        return default
    where = (
        f"the environment variable {var}" if var else f"credentials.{name} in brand/channels.yaml"
    )
    raise CredentialError(
        f"channel {channel.id!r} needs {where}, which is not set",
        f"set {var or name.upper()} (a GitHub Actions secret in CI); never put the value in a file",
    )
