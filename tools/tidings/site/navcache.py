"""mkdocs-material's navigation sidebar, rendered once per folder of pages outside it.

mkdocs-material renders the whole navigation (``partials/nav.html``) into every page. With
thousands of generated pages (posts, months, campaigns) that was about a sixth of a site
build, and for a page that is not in the navigation it is the same text for every page of
one folder: no item of it is active (MkDocs marks only the page being built and the
sections above it in the navigation, and such a page has none), no item is the page, and
the page enters it only through MkDocs' ``url`` filter, which writes each link relative to
the page. So the text is kept under the page's folder, its path to the site's root, and
every link the sidebar writes (each navigation item's address, the home page's, the
logo's) as the filter writes it for this page: a page whose links read differently from
those of the pages beside it (a link to an address under its own) gets a text of its own.

A page in the navigation, or with an active item, is rendered as the theme does, each time.
Only mkdocs-material's own templates are kept so: when ``partials/nav.html`` or a partial it
includes comes from elsewhere (a theme override may read more of the page), nothing is
kept.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from mkdocs.utils import normalize_url

NAV = "partials/nav.html"
PARTS = (
    NAV,
    "partials/nav-item.html",
    "partials/logo.html",
    "partials/source.html",
    "partials/toc.html",
    "partials/toc-item.html",
)
"""The sidebar's templates: every one must be mkdocs-material's own for its text to be kept."""
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


class _Facts:
    """What the key needs of one navigation: its items, pages, and the addresses the
    sidebar writes through the ``url`` filter."""

    def __init__(self, nav: Any, config: Any) -> None:
        self.items = _items(list(getattr(nav, "items", None) or []))
        self.pages = {id(page) for page in getattr(nav, "pages", None) or []}
        homepage = getattr(nav, "homepage", None)
        extra = getattr(config, "extra", None) or {}
        theme = getattr(config, "theme", None)
        linked = [getattr(item, "url", None) for item in self.items]
        linked += [
            getattr(homepage, "url", None),
            extra.get("homepage") if hasattr(extra, "get") else None,
            theme.get("logo") if theme is not None and hasattr(theme, "get") else None,
        ]
        self.linked = [str(u) for u in linked if u is not None]


class NavCache:
    """The sidebar's text by key (see :meth:`key`), for one build."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, ...], Markup] = {}
        self._facts: tuple[int, _Facts] | None = None

    def _of(self, nav: Any, config: Any) -> _Facts:
        if self._facts is None or self._facts[0] != id(nav):
            self._facts = (id(nav), _Facts(nav, config))
        return self._facts[1]

    def key(self, context: jinja2.runtime.Context) -> tuple[str, ...] | None:
        """The page's folder, its path to the site's root and every link of the sidebar as
        written from it, when no item is the page or active; else None."""
        page, nav = context.get("page"), context.get("nav")
        url, base = getattr(page, "url", None), context.get("base_url")
        if not url or not isinstance(url, str) or not isinstance(base, str) or nav is None:
            return None
        facts = self._of(nav, context.get("config"))
        if id(page) in facts.pages or any(getattr(i, "active", False) for i in facts.items):
            return None
        links = tuple(normalize_url(link, page=page, base=base) for link in facts.linked)
        return (url.rstrip("/").rpartition("/")[0], base, *links)

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


def install(env: jinja2.Environment, theme: jinja2.BaseLoader) -> dict[str, str]:
    """What to add to ``env`` (whose templates ``theme`` loads) for the sidebar to be kept
    by folder: ``{NAV: STUB}``, with ``tidings_nav`` and the theme's templates under
    :data:`THEME` made available; nothing unless every template of the sidebar
    (:data:`PARTS`) is mkdocs-material's own."""
    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        return {}
    own = Path(spec.origin).resolve().parent / "templates"
    for name in PARTS:
        try:
            _, filename, _ = theme.get_source(env, name)
        except jinja2.TemplateNotFound:
            return {}
        if filename is None or Path(filename).resolve() != own / name:
            return {}
    env.globals["tidings_nav"] = NavCache().render
    return {NAV: STUB}


__all__ = ["NAV", "PARTS", "THEME", "NavCache", "install"]
