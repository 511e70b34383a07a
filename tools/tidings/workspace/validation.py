"""JSON Schema validation with messages people can act on.

The schemas in ``schemas/`` (shipped inside the package) are the single definition of each
file format. Validation errors become diagnostics at the offending key or value, with
"did you mean" for misspelt keys and values, and never echo a value that could be a secret.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a file is invalid (it is slow to import)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from tidings.diagnostics import Diagnostic, Pos, Severity
from tidings.workspace.yamlsource import Path, YamlDoc

KINDS = (
    "workspace",
    "brand",
    "channels",
    "post",
    "reply",
    "replies",
    "calendar",
    "idea",
    "goals",
    "competitors",
    "ledger",
    "metrics",
    "inbox",
    "listening",
    "triage",
    "audit",
)

_TYPE_WORDS = {
    "object": "a mapping of `key: value` lines",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}
_SECRET_HINTS = ("credential", "token", "password", "secret")


@cache
def load_schema(kind: str) -> dict[str, Any]:
    text = resources.files("tidings").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(kind))


@cache
def fast_validator(kind: str) -> Any:
    """A compiled validator (fastjsonschema) used only to say "valid" quickly.

    Our schemas use no keyword newer than draft 7 except ``$defs`` (plain JSON pointers),
    so the draft-7 compiler accepts them; defaults and formats are off so it neither
    changes the data nor refuses what jsonschema accepts. When it says "invalid",
    jsonschema finds and explains the errors; a test checks the two agree.

    Its exceptions carry no detail (``detailed_exceptions=False``): nothing reads them, and
    the detailed ones write each rule's whole schema into the code as a literal: the code of
    every kind was 3–5 times longer, and generating and compiling all of them took 0.42 s
    instead of 0.13 s (2 CPUs), paid by every run that parses a file of those kinds.
    """
    import fastjsonschema  # here: a check that parses no file never needs it

    # _for_fast() builds a new tree: compile() rewrites $refs in place, not in the cached one
    schema = dict(_for_fast(load_schema(kind)), **{"$schema": _DRAFT_7})
    code = fastjsonschema.compile_to_code(
        schema, use_default=False, use_formats=False, detailed_exceptions=False
    )
    return _without_cycles(code)


_DRAFT_7 = "http://json-schema.org/draft-07/schema#"
_NAMES = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependencies", "dependentSchemas"}
)
"""Keywords whose value maps names (not keywords) to schemas."""
_DATA = frozenset({"const", "enum", "default", "examples"})
"""Keywords whose value is data, never a schema."""


def _for_fast(schema: Any, names: bool = False) -> Any:
    """A copy of ``schema`` for fastjsonschema, each ``const: X`` written ``enum: [X]``.

    The two mean the same (JSON Schema defines ``const`` as a one-value ``enum``), and
    fastjsonschema tests both with the same comparison; but its code for ``const`` without
    detailed exceptions does not build (fastjsonschema 2.22: ``KeyError: 'definition_rule'``).
    A schema with both keeps its ``enum`` and gets the ``const`` as one more ``allOf``."""
    if isinstance(schema, list):
        return [_for_fast(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if names:
        return {name: _for_fast(value) for name, value in schema.items()}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DATA:
            out[key] = copy.deepcopy(value)
        else:
            out[key] = _for_fast(value, names=key in _NAMES)
    if "const" in out:
        const = [out.pop("const")]
        if "enum" in out:
            out["allOf"] = [*out.get("allOf", []), {"enum": const}]
        else:
            out["enum"] = const
    return out


_NESTED_FN = re.compile(r"^(\s+)def fn\(var\): (.*)$")
_FIRST_FUNCTION = re.compile(r"^def (\w+)\(", re.M)
_FORMAT_LOCALS = re.compile(r'"((?:[^"\\]|\\.)*)"\.format\(\*\*locals\(\)\)')


def _without_cycles(code: str) -> Any:
    """The validator of fastjsonschema's ``code``, with its ``uniqueItems`` helper moved out.

    fastjsonschema checks ``uniqueItems`` with a recursive helper defined inside the
    validator: a function that refers to itself, a reference cycle made anew for each file
    validated. The loader runs with the garbage collector off and freezes what it made, so
    each cycle would stay as long as the process (about 200 bytes a post). The same helper
    defined once beside the validator makes none; the checks are the same.

    Its code also names each list item it checks, for the message of a refusal, as
    ``".tags[{data__tags_x}]".format(**locals())``: a dictionary of every local made for each
    item. Written as the same f-string it names the same item from the same variable, and
    validating 10,000 posts took 0.14–0.21 s instead of 0.28–0.38 s."""
    code = _FORMAT_LOCALS.sub(r'f"\1"', code)
    lines = code.splitlines()
    body = None
    for i, line in enumerate(lines):
        found = _NESTED_FN.match(line)
        if found:
            lines[i] = f"{found.group(1)}pass"
            body = found.group(2)
    if body is not None:
        lines.append(f"def fn(var): {body}")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # what fastjsonschema.compile runs, from our schemas
    root = _FIRST_FUNCTION.search(code)
    assert root is not None
    return namespace[root.group(1)]


def is_valid(kind: str, data: Any) -> bool:
    """Whether ``data`` meets the ``kind`` schema (the fast validator alone: no messages)."""
    check = fast_validator(kind)
    from fastjsonschema import JsonSchemaValueException  # loaded by fast_validator

    try:
        check(data)
    except JsonSchemaValueException:
        return False
    return True


def validate(kind: str, doc: YamlDoc, path: str) -> list[Diagnostic]:
    """All schema problems of ``doc`` as diagnostics (empty when valid)."""
    data = {} if doc.data is None else doc.data
    out: list[Diagnostic] = []
    if not is_valid(kind, data):
        for error in validator(kind).iter_errors(data):
            out.extend(_explain(error, doc, path))
    for dup in doc.duplicates:
        out.append(
            Diagnostic.at(
                path,
                dup.pos,
                Severity.ERROR,
                "yaml.duplicate-key",
                f"`{dup.key}` is written twice in the same block (first at line {dup.first.line})",
                "keep one of them; YAML would silently use the last one",
            )
        )
    return out


def _field(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"


def _words(schema_type: object) -> str:
    if isinstance(schema_type, list):
        return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in schema_type)
    return _TYPE_WORDS.get(str(schema_type), str(schema_type))


def _got(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing"
    return "text"


def _show(value: object, path: Path) -> str:
    """A short rendering of a value, or a placeholder where it might be a secret."""
    if any(h in str(p).lower() for p in path for h in _SECRET_HINTS):
        return "this value"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _close(word: str, options: list[str]) -> str | None:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None


def _explain(error: ValidationError, doc: YamlDoc, file: str) -> Iterator[Diagnostic]:
    if error.context:
        from jsonschema.exceptions import best_match

        error = best_match(error.context)
    path: Path = tuple(error.absolute_path)
    name = _field(path)
    kind = error.validator
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    where = doc.pos(path)

    def diag(pos: Pos, message: str, suggestion: str | None = None) -> Diagnostic:
        return Diagnostic.at(file, pos, Severity.ERROR, "schema", message, suggestion)

    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        hint = schema.get("x-hint", "lower-case letters, digits and '-'")
        yield diag(
            doc.pos((*path, key), key=True), f"`{key}` is not a valid name in {name}", f"use {hint}"
        )
    elif kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            if key in known:
                continue
            close = _close(str(key), known)
            where_key = doc.pos((*path, key), key=True)
            context = f" in {name}" if path else ""
            suggestion = (
                f"did you mean `{close}`?" if close else f"known fields: {', '.join(known)}"
            )
            yield diag(where_key, f"unknown field `{key}`{context}", suggestion)
    elif kind == "required":
        present: Any = error.instance if isinstance(error.instance, dict) else {}
        missing = [r for r in value if r not in present]
        props = schema.get("properties", {})
        for field_name in missing:
            desc = props.get(field_name, {}).get("description")
            subject = f"{name} is missing" if path else "Missing"
            yield diag(
                where,
                f"{subject} the required field `{field_name}`",
                f"add `{field_name}:` ({desc})" if desc else f"add `{field_name}:`",
            )
    elif kind == "type":
        yield diag(
            where,
            f"{name} must be {_words(error.validator_value)}, not {_got(error.instance)}",
            schema.get("x-hint") and f"write {schema['x-hint']}",
        )
    elif kind == "enum":
        options = [str(o) for o in value]
        close = _close(str(error.instance), options)
        suggestion = f"did you mean `{close}`?" if close else f"use one of: {', '.join(options)}"
        yield diag(where, f"{name} cannot be {_show(error.instance, path)}", suggestion)
    elif kind == "const":
        yield diag(where, f"{name} must be {error.validator_value!r}")
    elif kind == "pattern":
        hint = schema.get("x-hint", f"text matching {error.validator_value}")
        yield diag(where, f"{name} is not {hint}: {_show(error.instance, path)}", f"write {hint}")
    elif kind in {"minItems", "minProperties"}:
        yield diag(where, f"{name} must not be empty", schema.get("description"))
    elif kind == "uniqueItems":
        yield diag(where, f"{name} lists the same value twice", "remove the repeated value")
    else:
        message = error.message if not any(h in name.lower() for h in _SECRET_HINTS) else kind
        yield diag(where, f"{name}: {message}", schema.get("description"))
