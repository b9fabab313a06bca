"""The network report's recovery table: NHS Talking Therapies joint recovery beside the
per-questionnaire rates, from the controlled result."""

from __future__ import annotations

from typing import Any

from peerbench.benchmarking import PooledOutcomeRow, controlled
from peerbench.benchmarking.joint import TALKING_THERAPIES
from peerbench.disclosure import DisclosurePolicy
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.network import build_network_report
from peerbench.reports.builders.network_recovery import recovery_section
from peerbench.reports.content import Table
from peerbench.reports.suppression import SuppressedValue
from tests.reports.test_reports_builders_data import small_data


def _first_row(policy: DisclosurePolicy) -> tuple[list[Any], PooledOutcomeRow]:
    public = controlled(small_data().raw, policy)
    section = recovery_section(public)
    assert section is not None
    (table,) = section.blocks
    assert isinstance(table, Table)
    names = [str(row[0]) for row in table.rows]
    assert names[0].endswith("as NHS Talking Therapies counts it")
    assert names[1:] == ["Low mood alone (PHQ-9)", "Anxiety alone (GAD-7)"]
    timepoint = select.headline_timepoint(public, TALKING_THERAPIES)
    joint = select.pooled(public, TALKING_THERAPIES, timepoint)
    assert joint is not None
    return list(table.rows[0]), joint


def test_joint_recovery_sits_beside_each_questionnaire() -> None:
    first, joint = _first_row(DisclosurePolicy(small_count_max=1))
    assert joint.recovery_rate is not None and joint.n_paired is not None
    assert first[1] == joint.n_paired and first[2] == joint.n_case_baseline
    assert joint.n_paired % 5 == 0  # a published (rounded) count
    assert str(first[3]).startswith(fmt.percent(joint.recovery_rate) + " (95% CI")
    data = small_data()
    assert "Recovery from low mood and anxiety" in [
        s.title for s in build_network_report(data).sections
    ]


def test_a_hidden_joint_recovery_is_marked_not_blank() -> None:
    first, joint = _first_row(DisclosurePolicy())
    # The small pool's few recovered people are hidden: the cell says so.
    assert joint.recovery_rate is None
    assert first[3] == SuppressedValue(joint.suppressed["recovery_rate"])


def test_no_section_without_joint_rows() -> None:
    data = small_data()
    public = controlled(data.raw, data.policy)
    stripped = public.replace(
        pooled=tuple(r for r in public.pooled if r.instrument != TALKING_THERAPIES)
    )
    assert recovery_section(stripped) is None
