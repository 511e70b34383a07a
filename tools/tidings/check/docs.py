"""The docs page of check codes (``site/checks.md``), generated from :mod:`tidings.check.codes`.

``tidings rules --format markdown > site/checks.md`` writes it; a test fails when the
committed page and the generated one differ, so the page cannot drift from the code.
"""

from __future__ import annotations

from tidings.check.codes import SECTIONS, Code

INTRO = """\
# What each check means

<!-- Generated from tools/tidings/check/codes.py by `tidings rules --format markdown`; edit that file. -->

`tidings check` reports each finding with its file, line, column, severity and a stable code.
This page lists every code, what it means and how to fix it; `tidings rules` prints the same list.

Severities: **error** blocks the merge and the post is never published; **warning** is worth a look;
**info** is a note. A brand can change any code's severity, or turn it off, in `brand/brand.yaml`:

```yaml
rules:
  date.outside-campaign: error
  post.draft: off
```
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(code: str, info: Code) -> str:
    return f"| `{code}` | {info.severity.value} | {_cell(info.meaning)} | {_cell(info.fix)} |"


def checks_page() -> str:
    """The whole Markdown page, ending with one newline."""
    out = [INTRO]
    for section in SECTIONS:
        out.append(f"## {section.title}\n")
        if section.intro:
            out.append(f"{section.intro}\n")
        out.append("| code | default | meaning | how to fix |\n|---|---|---|---|")
        out.extend(_row(code, info) for code, info in section.codes.items())
        out.append("")
    return "\n".join(out)
