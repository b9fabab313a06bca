"""Extended-tier service use."""

from __future__ import annotations

import pyarrow.compute as pc

from peerbench.synth import SyntheticDataset


def test_service_use_is_collected_by_some_services(medium: SyntheticDataset) -> None:
    use = medium["service_use"]
    services = set(use.column("service_id").to_pylist())
    share = len(services) / medium["service"].num_rows
    assert 0.1 < share < 0.6
    assert set(use.column("timepoint").to_pylist()) == {"baseline", "month_6"}
    assert set(use.column("recall_period_months").to_pylist()) == {3}


def test_use_falls_modestly_by_month_6(medium: SyntheticDataset) -> None:
    use = medium["service_use"]
    means = {}
    for tp in ("baseline", "month_6"):
        rows = use.filter(pc.equal(use.column("timepoint"), tp))
        means[tp] = pc.mean(rows.column("gp_appointments")).as_py()
    assert 0.6 * means["baseline"] < means["month_6"] < means["baseline"]


def test_counts_are_overdispersed(medium: SyntheticDataset) -> None:
    gp = pc.drop_null(medium["service_use"].column("gp_appointments")).to_numpy()
    assert gp.var() > 1.5 * gp.mean()
