"""Every diagnostic code tidings can emit, with its default severity and meaning.

``tidings rules`` prints this table and the docs page ``site/checks.md`` lists every code;
tests keep the three in step.
"""

from __future__ import annotations

from .diagnostics import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

CODES: dict[str, tuple[Severity, str]] = {
    # reading files
    "file.missing": (E, "A required file (brand.yaml, channels.yaml) is missing."),
    "file.unreadable": (E, "A file cannot be read (permissions)."),
    "file.empty": (E, "A file is empty."),
    "file.not-text": (E, "A file is binary or not UTF-8 text."),
    "yaml.syntax": (E, "A YAML file or front matter is not valid YAML."),
    "yaml.duplicate-key": (E, "The same key is written twice in one block."),
    "schema": (E, "A field is unknown, missing, of the wrong type or out of range."),
    "post.front-matter": (E, "A post or idea file does not start with `---` front matter."),
    # times
    "date.invalid": (E, "A date or time cannot be read."),
    "date.no-time": (E, "A post's `at` has a day but no time."),
    "date.nonexistent": (E, "A local time falls in the hour skipped when clocks go forward."),
    "date.ambiguous": (E, "A local time falls in the hour repeated when clocks go back."),
    "date.expires-before-at": (E, "`expires` is not after the time the post goes out."),
    "date.campaign-range": (E, "A campaign ends before it starts."),
    "date.outside-campaign": (W, "A post goes out outside its campaign's dates."),
    "calendar.blackout": (E, "A post is scheduled inside a blackout."),
    "brand.timezone": (E, "The brand's timezone is not a known IANA name."),
    "brand.unknown-rule": (W, "brand.yaml `rules:` names a code that does not exist."),
    # ids and references
    "id.duplicate": (E, "Two things share an id (campaigns, slots, goals, posts)."),
    "ref.channel": (E, "A post, variant, blackout, slot or goal names an unknown channel."),
    "ref.variant-channel": (W, "A variant is written for a channel the post does not go to."),
    "ref.campaign": (E, "A post names a campaign that no calendar defines."),
    "ref.media": (E, "A media file does not exist or is not a file."),
    "ref.media-outside": (
        E,
        "A media path leaves the repository (`..`, absolute, or a symlink out).",
    ),
    "ref.post": (W, "An idea names a post that does not exist."),
    # posts and threads
    "thread.empty-part": (E, "A thread has an empty part (two `---` in a row, or one at the end)."),
    "thread.separator": (W, "A `---` line touches text, so it is published instead of splitting."),
    "post.draft": (I, "A post is a draft: merged but never published."),
    "post.location": (W, "A post's folder (YYYY/MM) does not match when it goes out."),
    # platform text rules, on the rendered text of each thread part
    "length.x": (
        E,
        "A part is over X's 280 weighted characters (twitter-text v3: URLs 23, emoji and CJK 2).",
    ),
    "length.bluesky": (
        E,
        "A part is over Bluesky's 300 graphemes or 3000 UTF-8 bytes (links count as shown).",
    ),
    "length.mastodon": (
        E,
        "A part is over the instance's limit (default 500; URLs 23, @user@domain as @user).",
    ),
    "length.threads": (E, "A part is over Threads' 500 characters."),
    "length.linkedin": (
        E,
        "A part is over LinkedIn's 3000 characters after its required escaping.",
    ),
    "length.instagram": (E, "A caption is over Instagram's 2200 characters."),
    "length.facebook": (E, "A part is over Facebook's 63,206 characters."),
    "length.discord": (E, "A part is over Discord's 2000 characters."),
    "length.slack": (E, "A part is over Slack's 40,000 characters."),
    "links.threads": (E, "A post has more than 5 links on Threads, which refuses it."),
    "links.instagram": (W, "An Instagram caption holds a link, which is not clickable there."),
    "hashtags.instagram": (E, "A caption has more than 30 hashtags, which Instagram refuses."),
    # brand guidelines (brand/brand.yaml)
    "brand.banned-word": (
        E,
        "A word or phrase on the brand's banned list (whole word, any case, plurals).",
    ),
    "brand.preferred-word": (W, "A word the brand replaces with another (`words.preferred`)."),
    "brand.reading-level": (
        W,
        "Prose reads above the brand's Flesch-Kincaid grade (URLs, hashtags, mentions left out).",
    ),
    "brand.hashtags": (W, "More hashtags than the brand allows, or a banned hashtag."),
    "brand.hashtag-case": (
        I,
        "A long all-lower-case hashtag; CamelCase lets screen readers say it.",
    ),
    "brand.emoji": (W, "More emoji than the brand allows."),
    "brand.exclamation": (W, "More than two exclamation marks in one part."),
    "brand.shouting": (W, "Words in ALL CAPS."),
    "brand.same-text": (W, "The same single text goes to 3 or more networks with no variant."),
    # cadence
    "cadence.max-per-day": (
        W,
        "A channel gets more posts in one local day than `cadence.max_per_day`.",
    ),
    # ledger
    "ledger.orphan": (
        W,
        "A published post's file is gone; it stays online and is not re-published.",
    ),
    "ledger.renamed": (W, "A published post was renamed; it will not be published again."),
    "ledger.changed": (I, "A post was edited after it was published; the edit is not sent."),
    "ledger.mismatch": (E, "A ledger file's `post` does not match its path."),
    "ledger.unknown-channel": (W, "The ledger records a channel that channels.yaml no longer has."),
}


def default_severity(code: str) -> Severity:
    return CODES[code][0]
