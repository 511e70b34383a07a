"""The ``site`` extra: the packages the preview site needs beyond the engine's runtime, and
the one message given where they are not installed.

The jobs that hold the platforms' secrets (publish, metrics) install the runtime only
(``requirements/publish.txt``), so MkDocs, mkdocs-material, Jinja2 and leather are not
there. ``tidings.site`` asks for them first, before any page builder imports one: `tidings
site build`/`serve` then end with a clear message (exit 2), and MkDocs loading the plugin
with a plugin error, never a traceback.
"""

from __future__ import annotations

import importlib.util
import sys

from tidings.errors import UsageError

# import name -> distribution, as `pip` names it
MODULES = {
    "mkdocs": "mkdocs",
    "material": "mkdocs-material",
    "jinja2": "Jinja2",
    "markupsafe": "MarkupSafe",
    "leather": "leather",
}
HINT = (
    "install the site extra: pip install 'tidings[site]' "
    "(in a checkout: pip install --require-hashes -r requirements/site.txt)"
)


def missing() -> list[str]:
    """The distributions of the site stack that cannot be imported here."""
    absent = []
    for module, distribution in MODULES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            absent.append(distribution)
    return absent


def require() -> None:
    """Return when the site stack is installed; else raise the one message naming what is
    missing: a MkDocs ``PluginError`` when MkDocs is loading the plugin, else a
    ``UsageError`` (exit 2)."""
    absent = missing()
    if not absent:
        return
    message = f"the preview site needs the `site` extra; not installed: {', '.join(absent)}"
    if "mkdocs" in sys.modules and "mkdocs" not in absent:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{message}\n  → {HINT}")
    raise UsageError(message, HINT)
