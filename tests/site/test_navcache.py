"""mkdocs-material's navigation, rendered once per folder of pages outside it
(tidings.site.navcache): every file of the site the same, byte for byte, as when the theme
renders it into each page."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from builders.workspaces import copy_example

NOW = "2026-12-20 09:00"
BUILD = """
import sys
import tidings.site.plugin as plugin
plugin.NAV_KEPT = sys.argv.pop(1) == "kept"
from tidings.cli.main import main
main()
"""


def _build(root: Path, out: Path, kept: bool) -> dict[str, bytes]:
    cmd = [sys.executable, "-c", BUILD, "kept" if kept else "each", "--root", str(root)]
    cmd += ["site", "build", "--offline", "--out", str(out), "--now", NOW]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _same_site(root: Path, tmp_path: Path) -> dict[str, bytes]:
    kept = _build(root, tmp_path / "kept", kept=True)
    each = _build(root, tmp_path / "each", kept=False)
    assert sorted(kept) == sorted(each)
    assert [name for name in kept if kept[name] != each[name]] == []
    return kept


@pytest.mark.parametrize("root_config", [True, False], ids=["mkdocs.yml", "default-config"])
def test_the_site_is_the_same_with_the_navigation_kept(tmp_path: Path, root_config: bool) -> None:
    """The example's own configuration (a navigation with a section of guides, each of them
    active on its page) and the one tidings writes when a workspace has none."""
    root = copy_example(tmp_path / "example")
    if not root_config:
        (root / "mkdocs.yml").unlink()
    site = _same_site(root, tmp_path)
    pages = [name for name in site if name.endswith("index.html")]
    assert len(pages) > 60
    post = site["posts/2026/12/st-nicholas-day/index.html"].decode()
    assert 'class="md-nav md-nav--primary"' in post  # the navigation is there, in full
    assert post.count('class="md-nav__link"') >= 6


@pytest.mark.parametrize(
    "link",
    [
        "Behind the scenes: posts/2026/12/st-nicholas-day/behind.md",  # a page under a post
        "Featured: posts/2026/12/st-nicholas-day",  # a link to the post, without its slash
        "Featured: ./posts/2026/12/st-nicholas-day/",
        "extra.homepage",  # the logo's link, to a post
    ],
)
def test_a_link_that_reads_differently_from_one_page_of_a_folder(tmp_path: Path, link: str) -> None:
    """A navigation link (or the home page's, on the logo) to an address at or under one
    generated post's reads differently from that post than from the posts beside it, so
    that post's sidebar is rendered for it alone; whatever the link is written like."""
    root = copy_example(tmp_path / "example")
    extra = root / "site" / "posts" / "2026" / "12" / "st-nicholas-day" / "behind.md"
    extra.parent.mkdir(parents=True)
    extra.write_text("# Behind the scenes\n\nHow the St Nicholas set was lit.\n", "utf-8")
    config = (root / "mkdocs.yml").read_text("utf-8")
    assert "  - Guide:\n" in config
    if link == "extra.homepage":
        config += "extra:\n  homepage: posts/2026/12/st-nicholas-day/\n"
    else:
        config = config.replace("  - Guide:\n", f"  - {link}\n  - Guide:\n")
    (root / "mkdocs.yml").write_text(config, "utf-8")
    site = _same_site(root, tmp_path)
    post = site["posts/2026/12/st-nicholas-day/index.html"].decode()
    beside = next(
        site[name].decode()
        for name in site
        if name.startswith("posts/2026/12/")
        and name.endswith("/index.html")
        and "st-nicholas-day" not in name
    )
    assert (
        post.split('class="md-nav md-nav--primary"')[1].split("</nav>")[0]
        != (beside.split('class="md-nav md-nav--primary"')[1].split("</nav>")[0])
    )  # the two sidebars do differ, and each is what the theme writes (above)


@pytest.mark.parametrize("partial", ["nav.html", "nav-item.html", "logo.html"])
def test_an_override_of_any_part_of_the_navigation_is_left_alone(
    tmp_path: Path, partial: str
) -> None:
    """A theme override of ``partials/nav.html``, or of a partial it includes, may read
    anything of the page: the sidebar is then rendered into each page as the theme does,
    whatever NAV_KEPT says."""
    root = copy_example(tmp_path / "example")
    overrides = root / "overrides" / "partials"
    overrides.mkdir(parents=True)
    material = importlib.util.find_spec("material")
    assert material is not None and material.origin is not None
    theirs = Path(material.origin).parent / "templates" / "partials" / partial
    text = theirs.read_text("utf-8")
    mark = "<!-- sidebar of {{ page.url }} -->"  # reads the page: differs from page to page
    if partial == "nav-item.html":  # macros only: the mark goes inside the links they write
        assert 'class="md-nav__link">' in text
        text = text.replace('class="md-nav__link">', f'class="md-nav__link">{mark}')
    else:
        text += mark + "\n"
    (overrides / partial).write_text(text, "utf-8")
    config = (root / "mkdocs.yml").read_text("utf-8")
    config = config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    (root / "mkdocs.yml").write_text(config, "utf-8")
    site = _same_site(root, tmp_path)
    post = site["posts/2026/12/st-nicholas-day/index.html"].decode()
    assert "<!-- sidebar of posts/2026/12/st-nicholas-day/ -->" in post
