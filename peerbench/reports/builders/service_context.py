"""The context every section of a service report is built from."""

from __future__ import annotations

from peerbench.benchmarking import BenchmarkResult
from peerbench.reports.builders import select
from peerbench.reports.builders.cache import controlled_view
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.suppression import SuppressionWording

MEASURES_SHOWN = 4
OWN = "This service"
ALL = "All services"


class ServiceContext:
    """What every section of one service report needs (see :func:`build_service_report`)."""

    def __init__(self, data: ReportData, service_id: str, owner: bool) -> None:
        self.data = data
        self.service_id = service_id
        self.owner = owner
        self.organisation_id = data.organisation_of(service_id)
        self.result: BenchmarkResult = controlled_view(
            data, self.organisation_id if owner else None
        )
        self.info = select.service(self.result, service_id)
        self.name = select.service_name(self.result, service_id)
        self.wording = SuppressionWording.from_policy(data.policy)
        self.measures = select.instruments_by_evidence(self.result, service_id)
        self.headline = self.measures[0] if self.measures else None
        self.reach = select.first(self.result.reach, service_id=service_id)
