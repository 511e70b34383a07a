"""The inbox of a platform without notifications: the comments under the brand's own recent
posts (Instagram, Facebook, Threads, LinkedIn), read the same way whatever the platform.

A platform supplies a :class:`CommentSource`: its recent posts (bounded), one page of the
comments under a post, and the replies under one comment (for an item whose post this run
did not read to its end). :class:`CommentInbox` is the
:class:`~tidings.platforms.base.InboxReader` over it:

* ``read_inbox``: every recent post's comments, page by page, at most
  :data:`POST_PAGES` pages a post and :data:`RUN_PAGES` in all.
  A comment by someone else directly under our post, or under a comment of ours (a
  thread's later part, an answer), is an item (``comment``, or ``reply`` on Threads) whose
  ``parent`` is that post or comment; a comment by the brand under an item is its answer,
  kept for ``our_replies``. A post whose comments were cut off by the bound is
  read on from where it stopped next run (:class:`~tidings.core.inbox.Resume`, kept in the
  position), so nothing is left unread however busy a post is. Mentions, where the
  platform lists them, are added by the source (``mentions``).
* ``our_replies``: the answers seen while reading, for the items whose post was read to its
  end this run (the brand's answer always comes after the item it answers, so it was on a
  page read); for the other items (an older post, a post still being read) the replies
  under the item are asked for directly, at most :data:`DIRECT_READS` items a
  run, in id order; one the platform no longer has (deleted, or a mention that is no
  comment) has none.

Replies by other people to other people's comments are not items (they talk to each
other, not to the brand).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Protocol

from tidings.core.inbox import Arrival, Reading, Reply, Resume
from tidings.errors import PlatformError
from tidings.workspace.inbox import InboxKind

__all__ = ["CommentInbox", "CommentPage", "CommentSource", "Post", "Said"]

POST_PAGES = 10
"""The most pages of one post's comments read in one run."""
RUN_PAGES = 200
"""The most pages of comments read in one run, all posts together."""
DIRECT_READS = 25
"""The most items whose replies are asked for one by one in a run."""


@dataclass(frozen=True)
class Post:
    """One of the brand's recent posts: its platform id, and when it was published."""

    id: str
    at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True)
class Said:
    """One comment as the platform lists it. ``parent``: the id of what it answers (our
    post for a top-level comment, a comment for a reply under it). ``ours``: written by the
    brand's own account."""

    id: str
    parent: str
    author: str
    at: datetime
    url: str | None
    ours: bool
    text: str | None = None


@dataclass(frozen=True)
class CommentPage:
    """One page of a post's comments, the cursor of the next (None at the end), and the
    cursor after its last comment (from which comments made later are read)."""

    comments: tuple[Said, ...]
    next: str | None = None
    end: str | None = None


class CommentSource(Protocol):
    nested: ClassVar[bool]
    """True when a post's comment listing holds the replies under each comment too (so a
    listing read to its end shows every answer); False when they are read apart."""
    kind: ClassVar[InboxKind]
    """What a comment under our post is in the record (``comment``; Threads: ``reply``)."""

    def posts(self) -> tuple[list[Post], bool]:
        """The brand's recent posts (bounded), and whether the listing reached its end or
        the window's start."""
        ...

    def comments(self, post: Post, cursor: str | None) -> CommentPage:
        """One page of the comments under ``post``, from ``cursor`` (None: the first)."""
        ...

    def replies(self, item: str) -> list[Said]:
        """The comments directly under the comment ``item``."""
        ...

    def mentions(self) -> list[Arrival]:
        """Public posts naming the account, where the platform lists them (else none)."""
        ...


@dataclass
class CommentInbox:
    """The :class:`~tidings.platforms.base.InboxReader` over a :class:`CommentSource`
    (each platform names itself in a subclass: ``platform = "facebook"``)."""

    platform: ClassVar[str]
    source: CommentSource
    post_pages: int = field(default_factory=lambda: POST_PAGES)
    run_pages: int = field(default_factory=lambda: RUN_PAGES)
    direct_reads: int = field(default_factory=lambda: DIRECT_READS)
    _answers: dict[str, list[Reply]] = field(default_factory=dict, init=False)
    _covered: set[str] = field(default_factory=set, init=False)

    def read_inbox(self, position: str | None) -> Reading:
        state = Resume.read(position)
        posts, complete = self.source.posts()
        arrivals: dict[str, Arrival] = {}
        resume: dict[str, str] = {}
        newest = state.newest
        budget = self.run_pages
        for post in posts:
            start = state.posts.get(post.id)
            cursor, seen, ended, last = start, [], False, start
            mine = {post.id}  # what of ours a comment may answer: the post, our comments
            for _ in range(self.post_pages):
                if budget <= 0:
                    break
                budget -= 1
                page = self.source.comments(post, cursor)
                for said in page.comments:
                    seen.append(said.id)
                    if said.ours:
                        mine.add(said.id)
                        if said.parent != post.id:
                            self._answer(said)
                        continue
                    if said.parent not in mine or said.id in arrivals:
                        continue
                    arrivals[said.id] = _arrival(said, self.source.kind)
                    stamp = said.at.astimezone(UTC).isoformat()
                    newest = stamp if newest is None or stamp > newest else newest
                last = page.end or last
                cursor = page.next
                if not cursor:
                    ended = True
                    break
            if ended and start is None and self.source.nested:
                self._covered.update(seen)
            if not ended:
                complete = False
                resume[post.id] = cursor or start or ""
            elif start is not None and last:
                resume[post.id] = last  # a busy post: from now on, read on from its end
        for mention in self.source.mentions():
            arrivals.setdefault(mention.id, mention)
        position = Resume(newest=newest, posts={k: v for k, v in resume.items() if v}).position
        return Reading(tuple(arrivals.values()), position, complete)

    def our_replies(self, since: datetime, to: Collection[str]) -> list[Reply]:
        found: list[Reply] = []
        asked = 0
        for item in sorted(to):
            if item in self._covered:
                found.extend(self._answers.get(item, ()))
                continue
            if asked >= self.direct_reads:
                found.extend(self._answers.get(item, ()))
                continue
            asked += 1
            try:
                listed = self.source.replies(item)
            except PlatformError as error:
                if error.auth or error.retryable:
                    raise
                listed = []  # deleted since, or no comment (a mention): nothing answers it
            found.extend(_replies(listed, item))
            found.extend(self._answers.get(item, ()))
        return found

    def _answer(self, said: Said) -> None:
        self._answers.setdefault(said.parent, []).append(
            Reply(said.parent, said.at, said.url or said.id)
        )


def _replies(said: Iterable[Said], item: str) -> list[Reply]:
    return [Reply(item, s.at, s.url or s.id) for s in said if s.ours and s.parent == item]


def _arrival(said: Said, kind: InboxKind) -> Arrival:
    return Arrival(
        id=said.id,
        url=said.url,
        author=said.author,
        at=said.at.astimezone(UTC),
        kind=kind,
        parent=said.parent,
        text=said.text,
    )
