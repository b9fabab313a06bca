"""Build the data-quality report's inputs from loaded report data."""

from __future__ import annotations

from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.quality import QualityInputs
from peerbench.reports.builders.quality_data import member_coverage, quality_by_year
from peerbench.validators.gx_runner import SuiteRunner
from peerbench.validators.quality import quality_profile


def quality_inputs(data: ReportData, subject: str | None = None) -> QualityInputs:
    """Profiles of the whole submission (or network), by year and by member.

    A folder holding one organisation's data is its own submission, so its report is the
    owner view (true counts); a pool of several members is reported like any public figure.

    Args:
        data: Loaded report data.
        subject: Whose data it is (default: the organisation's name, or the network's).
    """
    names = data.organisation_names
    owner = len(names) == 1
    subject = subject or (next(iter(names.values())) if owner else data.network_name)
    recorded = data.recorded_quality
    if recorded is not None:  # a pooled store: figures recorded at ingest, summed
        return QualityInputs(
            subject=subject,
            as_of=data.as_of,
            produced_on=data.produced_on,
            profile=recorded.profile,
            years=recorded.periods(data.as_of),
            members=[] if owner else recorded.members,
            member_names=names,
            validation=recorded.validation,
            policy=data.policy,
            owner=owner,
            left_out=data.raw.data_quality,
        )
    runner = SuiteRunner()
    return QualityInputs(
        subject=subject,
        as_of=data.as_of,
        produced_on=data.produced_on,
        profile=quality_profile(data.tables, runner=runner, report=data.validation),
        years=quality_by_year(data.tables, data.as_of, runner),
        members=[] if owner else member_coverage(data.tables),
        member_names=names,
        validation=data.validation,
        policy=data.policy,
        owner=owner,
        left_out=data.raw.data_quality,
    )
