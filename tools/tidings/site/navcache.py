"""mkdocs-material's navigation sidebar, rendered once per folder of pages outside it.

mkdocs-material renders the whole navigation (``partials/nav.html``) into every page. With
thousands of generated pages (posts, months, campaigns) that was about a sixth of a site
build, and for a page that is not in the navigation it is the same text for every page of
one folder: no item of it is active (MkDocs marks only the page being built and the
sections above it in the navigation, and such a page has none), no item is the page, and
every link in it is written relative to the page, which for a target outside the page's own
address reads the same from any page beside it. So the first such page of a folder renders
it, as the theme does, and the others of that folder take the same text.

A page in the navigation, a page with an active item, and a page with a navigation link
under its own address are rendered as the theme does, each time. Only mkdocs-material's own
``partials/nav.html`` is kept so: a theme override of it, or another theme, may read more of
the page, and is left alone.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from mkdocs.structure.nav import Navigation

NAV = "partials/nav.html"
THEME = "tidings-theme"
"""The prefix under which the theme's own templates are found, for the one replaced here."""
STUB = "{{ tidings_nav() }}"
"""What ``partials/nav.html`` is, once replaced: the kept text, or the theme's own."""


def _items(items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_items(getattr(item, "children", None) or []))
    return out


class NavCache:
    """The navigation's text by folder, for one build (one navigation, one environment)."""

    def __init__(self, nav: Navigation) -> None:
        self.items = _items(list(nav.items))
        self.pages = {id(page) for page in nav.pages}
        urls = [getattr(item, "url", None) for item in self.items]
        if nav.homepage is not None:
            urls.append(nav.homepage.url)
        self.urls = [u for u in urls if isinstance(u, str) and "://" not in u]
        self.kept: dict[tuple[str, str], Markup] = {}

    def key(self, context: jinja2.runtime.Context) -> tuple[str, str] | None:
        """The folder of the page being rendered (with the path to the site's root), when
        the navigation's text is the same for every page of that folder; else None."""
        page = context.get("page")
        url = getattr(page, "url", None)
        base = context.get("base_url")
        if not url or not isinstance(url, str) or not isinstance(base, str):
            return None
        if id(page) in self.pages or any(getattr(i, "active", False) for i in self.items):
            return None
        if any(u.startswith(url) for u in self.urls):  # a link under the page itself
            return None
        return url.rstrip("/").rpartition("/")[0], base

    @jinja2.pass_context
    def render(self, context: jinja2.runtime.Context) -> Markup:
        key = self.key(context)
        kept = self.kept.get(key) if key is not None else None
        if kept is not None:
            return kept
        template = context.environment.get_template(f"{THEME}/{NAV}")
        html = Markup(template.render(context.get_all()))
        if key is not None:
            self.kept[key] = html
        return html


def install(env: jinja2.Environment, theme: jinja2.BaseLoader, nav: Navigation) -> dict[str, str]:
    """What to add to ``env`` (whose templates ``theme`` loads) for the navigation to be
    kept by folder: ``{NAV: STUB}``, with ``tidings_nav`` and the theme's templates under
    :data:`THEME` made available; nothing when ``partials/nav.html`` is not
    mkdocs-material's own."""
    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        return {}
    own = Path(spec.origin).resolve().parent / "templates" / NAV
    try:
        _, filename, _ = theme.get_source(env, NAV)
    except jinja2.TemplateNotFound:
        return {}
    if filename is None or Path(filename).resolve() != own:
        return {}
    env.globals["tidings_nav"] = NavCache(nav).render
    return {NAV: STUB}


__all__ = ["NAV", "THEME", "NavCache", "install"]
