"""Loading report inputs (:mod:`peerbench.reports.builders.inputs`), and the small shared
dataset the other builder tests use (built once per process: loading takes seconds)."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

from peerbench.reports.builders import ReportData, load_report_data
from peerbench.reports.builders.inputs import standard_files
from peerbench.synth import SynthConfig, generate, write_dataset

SMALL = SynthConfig(organisations=4, outcome_rows=6000)
"""Four organisations, nine services: every report kind has something to show."""


@functools.cache
def small_folder() -> Path:
    """The small synthetic dataset as a folder of standard Parquet files."""
    folder = Path(tempfile.mkdtemp(prefix="peerbench-report-tests-")) / "data"
    write_dataset(generate(SMALL), folder)
    return folder


@functools.cache
def small_data() -> ReportData:
    """The small dataset loaded for the builders."""
    return load_report_data(small_folder(), network_name="the test network")


def test_as_of_comes_from_the_manifest() -> None:
    assert small_data().as_of == SMALL.as_of == dt.date(2026, 9, 30)


def test_every_standard_file_is_validated() -> None:
    data = small_data()
    assert data.validation.valid
    assert {p.stem for p in standard_files(small_folder())} >= {"outcomes", "feedback"}
    assert set(data.tables) >= {"organisation", "service", "participant", "outcome", "feedback"}


def test_the_raw_result_is_not_controlled() -> None:
    # Builders must control it themselves; a raw result carries no disclosure info.
    assert small_data().raw.disclosure is None


def test_policy_defaults_to_nhs_digital() -> None:
    assert small_data().policy.name == "nhs-digital-2018"
