"""The example content of a new brand repository: its channels and one post per channel.

Every example post is a draft with a time, so the calendar and the preview show it and the
publisher never sends it. A platform that cannot post text alone (Instagram) gets an image
made here at a size its row in the platform table accepts, with alt text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta

from tidings.core.platforms import PLATFORMS
from tidings.scaffold.files import Answers, channel_variables, yaml_string

__all__ = ["IMAGE", "channels_yaml", "example_image", "example_posts", "first_post_day"]

IMAGE = "content/media/welcome.jpg"
IMAGE_SIDE = 1080  # square: inside every platform's width limits and aspect ratios


def first_post_day(today: date) -> date:
    """The example posts' day: a week after the repository is made."""
    return today + timedelta(days=7)


def channels_yaml(answers: Answers) -> str:
    lines = [
        "# yaml-language-server: $schema=../schemas/channels.schema.json",
        "# Each channel: its platform, its account, and the NAMES of the environment variables",
        "# holding its credentials (secrets of the GitHub environment `social`), never the",
        "# values themselves. `tidings upgrade` hands the workflows every name listed here.",
        "channels:",
    ]
    for cid in answers.channels:
        row = PLATFORMS[cid]
        lines += [f"  {cid}:", f"    platform: {cid}", "    default: true"]
        lines.append(f"    account: {_account(cid, answers.name)}")
        variables = channel_variables(cid, cid)
        if variables:
            lines.append("    credentials:")
            lines += [f"      {key}: {name}" for key, name in variables.items()]
        for other in row.credentials[1:]:
            keys = ", ".join(other.required)
            lines.append(f"    # or sign in with: {keys}")
        if row.media.public_url:
            lines.append(
                f"    media_base_url: {answers.site_url.rstrip('/')}/media/  "
                "# where the site serves content/media/"
            )
        if cid == "outbox":
            lines.append("    path: build/outbox")
    return "\n".join(lines) + "\n"


def _account(cid: str, name: str) -> str:
    row = PLATFORMS[cid]
    if cid == "outbox":
        return "build/outbox (local JSON files)"
    if cid == "feed":
        return "Atom feed on the preview site"
    return yaml_string(f"{name} on {row.label} (write the handle here)")


def example_posts(answers: Answers, day: date) -> dict[str, str]:
    """One draft post per channel, an hour apart from 10:00 on ``day``."""
    posts: dict[str, str] = {}
    for i, cid in enumerate(answers.channels):
        row = PLATFORMS[cid]
        at = f"{day.isoformat()} {10 + i % 10:02d}:00"
        lines = [
            "---",
            f"title: Hello on {row.label}",
            f"at: {at}",
            f"channels: [{cid}]",
            "campaign: hello",
            "draft: true    # an example: remove this line and write your own text to send it",
        ]
        if row.media.needs_image or cid == "instagram":
            lines += [
                "media:",
                f"  - file: {IMAGE}",
                "    alt: "
                + yaml_string(
                    f"A dark blue square with the words Hello from {_plain(answers.name)}"
                ),
            ]
        lines += [
            "---",
            f"Hello from {_plain(answers.name)}. This is where we share news, tips and a look "
            f"behind the scenes. Tell us what you would like to see here.",
            "",
        ]
        posts[f"content/posts/{day:%Y/%m}/hello-{cid}.md"] = "\n".join(lines)
    return posts


def _plain(name: str) -> str:
    return " ".join(name.split())


def example_image(name: str) -> bytes:
    """A square JPEG with the brand's name on it, for the posts that need an image."""
    from PIL import Image, ImageDraw  # Pillow only when a repository is made

    image = Image.new("RGB", (IMAGE_SIDE, IMAGE_SIDE), (40, 53, 147))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, IMAGE_SIDE - 80, IMAGE_SIDE - 80), outline=(255, 255, 255), width=8)
    draw.text((140, IMAGE_SIDE // 2 - 40), f"Hello from {_plain(name)}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def needs_image(channels: Sequence[str]) -> bool:
    return any(PLATFORMS[c].media.needs_image for c in channels)
