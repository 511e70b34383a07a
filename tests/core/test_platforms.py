"""The platform table (tidings.core.platforms): it covers exactly the platforms the channels
schema allows, every row names an adapter module that implements the protocol, and the
adapters, the registry and the check read their facts from it."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tidings.core.platforms import PLATFORMS, Card, is_local
from tidings.platforms import UnsupportedPlatform, connect
from tidings.platforms.base import Adapter, Caller, Local
from tidings.workspace.model import Channel, Source

REPO = Path(__file__).parents[2]
SCHEMA = REPO / "tools/tidings/schemas/channels.schema.json"


def test_the_table_covers_every_platform_the_channels_schema_allows_and_no_more() -> None:
    schema = json.loads(SCHEMA.read_text())
    allowed = schema["$defs"]["channel"]["properties"]["platform"]["enum"]
    assert sorted(allowed) == sorted(PLATFORMS)
    assert all(name == row.name for name, row in PLATFORMS.items())


def _adapter_classes(module: object, platform: str) -> list[type]:
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and getattr(v, "platform", None) == platform
        and hasattr(v, "publish_part")
    ]


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_every_row_names_an_adapter_module_that_implements_the_protocol(platform: str) -> None:
    row = PLATFORMS[platform]
    module = importlib.import_module(row.adapter)
    assert callable(getattr(module, "connect", None)), row.adapter
    classes = _adapter_classes(module, platform)
    assert classes, f"{row.adapter} has no adapter class for {platform}"
    for cls in classes:
        for name in ("publish_part", "find_part", "delete"):
            assert callable(getattr(cls, name, None)), (cls, name)
        assert isinstance(cls.idempotent, bool), cls
        assert cls.can_delete is row.can_delete, cls  # read from the row


def test_local_channels_are_in_the_same_registry(tmp_path: Path) -> None:
    local = Local(tmp_path, "https://example.org/site", "Studio")
    for platform in ("outbox", "feed"):
        assert is_local(platform)
        channel = Channel(platform, platform, Source("brand/channels.yaml"))
        adapter: Adapter = connect(channel, {}, None, None, local)
        assert adapter.platform == platform
    assert not is_local("mastodon") and not is_local("nowhere")


def test_a_local_channel_never_calls_the_caller_factory(tmp_path: Path) -> None:
    made: list[str] = []

    def factory() -> Caller:
        made.append("caller")
        raise AssertionError("a local channel never makes an HTTP client")

    outbox = Channel("outbox", "outbox", Source("brand/channels.yaml"), path="out")
    connect(outbox, {}, None, factory, Local(tmp_path))
    assert made == []


def test_an_unknown_platform_is_refused() -> None:
    with pytest.raises(UnsupportedPlatform):
        connect(Channel("c", "myspace", Source("brand/channels.yaml")), {}, None)


def test_the_table_stays_pure_data() -> None:
    """``tidings check`` imports the table: no HTTP client, no Pillow, no adapter with it."""
    code = (
        "import sys, tidings.core.platforms; "
        "print(sorted(m for m in ('httpx', 'PIL', 'tidings.platforms') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_platform_explains_its_own_check_codes_in_its_row() -> None:
    """A platform's codes (length.<name>, links.<name>, hashtags.<name>, parts.<name>) come
    from its row, so a rule the row turns on always has its explanation in `tidings rules` and the docs."""
    from tidings.check.codes import CODES
    from tidings.core.platforms import LinkStyle

    for row in PLATFORMS.values():
        kinds = {kind for kind, _ in row.checks}
        wanted = set()
        if row.text:
            wanted.add("length")
        if row.max_links is not None or row.links is LinkStyle.NOT_CLICKABLE:
            wanted.add("links")
        if row.max_hashtags is not None:
            wanted.add("hashtags")
        if row.max_parts is not None:
            wanted.add("parts")
        assert kinds == wanted, row.name
        for kind in kinds:
            assert f"{kind}.{row.name}" in CODES


def test_every_row_draws_its_preview_card_with_a_layout_the_site_styles() -> None:
    css = (REPO / "tools/tidings/site/assets/tidings.css").read_text(encoding="utf-8")
    for row in PLATFORMS.values():
        assert re.fullmatch(r"#[0-9a-f]{6}", row.accent), row.name  # else the site's grey
        assert f".td-card-{row.card.value} " in css, row.name
    networks = [row for row in PLATFORMS.values() if not row.local]
    assert len({row.accent for row in networks}) == len(networks)  # told apart by colour too
    assert PLATFORMS["instagram"].card is Card.MEDIA_FIRST
