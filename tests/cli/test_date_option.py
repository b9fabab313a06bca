"""The shared ``YYYY-MM-DD`` option callbacks."""

from __future__ import annotations

import datetime as dt

import click
from click.testing import CliRunner

from peerbench.cli.date_option import iso_date, optional_iso_date


@click.command()
@click.option("--start", required=True, callback=iso_date)
@click.option("--end", callback=optional_iso_date)
def _show(start: dt.date, end: dt.date | None) -> None:
    click.echo(f"{start!r} {end!r}")


def test_dates_are_read_and_an_end_may_be_left_out() -> None:
    result = CliRunner().invoke(_show, ["--start", "2025-04-01"])
    assert result.exit_code == 0
    assert result.output.strip() == "datetime.date(2025, 4, 1) None"
    both = CliRunner().invoke(_show, ["--start", "2025-04-01", "--end", "2026-03-31"])
    assert both.output.strip() == "datetime.date(2025, 4, 1) datetime.date(2026, 3, 31)"


def test_a_wrong_date_is_a_usage_error_naming_the_format() -> None:
    result = CliRunner().invoke(_show, ["--start", "01/04/2025"])
    assert result.exit_code == 2
    assert "'01/04/2025' is not a date; use YYYY-MM-DD" in result.output
    late = CliRunner().invoke(_show, ["--start", "2025-04-01", "--end", "2026-02-30"])
    assert late.exit_code == 2
