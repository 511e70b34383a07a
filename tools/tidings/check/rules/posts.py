"""Post-level notes: drafts, and each variant's platform ``options``."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, Variant, Workspace

OPTIONS = "post.options"


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        if post.draft:
            yield Diagnostic.at(
                post.path,
                post.source.pos("draft", key=True),
                default_severity("post.draft"),
                "post.draft",
                "draft: this post is merged but will never be published",
                "remove `draft: true` when it is ready to go out",
            )
        for variant in post.variants.values():
            channel = ws.channels.get(variant.channel)
            if variant.options and channel is not None:
                yield from _options(post, variant, channel.platform)


def _options(post: Post, variant: Variant, platform: str) -> Iterator[Diagnostic]:
    """Options the channel's platform does not take, and a Business Profile event or offer
    without what it needs."""
    row = PLATFORMS.get(platform)
    takes = row.options if row is not None else ()
    label = row.label if row is not None else platform
    opts = variant.options

    def say(key: str, message: str, fix: str) -> Diagnostic:
        return Diagnostic.at(
            post.path,
            variant.source.pos("options", key, key=True),
            default_severity(OPTIONS),
            OPTIONS,
            message,
            fix,
            variant.channel,
        )

    for key in opts:
        if key not in takes:
            yield say(
                key,
                f"`options.{key}` does nothing on {variant.channel} ({label})",
                f"{label} takes {', '.join(f'`{k}`' for k in takes)}"
                if takes
                else f"remove `options` from the `{variant.channel}` variant; {label} takes none",
            )
    topic = opts.get("topic")
    if "topic" in takes and topic in ("event", "offer") and not isinstance(opts.get("event"), dict):
        yield say(
            "topic",
            f"a Business Profile {topic} needs `options.event` (its title, start and end)",
            "add `event: {title: …, start: 2026-12-20 10:00, end: 2026-12-20 16:00}`",
        )
    if "topic" in takes and topic != "offer" and "offer" in opts:
        yield say("offer", "`options.offer` is read only with `topic: offer`", "add `topic: offer`")
    if "topic" in takes and topic not in ("event", "offer") and "event" in opts:
        yield say(
            "event",
            "`options.event` is read only with `topic: event` or `topic: offer`",
            "add `topic: event` (or `topic: offer`)",
        )
    button = opts.get("button")
    if isinstance(button, dict):
        if button.get("action") == "call" and button.get("url"):
            yield say(
                "button", "a `call` button dials the business and takes no `url`", "remove `url`"
            )
        elif button.get("action") != "call" and not button.get("url"):
            yield say(
                "button",
                f"a `{button.get('action')}` button needs a `url`",
                "add `url: https://…` (where the button leads)",
            )
    event = opts.get("event")
    if isinstance(event, dict) and str(event.get("end", "")) < str(event.get("start", "")):
        yield say("event", "the event ends before it starts", "swap `start` and `end`")
