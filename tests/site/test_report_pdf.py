"""`tidings report --pdf` on the example brand, read back as a person would: the PDF's pages
rendered to PNG with pdftoppm, its text with pdftotext (poppler-utils), three of its numbers
recomputed from `tidings metrics export`'s CSV. Printing uses Debian's Chromium (tests/
chromium.py says how to install it); poppler-utils comes from apt too (.ci/run)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.site.report_page import SECTIONS

REPO = Path(__file__).parents[2]
TZ = ZoneInfo("Europe/Berlin")
NOW = "2027-02-03 09:00"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(REPO), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium", pytrace=False)
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install -y poppler-utils", pytrace=False)
    out = tmp_path_factory.mktemp("report")
    code, stdout, stderr = _run(
        "report", "--month", "2027-01", "--pdf", "--out", str(out), "--now", NOW
    )
    assert code == 0, stdout + stderr
    assert f"wrote {out / 'report-2027-01.pdf'}" in stdout
    return out / "report-2027-01.pdf"


def _text(pdf: Path, *flags: str) -> str:
    return subprocess.run(
        ["pdftotext", *flags, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_every_page_renders_and_every_section_is_there(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    for page in pages:
        assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.stat().st_size > 2000
    text = " ".join(_text(pdf).split())
    assert "Lumen & Grain Studio: January 2027" in text
    assert (REPO / "inbox").is_dir()  # the example brand keeps an inbox record
    for _section, heading in SECTIONS:
        assert heading in text, heading
    ran = text[text.index("Campaigns that ran") : text.index("What worked")]
    assert "Weddings" in ran and "Holidays" not in ran  # the campaign that ran (names wrap)


def test_three_numbers_in_the_pdf_equal_the_export(pdf: Path) -> None:
    code, stdout, _ = _run("metrics", "export")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    january = [r for r in rows if r["date"].startswith("2027-01")]
    last_day = max(r["date"] for r in january)
    followers = {r["channel"]: r["followers"] for r in january if r["date"] == last_day}
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for r in january:
        latest[r["post"], r["channel"]] = r

    def engagement(r: dict[str, str]) -> int:
        return sum(int(r[k]) for k in ("likes", "reposts", "replies", "quotes") if r[k])

    def published_in_january(r: dict[str, str]) -> bool:
        at = datetime.fromisoformat(r["published_at"].replace("Z", "+00:00")).astimezone(TZ)
        return (at.year, at.month) == (2027, 1)

    per_channel: dict[str, int] = defaultdict(int)
    for r in latest.values():
        if published_in_january(r):
            per_channel[r["channel"]] += engagement(r)
    top = max(engagement(r) for r in latest.values() if published_in_january(r))

    layout = _text(pdf, "-layout")
    for channel in ("mastodon", "bluesky"):
        # channel, followers, change, posts, engagement: one row of the channels table
        row = re.search(rf"^\s*{channel}\s+(\S+)\s+[+\-–]\S*\s+\d+\s+(\S+)\s", layout, re.M)
        assert row is not None, layout
        assert row[1] == f"{int(followers[channel]):,}"
        assert row[2] == f"{per_channel[channel]:,}"
    first = re.search(r"^\s*1\s+.*?\s(mastodon|bluesky)\s+(\d+)\s", layout, re.M)
    assert first is not None and int(first[2]) == top


def test_a_month_without_data_says_so(tmp_path: Path) -> None:
    code, stdout, stderr = _run(
        "report", "--month", "2030-05", "--out", str(tmp_path), "--now", NOW
    )
    assert code == 0, stderr
    assert "no data for May 2030" in stderr
    html = (tmp_path / "report-2030-05.html").read_text(encoding="utf-8")
    assert "No data for May 2030." in html
    assert "Traceback" not in stdout + stderr


@pytest.mark.parametrize("month", ["2027-13", "january", "2027-1", "27-01"])
def test_a_bad_month_gets_a_clear_message(month: str, tmp_path: Path) -> None:
    code, stdout, stderr = _run("report", "--month", month, "--out", str(tmp_path))
    assert code != 0
    assert f"--month: '{month}' is not a month written YYYY-MM, like 2027-01" in stderr
    assert "Traceback" not in stdout + stderr
    assert not list(tmp_path.iterdir())


def test_a_missing_browser_is_named_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_CHROMIUM", str(tmp_path / "no-chromium"))
    code, stdout, stderr = _run(
        "report", "--month", "2027-01", "--pdf", "--out", str(tmp_path / "o")
    )
    assert code != 0
    assert "TIDINGS_CHROMIUM=" in stderr and "apt-get install -y chromium" in stderr
    assert "Traceback" not in stdout + stderr
    assert not (tmp_path / "o").exists()


def test_the_pdf_prints_inside_a_running_event_loop(tmp_path: Path) -> None:
    """Playwright's sync API refuses to start where an asyncio loop runs (a notebook, a
    browser session the caller already holds, as the browser tests do); printing must still
    work there."""
    import asyncio
    import threading

    from tidings.site.pdf import print_pdf

    html = tmp_path / "page.html"
    html.write_text("<!doctype html><title>t</title><h1>Monthly report</h1>", encoding="utf-8")

    async def inside() -> None:
        print_pdf(html, tmp_path / "page.pdf")  # called, as a sync function, from the loop

    failures: list[BaseException] = []

    def scenario() -> None:  # a thread of its own: the suite's browser session may hold
        try:  # this thread's loop already, and asyncio.run needs none running
            asyncio.run(inside())
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=scenario)
    thread.start()
    thread.join()
    assert not failures, failures
    assert (tmp_path / "page.pdf").read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "page.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Monthly report" in text
