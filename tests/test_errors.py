"""The error tree drawn in tidings.errors' docstring is the whole tree, and true."""

from __future__ import annotations

import importlib
import pkgutil
import re

import tidings
from tidings import errors
from tidings.errors import TidingsError

_BRANCH = re.compile(r"^(?P<indent>[\s│]*)(?:[├└]── )?(?P<name>[A-Z]\w+)\s")


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def _drawn_tree() -> dict[str, str | None]:
    """Each class named in the docstring's drawing → the class it hangs under."""
    lines = (errors.__doc__ or "").split("\n\n")[1].splitlines()
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name)
    for line in lines:
        match = _BRANCH.match(line)
        if not match or ("──" not in line and stack):  # the root, then branches only
            continue
        column = match.start("name")
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[match.group("name")] = stack[-1][1] if stack else None
        stack.append((column, match.group("name")))
    return parents


def test_every_tidings_error_is_defined_in_errors_and_drawn_in_its_tree() -> None:
    for module in pkgutil.walk_packages(tidings.__path__, "tidings."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(module.name)
    classes = _all_subclasses(TidingsError) | {TidingsError}
    drawn = _drawn_tree()
    for cls in classes:
        assert cls.__module__ == "tidings.errors", f"{cls.__name__} belongs in tidings/errors.py"
        assert cls.__name__ in drawn, f"{cls.__name__} is missing from errors.py's tree"
        parent = cls.__mro__[1].__name__ if cls is not TidingsError else None
        assert drawn[cls.__name__] == parent, f"{cls.__name__} is drawn under the wrong parent"
    assert set(drawn) == {cls.__name__ for cls in classes}, "the tree names a class that is gone"
