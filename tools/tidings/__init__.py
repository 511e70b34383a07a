"""tidings: social media management as code.

The engine reads a brand's repository (posts, calendars, brand guidelines) into a typed,
immutable :class:`~tidings.workspace.model.Workspace`, checks it, and (in later layers) plans,
renders and publishes it.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
