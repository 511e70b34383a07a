"""`tidings report`"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import click

from tidings.cli.context import Context
from tidings.cli.options import now_option, resolve_now
from tidings.errors import UsageError

DEFAULT_OUT = Path("build/reports")


@click.command("report")
@click.option(
    "--month",
    "month_text",
    metavar="YYYY-MM",
    help="The month to report on (default: the month before --now).",
)
@click.option("--pdf", is_flag=True, help="Also print the report to a PDF with headless Chromium.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (default: build/reports in the workspace).",
)
@now_option
@click.pass_obj
def command(
    obj: Context, month_text: str | None, pdf: bool, out: Path | None, now_text: str | None
) -> None:
    """Write the monthly report: one printable page for the owner or client.

    In the brand's timezone: posts planned, published, missed and failed per channel (from
    the ledger); the top posts by engagement with their text and link; followers and
    engagement per channel against the month before; progress on brand/goals.yaml; inbox
    response times (when inbox/ exists); the campaigns that ran; and what worked (tags,
    post types, times). The numbers are those of `tidings metrics export` for the month.
    Writes report-YYYY-MM.html (styles and charts inside it); --pdf prints it to
    report-YYYY-MM.pdf as well, with the system's Chromium (`pip install 'tidings[pdf]'`).
    The preview site has the same page for every month under Reports.

    \b
    Examples:
      tidings report --month 2027-01
      tidings report --month 2027-01 --pdf --out build/reports
      tidings report --now "2027-02-01 09:00"      the month before: January 2027
    """
    from tidings.metrics.report import Month

    root = obj.root
    month = None
    if month_text is not None:
        try:
            month = Month.parse(month_text)
        except ValueError as exc:
            raise UsageError(
                f"--month: {exc}", "write the month as YYYY-MM, e.g. --month 2027-01"
            ) from None
    if pdf:
        from tidings.site.pdf import require

        require()  # before the work: a missing Playwright or Chromium is said at once

    from tidings.site import collect
    from tidings.site import report_page as r
    from tidings.workspace.loader import Collector, load_brand

    brand = load_brand(root, Collector())
    now = resolve_now(now_text, brand.timezone if brand else UTC)
    data = collect(root, now)
    if month is None:
        month = Month.of(data.local(now).date()).prev
    numbers = r.numbers(data, month, r.read_recorder(data), r.read_inbox(data))
    folder = out if out is not None else root / DEFAULT_OUT
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"report-{month.key}.html"
    html.write_text(r.standalone_html(data, numbers), encoding="utf-8")
    if not numbers.has_data:
        click.secho(
            f"no data for {month.label}: no post planned, no metrics snapshot, no inbox item",
            fg="yellow",
            err=True,
        )
    click.echo(f"wrote {html}")
    if pdf:
        from tidings.site.pdf import print_pdf

        target = html.with_suffix(".pdf")
        print_pdf(html, target)
        click.echo(f"wrote {target}")
