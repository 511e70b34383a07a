"""The preview site: MkDocs + mkdocs-material with pages generated from the workspace.

    data.collect(root, now) -> SiteData      check + plan once; lookups for the builders
    pages.build_pages(data) -> SiteBuild     every generated page (HTML) and file
    plugin.TidingsPlugin                     the MkDocs plugin (entry point ``tidings``)
    build.build_site(root, out, now)         what `tidings site build` runs

Page builders are pure and need no MkDocs; every value from content is escaped by Jinja2's
autoescape, and only http(s) addresses become links (``rel="noopener nofollow"``).
"""

from __future__ import annotations

from tidings.site import extra

extra.require()  # before any builder imports Jinja2 or leather: one message, not a traceback

from tidings.site.data import SiteData, collect  # noqa: E402
from tidings.site.pages import SiteBuild, SiteFile, SitePage, build_pages  # noqa: E402

__all__ = ["SiteBuild", "SiteData", "SiteFile", "SitePage", "build_pages", "collect"]
