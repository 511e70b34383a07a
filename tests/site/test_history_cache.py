"""The metrics history a site build keeps in ``build/cache/`` (``history.json`` and its CSV):
the next build takes the pass over the files it already read and reads only the newer ones,
with the same result and the same ``metrics.csv``, byte for byte, as reading the whole
history; a changed past snapshot or post, or a kept file that is damaged, means the whole
history is read again, never a wrong number and never a traceback."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from builders.workspaces import copy_example

from tidings.metrics.snapshots import read_snapshots, snapshot_files
from tidings.site import dashboards_page
from tidings.site.data import SiteData, collect
from tidings.site.historycache import STATE, HistoryCache, forget
from tidings.workspace.files import checked, summed

PARTS = ("content", "brand", "ledger", "metrics", "tidings.yaml")
NOW = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"), PARTS)


@pytest.fixture
def root(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(pristine, copy, ignore=shutil.ignore_patterns("build"))
    return copy


def _first(data: SiteData, files: list[str], k: int) -> SiteData:
    """``data`` as if the history were only its first ``k`` files."""
    root = data.ws.root
    return replace(
        data,
        history_files=lambda: files[:k],
        history=lambda: read_snapshots(root, files[:k], raw=False),
    )


def _seen(history: Any) -> dict[str, Any]:
    """Everything a read of the history leaves, comparable."""
    months = history.months
    return {
        "totals": history.totals,
        "series": history.series,
        "followers": history.followers,
        "competitors": history.competitors,
        "snapshots": history.snapshots,
        "last_day": history.last_day,
        "months": {m: months.readings(m) for m in months.months},
        "month_followers": months.followers,
    }


def _read(data: SiteData, jobs: int = 1) -> tuple[dict[str, Any], bytes]:
    csv = data.ws.root / "build/site-data/metrics.csv"
    history = dashboards_page._read_history(data, csv, jobs)
    return _seen(history), csv.read_bytes()


def _fresh(root: Path) -> tuple[dict[str, Any], bytes]:
    """The history read whole, with nothing kept; and nothing kept after it."""
    forget(root)
    found = _read(collect(root, NOW))
    forget(root)
    return found


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each read took back from the cache (None: nothing usable), the method itself
    run unchanged."""
    seen: list[object] = []
    original = HistoryCache.take

    def take(self: HistoryCache, maker: Any, tz: Any, into: Path) -> Any:
        found = original(self, maker, tz, into)
        seen.append(found)
        return found

    monkeypatch.setattr(HistoryCache, "take", take)
    return seen


def test_kept_after_any_day_the_rest_is_read_and_the_result_is_the_whole_read(
    root: Path, taken: list[object]
) -> None:
    files = snapshot_files(root)
    assert len(files) > 30
    whole, whole_csv = _fresh(root)
    assert whole["snapshots"] == len(files)
    assert whole["competitors"] and whole["totals"] and whole["followers"]
    data = collect(root, NOW)
    for k in range(1, len(files) + 1):
        forget(root)
        _read(_first(data, files, k))
        assert HistoryCache(root, data.tz, files).covers() == k
        taken.clear()
        found, csv = _read(data)
        assert [kept is not None for kept in taken] == [True], k
        assert found == whole, k
        assert csv == whole_csv, k
        assert _state(root)["files"][-1][0] == files[-1]
    taken.clear()
    again = _read(data, jobs=2)  # nothing new: nothing read, nothing written
    assert again == (whole, whole_csv)
    assert [kept is not None for kept in taken] == [True]


def test_with_workers_most_of_the_history_new_is_read_in_parts(
    root: Path, taken: list[object]
) -> None:
    files = snapshot_files(root)
    whole, whole_csv = _fresh(root)
    data = collect(root, NOW)
    _read(_first(data, files, 3))
    assert _read(data, jobs=2) == (whole, whole_csv)
    assert taken == []  # not even opened: 3 of 60 days kept
    assert HistoryCache(root, data.tz, files).covers() == len(files)


def test_an_edited_past_snapshot_means_the_whole_history_is_read_again(root: Path) -> None:
    files = snapshot_files(root)
    data = collect(root, NOW)
    _read(data)
    past = root / files[5]
    text = past.read_text(encoding="utf-8")
    counts = json.loads(text)
    channel = next(c for c in counts["channels"].values() if c["posts"])
    reading = next(p for p in channel["posts"] if p.get("metrics"))
    reading["metrics"]["likes"] = (reading["metrics"]["likes"] or 0) + 1000
    past.write_text(json.dumps(counts, indent=2), encoding="utf-8")
    assert HistoryCache(root, data.tz, files).covers() == 0
    found = _read(collect(root, NOW))
    assert found == _fresh(root)
    assert str(reading["metrics"]["likes"]).encode() in found[1]


def test_a_post_whose_tags_changed_is_not_taken_from_the_cache(
    root: Path, taken: list[object]
) -> None:
    data = collect(root, NOW)
    _read(data)
    row = _read(data)[0]["totals"][0]
    post = next(p for p in data.ws.posts.values() if p.id == row.post)
    path = root / post.source.path
    text = path.read_text(encoding="utf-8")
    assert "\ntags: [" in text, path
    path.write_text(text.replace("\ntags: [", "\ntags: [renamed-tag, ", 1), encoding="utf-8")
    taken.clear()
    changed = collect(root, NOW)
    found = _read(changed)
    assert taken == [None]
    assert found == _fresh(root)
    assert b"renamed-tag" in found[1]


def _state(root: Path) -> dict[str, Any]:
    found = json.loads(checked((root / STATE).read_bytes()))
    assert isinstance(found, dict)
    return found


def _spoil(state: dict[str, Any], how: str, root: Path) -> dict[str, Any]:
    """``state`` as a hostile writer would leave it (who can recompute its digest)."""
    if how == "a row of text":
        state["rows"][0] = ["x"]
    elif how == "a count of text":
        state["rows"][0][8] = "12"
    elif how == "a row out of range":
        state["last"][0] = 10**9
    elif how == "a series of another post":
        state["series"]["last"][0][0] = "someone-else"
    elif how == "months not a list":
        state["months"]["months"] = 5
    elif how == "a competitor without a name":
        state["competitors"][0][4][0][0] = None
    elif how == "the CSV elsewhere":
        state["csv"] = "../../metrics/2026/12/2026-12-01.json"
    elif how == "the CSV cut short":
        csv = root / "build/cache" / state["csv"]
        csv.write_bytes(csv.read_bytes()[:-100])
    elif how == "the CSV gone":
        (root / "build/cache" / state["csv"]).unlink()
    elif how == "a digit of the CSV changed":  # same size: the kept digest tells
        csv = root / "build/cache" / state["csv"]
        text = csv.read_bytes()
        at = text.index(b"\n", len(text) // 2) - 1
        while not text[at : at + 1].isdigit():
            at -= 1
        digit = b"7" if text[at : at + 1] != b"7" else b"3"
        csv.write_bytes(text[:at] + digit + text[at + 1 :])
    elif how == "a day far in the future":
        state["last_day"] = 2**70
    elif how == "a count too large":
        state["rows"][0][8] = 10**400
    elif how == "a rate of infinity":
        state["competitors"][0][4][0][6] = 1e400
    elif how == "deeply nested":
        state["extra"] = json.loads("[" * 50 + "]" * 50)
        return {"deep": "[" * 100_000 + "]" * 100_000}
    return state


@pytest.mark.parametrize(
    "how",
    [
        "a row of text",
        "a count of text",
        "a row out of range",
        "a series of another post",
        "months not a list",
        "a competitor without a name",
        "the CSV elsewhere",
        "the CSV cut short",
        "the CSV gone",
        "a digit of the CSV changed",
        "a day far in the future",
        "a count too large",
        "a rate of infinity",
        "deeply nested",
        "not JSON",
        "damaged, its digest not made again",
    ],
)
def test_a_damaged_cache_is_ignored(root: Path, how: str, taken: list[object]) -> None:
    files = snapshot_files(root)
    whole = _fresh(root)
    data = collect(root, NOW)
    _read(_first(data, files, len(files) - 2))
    state_file = root / STATE
    if how == "not JSON":
        state_file.write_text(summed(checked(state_file.read_bytes())[:-50]))
    elif how == "damaged, its digest not made again":
        text = state_file.read_text()
        state_file.write_text(text.replace('"snapshots":', '"snapshots":1', 1))
    else:
        state = _spoil(_state(root), how, root)
        text = json.dumps(state) if "deep" not in state else state["deep"]
        state_file.write_text(summed(text))
    taken.clear()
    assert _read(data) == whole
    assert taken in ([], [None])
    assert HistoryCache(root, data.tz, files).covers() == len(files)  # kept anew


def test_a_build_keeps_its_own_table_whatever_another_does_to_the_sites(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds of one workspace at once: the other one empties ``metrics.csv`` (it starts
    writing its own) just as this one keeps what it read. This one's table is its own file,
    renamed into place when whole, so what it keeps is whole."""
    whole = _fresh(root)
    site_csv = root / "build/site-data/metrics.csv"
    original = HistoryCache.keep

    def keep(self: HistoryCache, *args: Any) -> None:
        site_csv.write_text("", encoding="utf-8")  # the other build, starting
        original(self, *args)

    monkeypatch.setattr(HistoryCache, "keep", keep)
    data = collect(root, NOW)
    assert _read(data) == whole
    monkeypatch.setattr(HistoryCache, "keep", original)
    assert _read(data) == whole  # taken back: the kept table is whole
    assert not [p.name for p in site_csv.parent.iterdir() if p.name != "metrics.csv"]


def test_a_bad_new_snapshot_is_reported_as_without_a_cache(root: Path) -> None:
    from tidings.errors import MetricsError

    files = snapshot_files(root)
    data = collect(root, NOW)
    _read(_first(data, files, len(files) - 1))
    (root / files[-1]).write_text('{"version": 1, "date": ', encoding="utf-8")
    with pytest.raises(MetricsError) as kept:
        _read(data)
    assert HistoryCache(root, data.tz, files).covers() == len(files) - 1  # kept as it was
    forget(root)
    with pytest.raises(MetricsError) as whole:
        _read(data)
    assert (kept.value.message, kept.value.hint) == (whole.value.message, whole.value.hint)
    assert files[-1] in kept.value.message


def test_the_stamp_names_every_module_the_pass_reads_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only the modules the cache imports: a change to any module of tidings.metrics
    (counts, which snapshots reads through, the inbox) means another pass."""
    from tidings.metrics import dashboards
    from tidings.site import historycache

    copy = tmp_path / "metrics"
    shutil.copytree(Path(str(dashboards.__file__)).parent, copy)
    monkeypatch.setattr(dashboards, "__file__", str(copy / "dashboards.py"))
    stamp = historycache._stamp("Europe/Berlin")
    assert historycache._stamp("Europe/Berlin") == stamp
    for name in ("counts.py", "inbox.py"):
        with (copy / name).open("a", encoding="utf-8") as module:
            module.write("\n# changed\n")
        assert historycache._stamp("Europe/Berlin") != stamp, name
        stamp = historycache._stamp("Europe/Berlin")
    assert historycache._stamp("Europe/Paris") != stamp
