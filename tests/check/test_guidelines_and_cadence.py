"""Brand guidelines per channel (buzzwords, hashtags per platform, disclosure) and the
calendar rules (quiet hours, minimum gap, empty slots): each with a failing and a passing
case."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from tidings.check.runner import check_workspace
from tidings.cli.main import cli

CHANNELS = """\
  x:
    platform: x
  linkedin:
    platform: linkedin
"""


def _post(
    name: str,
    body: str,
    at: str = "2026-12-10 09:00",
    channels: str = "[mastodon, bluesky]",
    extra: str = "",
) -> dict[str, str]:
    text = f"---\ntitle: {name}\nat: {at}\nchannels: {channels}\n{extra}---\n{body}\n"
    return {f"content/posts/2026/12/{name}.md": text}


def _ws(make_workspace: Callable[..., Path], brand: str, *posts: dict[str, str]) -> Path:
    root = make_workspace(*posts)
    path = root / "brand/brand.yaml"
    path.write_text(path.read_text() + brand)
    channels = root / "brand/channels.yaml"
    channels.write_text(channels.read_text() + CHANNELS)
    return root


def _codes(root: Path, now: datetime | None = None) -> list[tuple[str, str, int, str | None]]:
    result = check_workspace(root, now=now)
    return [(d.code, d.path, d.line, d.channel) for d in result.diagnostics]


def _messages(root: Path, code: str) -> list[str]:
    return [d.message for d in check_workspace(root).diagnostics if d.code == code]


# ---------------------------------------------------------------- brand guidelines


def test_buzzwords(make_workspace: Callable[..., Path]) -> None:
    brand = "words:\n  buzzwords: [synergy, game changer]\n"
    root = _ws(
        make_workspace,
        brand,
        _post("a", "More Synergy and two Game  Changers."),
        _post("b", "We work well together.", at="2026-12-11 09:00"),
    )
    got = [c for c in _codes(root) if c[0] == "brand.buzzword"]
    assert [(c[1], c[2]) for c in got] == [("content/posts/2026/12/a.md", 6)] * 2
    assert _messages(root, "brand.buzzword")[0] == "“Synergy” is on the brand's buzzword list"


def test_every_listed_word_is_found_whichever_list_and_order(
    make_workspace: Callable[..., Path],
) -> None:
    """The word lists are searched with one pass first (does the text hold any listed
    word?), then each list: a text holding only the last list's word, a word on two lists,
    and words in any order are each reported once per list and occurrence."""
    brand = (
        "words:\n  banned: [cheap, guarantee]\n  preferred: {utilize: use}\n"
        "  buzzwords: [synergy, cheap]\n"
    )
    root = _ws(
        make_workspace,
        brand,
        _post("a", "We utilize it."),
        _post("b", "Synergy, and cheaply.", at="2026-12-11 09:00"),  # not `cheaply`
        _post("c", "Cheap!\n\nSYNERGY and we utilize guarantees.", at="2026-12-12 09:00"),
        _post("d", "Nothing listed here.", at="2026-12-13 09:00"),
    )
    found = [
        (d.path.rsplit("/", 1)[1], d.line, d.code, d.message)
        for d in check_workspace(root).diagnostics
        if d.code.endswith(("-word", "buzzword"))
    ]
    assert sorted(found) == sorted(
        [
            ("a.md", 6, "brand.preferred-word", "the brand writes “use”, not “utilize”"),
            ("b.md", 6, "brand.buzzword", "“Synergy” is on the brand's buzzword list"),
            ("c.md", 6, "brand.banned-word", "“Cheap” is on the brand's banned list"),
            ("c.md", 6, "brand.buzzword", "“Cheap” is on the brand's buzzword list"),
            ("c.md", 8, "brand.banned-word", "“guarantees” is on the brand's banned list"),
            ("c.md", 8, "brand.preferred-word", "the brand writes “use”, not “utilize”"),
            ("c.md", 8, "brand.buzzword", "“SYNERGY” is on the brand's buzzword list"),
        ]
    )


def test_hashtags_per_platform_defaults_and_settings(make_workspace: Callable[..., Path]) -> None:
    body = "Winter light. #Leipzig #Portraits #FamilyPhotos"
    root = _ws(make_workspace, "", _post("a", body, channels="[mastodon, x, linkedin]"))
    got = {(c[0], c[3]) for c in _codes(root)}
    assert ("brand.hashtags-platform", "x") in got  # 3 > X's default 2
    assert ("brand.hashtags-platform", "linkedin") not in got  # 3 is LinkedIn's default
    assert ("brand.hashtags-platform", "mastodon") not in got  # no cap
    brand = root / "brand/brand.yaml"
    brand.write_text(brand.read_text() + "hashtags:\n  per_platform: {x: 3, linkedin: 1}\n")
    got = {(c[0], c[3]) for c in _codes(root)}
    assert ("brand.hashtags-platform", "x") not in got
    assert ("brand.hashtags-platform", "linkedin") in got


def test_disclosure(make_workspace: Callable[..., Path]) -> None:
    brand = 'disclosure:\n  tags: [sponsored]\n  text: ["#ad", "Anzeige"]\n'
    sponsored = "tags: [sponsored]\n"
    root = _ws(
        make_workspace,
        brand,
        _post("missing", "A #adventure with our partner.", extra=sponsored),
        _post(
            "variant",
            "#ad Our partner's new lens.",
            at="2026-12-11 09:00",
            channels="[mastodon, bluesky, x]",
            extra=sponsored + "variants:\n  x:\n    body: Our partner's lens.\n",
        ),
        _post("ok", "Anzeige: a lens we like.", at="2026-12-12 09:00", extra=sponsored),
        _post("untagged", "Our own lens.", at="2026-12-13 09:00"),
    )
    got = [(c[1].rsplit("/", 1)[1], c[3]) for c in _codes(root) if c[0] == "brand.disclosure"]
    assert got == [("missing.md", None), ("variant.md", "x")]
    message = _messages(root, "brand.disclosure")[0]
    assert "tagged `sponsored`" in message and "mastodon, bluesky" in message
    assert "“#ad” or “Anzeige”" in message


# ---------------------------------------------------------------- calendar and cadence


def test_quiet_hours_across_midnight_with_a_channel_override(
    make_workspace: Callable[..., Path],
) -> None:
    brand = (
        "cadence:\n"
        '  quiet_hours: {from: "22:00", to: "07:00"}\n'
        "  channels:\n"
        "    bluesky: {quiet_hours: false}\n"
    )
    root = _ws(
        make_workspace,
        brand,
        _post("late", "Late.", at="2026-12-10 23:30"),
        _post("early", "Early.", at="2026-12-11 06:59"),
        _post("fine", "Fine.", at="2026-12-11 07:00"),
        _post("evening", "Evening.", at="2026-12-11 21:59"),
    )
    got = sorted(
        (c[1].rsplit("/", 1)[1], c[3]) for c in _codes(root) if c[0] == "calendar.quiet-hours"
    )
    assert got == [("early.md", "mastodon"), ("late.md", "mastodon")]
    assert _messages(root, "calendar.quiet-hours")[0].startswith("goes out on mastodon at 06:59")


def test_min_gap(make_workspace: Callable[..., Path]) -> None:
    brand = "cadence:\n  min_gap: 2h\n  channels:\n    bluesky: {min_gap: 30m}\n"
    root = _ws(
        make_workspace,
        brand,
        _post("first", "First.", at="2026-12-15 10:00"),
        _post("second", "Second.", at="2026-12-15 11:00"),
        _post("third", "Third.", at="2026-12-15 13:00"),
    )
    got = [(c[1].rsplit("/", 1)[1], c[3]) for c in _codes(root) if c[0] == "cadence.min-gap"]
    assert got == [("second.md", "mastodon")]
    (message,) = _messages(root, "cadence.min-gap")
    assert message == (
        "goes out on mastodon at 2026-12-15 11:00, 60 min after `2026/12/first`; "
        "the brand wants at least 2 h between posts on a channel"
    )


def test_cadence_for_an_unknown_channel(make_workspace: Callable[..., Path]) -> None:
    root = _ws(make_workspace, "cadence:\n  channels:\n    mastodn: {max_per_day: 1}\n")
    assert ("ref.channel", "brand/brand.yaml", 5, "mastodn") in _codes(root)


def test_bad_quiet_hours_are_a_schema_error(make_workspace: Callable[..., Path]) -> None:
    root = _ws(make_workspace, 'cadence:\n  quiet_hours: {from: "25:00", to: "07:00"}\n')
    diags = check_workspace(root).diagnostics
    assert [(d.code, d.path) for d in diags] == [("schema", "brand/brand.yaml")]
    assert "22:00" in (diags[0].suggestion or "") + diags[0].message


SLOTS = """\
slots:
  - name: Thursday hello
    days: [thu]
    time: "09:00"
    channels: [mastodon]
"""


def test_empty_slot_is_a_gap_only_when_nothing_is_planned(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace()
    calendar = root / "content/calendars/winter.yaml"
    calendar.write_text(calendar.read_text() + SLOTS)
    # the base post goes out on Thursday 10 December at 09:00 on mastodon
    planned = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    empty = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert [c for c in _codes(root, planned) if c[0] == "calendar.slot-gap"] == []
    gaps = [d for d in check_workspace(root, now=empty).diagnostics]
    assert [(d.code, d.path, d.line, d.severity.value) for d in gaps] == [
        ("calendar.slot-gap", "content/calendars/winter.yaml", 14, "info")
    ]
    assert "Thu 07 Jan, Thu 14 Jan at 09:00" in gaps[0].message
    assert check_workspace(root).diagnostics == ()  # no time given: the rule does not run


def test_check_now_option(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    calendar = root / "content/calendars/winter.yaml"
    calendar.write_text(calendar.read_text() + SLOTS)
    runner = CliRunner()
    args = ["--root", str(root), "check", "--format", "json", "--now"]
    result = runner.invoke(cli, [*args, "2027-01-04 09:00"])
    assert result.exit_code == 0
    # issue 14 item 11: --now also warns that hello (2026-12-10, never published) was missed
    codes = [d["code"] for d in json.loads(result.output)]
    assert codes == ["calendar.slot-gap", "date.late", "date.late", "date.late"]
    result = runner.invoke(cli, [*args, "2026-12-01 09:00"])
    assert (result.exit_code, json.loads(result.output)) == (0, [])
    result = runner.invoke(cli, [*args, "someday"])
    assert result.exit_code == 2 and "--now" in result.output
