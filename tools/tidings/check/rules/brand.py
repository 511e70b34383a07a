"""The brand file's own settings: severity overrides must name real check codes."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from tidings.check.codes import CODES, default_severity
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace

CODE = "brand.unknown-rule"


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.brand is None:
        return
    for code in ws.brand.severity_overrides:
        if code in CODES:
            continue
        close = difflib.get_close_matches(code, list(CODES), n=1)
        yield Diagnostic.at(
            ws.brand.source.path,
            ws.brand.source.pos("rules", code, key=True),
            default_severity(CODE),
            CODE,
            f"`rules:` names `{code}`, which is not a check code, so it changes nothing",
            f"did you mean `{close[0]}`?" if close else "run `tidings rules` for the list of codes",
        )
