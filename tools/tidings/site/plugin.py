"""The tidings MkDocs plugin: adds the generated pages to the hand-written ones.

Thin by design: :func:`tidings.site.data.collect` and :func:`tidings.site.pages.build_pages`
make every page as HTML; here each becomes a ``File.generated`` whose Markdown is only front
matter (an escaped title), and ``on_page_content`` swaps in the prepared HTML, so content
never passes through Markdown (where raw HTML would be live).

    plugins:
      - search
      - tidings:
          root: .          # the workspace (default: the folder of mkdocs.yml)
          now: "2026-12-20 09:00"   # optional: build as if it were then
          jobs: 2      # optional: worker processes (default: one per CPU, at most 8)

With more than one job, post pages are built in forked workers
(:mod:`tidings.site.parallel`), and so is MkDocs' rendering of every page after the second
through the theme when the site's only plugins are ``search`` and ``tidings``: the workers
write the pages and hand back their search index entries, the pages are then skipped by
MkDocs' own loop. The files written are the same, byte for byte, as a serial build's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from tidings.check.docs import checks_page
from tidings.check.runner import CheckResult
from tidings.errors import SiteError, TidingsError
from tidings.site import navcache
from tidings.site.data import collect
from tidings.site.jinja_cache import attach
from tidings.site.pages import SitePage, build_pages
from tidings.site.parallel import ItemFailed, default_jobs, in_spans, parallel_possible
from tidings.site.search import EntryCache, searchable
from tidings.site.templates import environment
from tidings.workspace.layout import find_root
from tidings.workspace.loader import Collector, load_brand
from tidings.workspace.timeparse import TimeProblem, parse_when

log = logging.getLogger("mkdocs.plugins.tidings")

CSS = "assets/tidings/tidings.css"
DASHBOARDS_CSS = "assets/tidings/dashboards.css"
REPORT_CSS = "assets/tidings/report.css"
STYLESHEETS = {CSS: "tidings.css", DASHBOARDS_CSS: "dashboards.css", REPORT_CSS: "report.css"}
ASSETS = Path(__file__).parent / "assets"


class TidingsConfig(Config):  # type: ignore[no-untyped-call]
    root = c.Optional(c.Type(str))
    now = c.Optional(c.Type(str))
    site_url = c.Optional(c.Type(str))
    jobs = c.Optional(c.Type(int))


def front_matter(page: SitePage) -> str:
    """The Markdown MkDocs sees for a generated page: only its title, HTML-escaped because
    themes print ``page.meta.title`` unescaped. JSON strings are valid YAML scalars."""
    meta: dict[str, Any] = {
        "title": str(escape(page.title)),
        "hide": ["navigation", "toc"] if page.wide else ["toc"],
    }
    if not page.search:
        meta["search"] = {"exclude": True}
    return "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in meta.items()) + "---\n"


RENDERED_AHEAD = "tidings/rendered-ahead.html"
"""The (empty) template MkDocs renders for a page a worker already wrote: empty output is
not written."""
NAV_KEPT = True
"""Whether mkdocs-material's navigation is rendered once per folder of pages outside it (see
:mod:`tidings.site.navcache`; the same site either way, which a test compares)."""
PARALLEL_PLUGINS = {"search", "material/search", "tidings"}
"""Plugins whose page events are known to be safe in a worker: the search plugin's entries
are handed back; any other plugin might keep state a worker's copy would lose."""


class _SkippedPages(logging.Filter):
    """Drops MkDocs' "Page skipped" notice for the pages rendered ahead."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: set[str] = set()
        self.failing: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.failing and message.startswith(f"Error building page '{self.failing}'"):
            return False  # the page it was building is not the one that failed
        if not message.startswith("Page skipped: '"):
            return True
        return message.removeprefix("Page skipped: '").split("'", 1)[0] not in self.pages


_skipped = _SkippedPages()
logging.getLogger("mkdocs.commands.build").addFilter(_skipped)


def _render_empty(page: Page) -> None:
    """What :meth:`Page.render` leaves on a page whose Markdown is empty."""
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


def _is_readme(file: File) -> bool:
    """A ``README.md``, which MkDocs writes as its folder's index page."""
    return file.src_uri.rsplit("/", 1)[-1].rsplit(".", 1)[0] == "README"


def _clash_error(
    root: Path, config: MkDocsConfig, clashes: list[tuple[File, File, str]]
) -> SiteError:
    """Which hand-written pages take the address of a generated page (its title given) or
    file (no title), and what to do."""

    def shown(file: File) -> str:
        path = Path(file.abs_src_path or file.src_uri)
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)

    lines = [
        f"{shown(mine)}: this page is written to {mine.dest_uri}, the address of the generated "
        + (f"page {title!r} ({made.src_uri})" if title else f"file {made.dest_uri}")
        + "; one would overwrite the other"
        for mine, made, title in clashes
    ]
    first = shown(clashes[0][0])
    stem, _, suffix = first.rpartition(".")
    fix = f"rename the hand-written page (e.g. {stem}-guide.{suffix})"
    own = Path(config.config_file_path or "")
    if own.name and own.resolve().parent == root.resolve():  # a nav of the brand's own
        fix += f" and its entry in the nav of {own.name}"
    return SiteError("\n".join(lines), fix)


def _search_plugin(config: MkDocsConfig) -> Any:
    """The site's search plugin (None: no search)."""
    return config.plugins.get("material/search") or config.plugins.get("search")


def _search_entries(config: MkDocsConfig) -> Any:
    """The list the site's search plugin keeps its index entries in (None: no search)."""
    return getattr(getattr(_search_plugin(config), "search_index", None), "entries", None)


class TidingsPlugin(BasePlugin[TidingsConfig]):  # type: ignore[no-untyped-call]
    """``plugins: [tidings]`` in mkdocs.yml."""

    # `tidings site serve --now`: MkDocs makes a new plugin for every rebuild, so the pinned
    # moment lives on the class while the server runs
    pinned_now: ClassVar[datetime | None] = None

    def __init__(self) -> None:
        self.now: datetime | None = self.pinned_now  # `tidings site build --now` sets it
        self.pages_built = 0
        self.workers = 1  # the most processes that built pages at once
        self.failure: TidingsError | None = None  # why the build stopped, for build_site
        self.checked: CheckResult | None = None  # `tidings site build` checks first
        self._html: dict[str, str] = {}
        self._full: dict[str, str] = {}  # a page's HTML while the search plugin reads less
        self._workspace: Path | None = None
        self.jobs: int | None = None  # `tidings site build --jobs` sets it
        self._nav: Navigation | None = None
        self._env: jinja2.Environment | None = None
        self._files: Files | None = None
        self._pages_seen = 0
        self._ahead_entries: list[Any] = []  # the search entries of the pages rendered ahead
        self._search_cache: EntryCache | None = None  # entries of pages read before
        # a page's meta while the search plugin skips it
        self._search_meta: dict[str, MutableMapping[str, Any]] = {}
        self._search_new: dict[str, tuple[str, int]] = {}  # a page's key, and its first entry

    def _jobs(self) -> int:
        jobs = self.jobs if self.jobs is not None else self.config.jobs
        return default_jobs() if jobs is None else max(1, jobs)

    def _root(self, config: MkDocsConfig) -> Path:
        base = Path(config.config_file_path or ".").resolve()
        base = base.parent if base.is_file() or base.suffix in {".yml", ".yaml"} else base
        if self.config.root:
            return (base / self.config.root).resolve()
        try:
            return find_root(base)
        except TidingsError as exc:
            raise PluginError(f"tidings plugin: {exc.message}") from None

    def _now(self, root: Path) -> datetime:
        if self.now is not None:
            return self.now
        if not self.config.now:
            return datetime.now(UTC)
        brand = load_brand(root, Collector())  # only for its timezone
        tz = brand.timezone if brand else UTC
        try:
            return parse_when(self.config.now, tz).instant
        except TimeProblem as p:
            raise PluginError(f"tidings plugin: `now`: {p.message}") from None

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        if self._workspace is not None:  # the theme's templates: compiled once, kept
            attach(env, self._workspace)
        if env.loader is not None:
            theme = env.loader
            ours = {RENDERED_AHEAD: ""}
            if NAV_KEPT:  # the sidebar rendered once a folder
                ours |= navcache.install(env, theme)
            env.loader = jinja2.ChoiceLoader(
                [
                    jinja2.DictLoader(ours),
                    jinja2.PrefixLoader({navcache.THEME: theme}, delimiter="/"),
                    theme,
                ]
            )
        self._env, self._files = env, files
        self._pages_seen = 0
        self._ahead_entries = []
        self._search_cache = None
        _skipped.pages.clear()
        _skipped.failing = None
        return env

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self._nav = nav
        return nav

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        for css in STYLESHEETS:
            if css not in config.extra_css:
                config.extra_css.append(css)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        root = self._workspace = self._root(config)
        attach(environment(), root)
        try:
            checked, self.checked = self.checked, None  # once: a rebuild reads the files
            data = collect(root, self._now(root), self.config.site_url, checked)
            site = build_pages(data, config.use_directory_urls, self._jobs())
            self.workers = site.workers
        except TidingsError as exc:
            self.failure = exc
            raise PluginError(f"tidings plugin: {exc}") from None
        written = {f.dest_uri: f for f in files}  # the hand-written pages, by address
        clashes: list[tuple[File, File, str]] = []

        def add(file: File, title: str) -> None:
            """A generated page, unless a hand-written page of another name has its address:
            MkDocs would write both there, the last one kept (which one depends on the
            order workers finish), so the build stops naming both. A ``README.md`` gives
            way to a generated ``index.md``, as MkDocs has it give way to a written one."""
            mine = written.get(file.dest_uri)
            if mine is not None and _is_readme(mine) and file.src_uri.endswith("index.md"):
                log.warning(
                    f"Excluding '{mine.src_uri}' from the site because it conflicts with "
                    f"the generated '{file.src_uri}'."
                )
                files.remove(mine)
                mine = None
            if mine is not None:
                clashes.append((mine, file, title))
            else:
                files.append(file)

        if files.get_file_from_path("audit.md") is None:
            from tidings.site.audit_page import audit_page

            try:
                content = audit_page(root)
            except TidingsError as exc:
                raise PluginError(f"tidings plugin: {exc}") from None
            add(File.generated(config, "audit.md", content=content), "Account audit")
        if files.get_file_from_path("checks.md") is None:  # the page diagnostics link to
            add(File.generated(config, "checks.md", content=checks_page()), "What each check means")
        self._html = {}
        for page in site.pages:
            if files.get_file_from_path(page.src_uri) is not None:
                continue  # a hand-written page of the same name wins
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            add(
                File.generated(
                    config, page.src_uri, content=front_matter(page), inclusion=inclusion
                ),
                page.title,
            )
            self._html[page.src_uri] = page.html
        for item in site.files:
            if files.get_file_from_path(item.dest_uri) is not None:
                continue  # a hand-written file of the same name wins
            if item.source is not None:
                add(File.generated(config, item.dest_uri, abs_src_path=str(item.source)), "")
            elif item.content is not None:
                add(File.generated(config, item.dest_uri, content=item.content), "")
        if clashes:
            self.failure = _clash_error(root, config, clashes)
            raise PluginError(f"tidings plugin: {self.failure}") from None
        for dest, name in STYLESHEETS.items():
            files.append(File.generated(config, dest, abs_src_path=str(ASSETS / name)))
        self.pages_built = len(self._html)
        return files

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """A generated page's Markdown is only its front matter, and ``on_page_content``
        replaces what Markdown would make of it: skip making a Markdown converter with every
        extension for each page (a tenth of a big build) and set what converting the empty
        text would have set."""
        if page.file.src_uri in self._html and not markdown.strip():
            setattr(page, "render", lambda config, files: _render_empty(page))  # noqa: B010
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        return self._html.get(page.file.src_uri, html)

    @event_priority(100)  # before the search plugin (priority 0) reads the page
    def _search_view(
        self, context: dict[str, Any], /, *, page: Page, config: MkDocsConfig, nav: Any
    ) -> None:
        """The search plugin parses ``page.content`` whole; give it only what it indexes.
        On the second page, the pages after it are rendered ahead in workers when they can
        be (after the first, so the theme's templates are loaded once, before the fork)."""
        self._pages_seen += 1
        if self._pages_seen == 2:
            self._render_ahead(page, config)
        src = page.file.src_uri
        if src in _skipped.pages:
            return
        if src in self._html and page.content is not None:
            self._full[src] = page.content
            page.content = searchable(page.content)
            self._entries_kept(page, config)

    def _entries_kept(self, page: Page, config: MkDocsConfig) -> None:
        """Give the search index the entries kept for ``page`` when what it would parse is
        unchanged, and hide the page from the search plugin; else note where its entries
        will start, to keep them (:class:`~tidings.site.search.EntryCache`)."""
        cache = self._open_search_cache(config)
        if cache is None or (page.meta.get("search") or {}).get("exclude"):
            return
        entries = _search_entries(config)
        key = cache.key(page)
        kept = cache.get(key, page.url)
        src = page.file.src_uri
        if kept is None:
            self._search_new[src] = (key, len(entries))
            return
        entries.extend(kept)
        self._search_meta[src] = page.meta
        page.meta = {**page.meta, "search": {"exclude": True}}

    def _open_search_cache(self, config: MkDocsConfig) -> EntryCache | None:
        """The kept search entries, opened once a build (before any worker is forked), when
        the site's search plugin is mkdocs-material's in a plain build."""
        if self._search_cache is None and self._workspace is not None:
            search = _search_plugin(config)
            if _search_entries(config) is not None and not getattr(search, "is_dirty", True):
                self._search_cache = EntryCache.open(self._workspace, search)
        return self._search_cache

    @event_priority(-100)  # after it: the theme renders the full page
    def _full_view(
        self, context: dict[str, Any], /, *, page: Page, config: MkDocsConfig, nav: Any
    ) -> None:
        src = page.file.src_uri
        full = self._full.pop(src, None)
        if full is not None:
            page.content = full
        meta = self._search_meta.pop(src, None)
        if meta is not None:
            page.meta = meta
        new = self._search_new.pop(src, None)
        if new is not None and self._search_cache is not None:
            key, start = new
            self._search_cache.put(key, _search_entries(config)[start:])

    on_page_context = CombinedEvent(_search_view, _full_view)

    def _render_ahead(self, current: Page, config: MkDocsConfig) -> None:
        """MkDocs is building ``current``, the second page: render every page after it
        through the theme in forked workers, which write them as MkDocs would; then MkDocs' own loop
        renders each of those with an empty template, which writes nothing. Only in a
        plain build (no other plugin, not strict, not dirty) from a single-threaded process
        (not under ``mkdocs serve``)."""
        from mkdocs.commands.build import _build_page

        jobs = self._jobs()
        search = _search_plugin(config)
        entries = _search_entries(config)
        nav, env, files = self._nav, self._env, self._files
        if (
            jobs <= 1
            or not parallel_possible()
            or nav is None
            or env is None
            or files is None
            or config.strict
            or set(config.plugins) - PARALLEL_PLUGINS
            or (search is not None and (entries is None or getattr(search, "is_dirty", True)))
        ):
            return
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        if len(doc_files) < 4 or doc_files[1].page is not current:
            return
        self._open_search_cache(config)  # here, so the workers hand back what they parse
        rest: Sequence[File] = doc_files[2:]

        def span(start: int, end: int) -> tuple[list[Any], dict[str, Any]]:
            current.active = False  # a worker's copy: only its own page is the current one
            before = len(entries) if entries is not None else 0
            for file in rest[start:end]:
                assert file.page is not None
                try:
                    _build_page(file.page, config, doc_files, nav, env)
                except Exception as exc:  # reported with the page it happened on
                    raise ItemFailed(file.src_uri, exc) from exc
            cache = self._search_cache
            found = entries[before:] if entries is not None else []
            return found, (cache.found() if cache is not None else {})

        try:
            parts, workers = in_spans(span, len(rest), jobs, "pages")
            for part, kept in parts:
                self._ahead_entries.extend(part)
                if self._search_cache is not None:
                    self._search_cache.merge(kept)
            self.workers = max(self.workers, workers)
        except TidingsError as exc:
            from mkdocs.utils import clean_directory

            clean_directory(config.site_dir)  # no half-written site
            self.failure = exc
            _skipped.failing = current.file.src_uri  # MkDocs blames the page it was building
            raise PluginError(f"tidings plugin: {exc}") from None
        for file in rest:
            page = file.page
            assert page is not None
            page.meta = {**page.meta, "template": RENDERED_AHEAD, "search": {"exclude": True}}
            page.content = ""
            _skipped.pages.add(file.src_uri)

    @event_priority(100)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self._search_cache is not None:
            self._search_cache.save()
            self._search_cache = None
        if self._ahead_entries:
            _search_entries(config).extend(self._ahead_entries)
            self._ahead_entries = []
        _skipped.pages.clear()
