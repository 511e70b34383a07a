"""The stamps the caches in ``build/cache/`` are kept under name the code that made them by
its release (an installed library) or its bytes (a module of ours), never by files' times:
CI makes its environment and checkout anew each run, giving the same code new times, and a
cache it restored under a stamp of times would never be used."""

from __future__ import annotations

import importlib.metadata
import os
import zoneinfo
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders.workspaces import build_workspace

from tidings.check.rulecache import RuleCache
from tidings.check.runner import check_workspace
from tidings.workspace import files, hyphencache, imagecache, lengthcache
from tidings.workspace.filecache import FileCache
from tidings.workspace.files import library_stamp, releases_stamp, source_stamp, zone_stamp

REPO = Path(__file__).resolve().parents[2]


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_a_library_is_stamped_by_its_release_not_its_files_times(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "fancy_pkg"
    package.mkdir(parents=True)
    init = package / "__init__.py"
    init.write_text("x = 1\n", encoding="utf-8")
    info = tmp_path / "site-packages" / "Fancy_Pkg-2.3.4.dist-info"
    info.mkdir()
    stamp = library_stamp(init, "fancy-pkg")
    assert stamp == "fancy-pkg==2.3.4"
    _touch(init)  # installed again: new times, the same release
    assert library_stamp(init, "fancy-pkg") == stamp
    info.rename(tmp_path / "site-packages" / "Fancy_Pkg-2.3.5.dist-info")
    assert library_stamp(init, "fancy-pkg") == "fancy-pkg==2.3.5"


def test_a_library_without_its_dist_info_falls_back_to_size_and_time(tmp_path: Path) -> None:
    package = tmp_path / "fancy_pkg"
    package.mkdir()
    init = package / "__init__.py"
    init.write_text("x = 1\n", encoding="utf-8")
    before = library_stamp(init, "fancy-pkg")
    _touch(init)
    assert library_stamp(init, "fancy-pkg") != before
    assert library_stamp(tmp_path / "gone" / "__init__.py", "fancy-pkg") == "fancy-pkg:missing"


def test_a_source_file_is_stamped_by_its_bytes(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("a = 1\n", encoding="utf-8")
    stamp = source_stamp(module)
    _touch(module)  # a fresh checkout of the same code
    assert source_stamp(module) == stamp
    module.write_text("a = 2\n", encoding="utf-8")
    assert source_stamp(module) != stamp


def test_the_caches_stamps_name_releases_and_digests() -> None:
    x = importlib.metadata.version("twitter-text-parser")
    assert lengthcache._library_fingerprint() == f"{lengthcache.FORMAT}:twitter-text-parser=={x}"
    pillow = importlib.metadata.version("pillow")
    images = source_stamp(imagecache.images.__file__)
    assert imagecache._stamp() == f"{imagecache.FORMAT}:pillow=={pillow}:{images}"
    dictionary = hyphencache.dictionary()
    assert dictionary is not None
    pyphen = importlib.metadata.version("pyphen")
    assert hyphencache._stamp(dictionary) == (
        f"{hyphencache.FORMAT}:{dictionary.name}:pyphen=={pyphen}"
    )


def test_the_environment_is_stamped_by_every_release_installed(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "PyYAML-6.0.2.dist-info").mkdir(parents=True)
    (site / "yaml").mkdir()
    system = tmp_path / "dist-packages"  # where Debian's own packages go, as .egg-info
    (system / "pyphen-0.14.0.egg-info").mkdir(parents=True)
    folders = [site, system, tmp_path / "gone", tmp_path / "lib.zip"]
    stamp = releases_stamp(folders)
    (site / "yaml" / "__init__.py").write_text("x = 1\n", encoding="utf-8")  # not a release
    assert releases_stamp(folders) == stamp
    (site / "PyYAML-6.0.2.dist-info").rename(site / "PyYAML-6.0.3.dist-info")  # an upgrade
    upgraded = releases_stamp(folders)
    assert upgraded != stamp
    (system / "pyphen-0.14.0.egg-info").rename(system / "pyphen-0.15.0.egg-info")
    assert releases_stamp(folders) not in (stamp, upgraded)
    assert releases_stamp() == releases_stamp()  # this environment's, listed once


def test_per_file_results_from_another_environment_are_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files' and the rules' caches, restored by CI from before a library was upgraded
    (the engine's own code the same), are read again from scratch."""
    root = build_workspace(tmp_path / "ws", REPO / "tests/fixtures/valid/thread")
    check_workspace(root, cache=True)
    assert FileCache(root).lines and RuleCache(root).lines
    monkeypatch.setattr(files, "_releases", "another-environment")
    assert not FileCache(root).lines and not RuleCache(root).lines


def test_a_zone_is_stamped_by_its_rules_as_well_as_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    stamp = zone_stamp(berlin)
    assert stamp.startswith("Europe/Berlin:") and zone_stamp(berlin) == stamp
    assert zone_stamp(ZoneInfo("Europe/Paris")) != stamp
    zones = tmp_path / "zoneinfo"
    (zones / "Europe").mkdir(parents=True)
    rules = zones / "Europe" / "Berlin"
    rules.write_bytes(b"TZif rules of one tz database release")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(zones),))
    before = zone_stamp(berlin)
    rules.write_bytes(b"TZif rules of the next release")  # the same name, other rules
    assert zone_stamp(berlin) != before
    assert zone_stamp(UTC) == "UTC"
