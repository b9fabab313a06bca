"""Shares of people by category, passed through disclosure control before they are shown.

Some report figures (who a service reaches, how scores are spread across bands) are not
sections of a :class:`~peerbench.benchmarking.BenchmarkResult`; they are counted here
and sent through :func:`peerbench.disclosure.apply_disclosure` with the same policy,
so a share never reveals a count the policy would hide. A share is published as a
proportion whose numerator is its count and whose denominator is the column total: small
counts are suppressed, a second cell is hidden when one hidden cell could be worked out
from the total, and the rest are recomputed from rounded counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from peerbench.disclosure import TOTAL, Cell, DisclosurePolicy, Table, apply_disclosure
from peerbench.reports.suppression import SuppressedValue, as_suppressed

Share = float | SuppressedValue


def controlled_shares(
    counts: Mapping[str, int],
    policy: DisclosurePolicy,
    *,
    owner: bool,
    name: str = "shares",
) -> tuple[dict[str, Share], int | SuppressedValue]:
    """Each category's share of the total, after disclosure control.

    Args:
        counts: People per category (categories in display order).
        policy: The disclosure policy in force.
        owner: The viewer owns these figures (true values, flagged only).
        name: Table label (for messages).

    Returns:
        ``(shares, total)``: category → share 0–1 or a suppressed marker, and the
        published total (rounded unless ``owner``).
    """
    total = int(sum(counts.values()))
    cells = [Cell(row=TOTAL, col="n", value=total)]
    for category, count in counts.items():
        cells.append(Cell(row=category, col="n", value=int(count)))
        if total:
            cells.append(
                Cell(
                    row=category,
                    col="share",
                    value=count / total,
                    kind="proportion",
                    n=total,
                    numerator=int(count),
                )
            )
    table = apply_disclosure(Table(name=name, cells=tuple(cells)), policy, viewer_is_owner=owner)
    shares: dict[str, Share] = {}
    for category in counts:
        if not total:
            shares[category] = SuppressedValue("below-min-n")
            continue
        count_cell = table.value(category, "n")
        share = table.value(category, "share")
        marker = as_suppressed(share) or as_suppressed(count_cell)
        shares[category] = marker if marker is not None else float(share)  # type: ignore[arg-type]
    published = table.value(TOTAL, "n")
    total_marker = as_suppressed(published)
    return shares, total_marker if total_marker is not None else int(published)  # type: ignore[arg-type]


def controlled_count(count: int, policy: DisclosurePolicy, *, owner: bool) -> int | SuppressedValue:
    """One count of people after disclosure control (true value for the owner)."""
    table = apply_disclosure(
        Table(name="count", cells=(Cell(row="count", col="n", value=int(count)),)),
        policy,
        viewer_is_owner=owner,
    )
    value = table.value("count", "n")
    marker = as_suppressed(value)
    return marker if marker is not None else int(value)  # type: ignore[arg-type]


def controlled_rate(
    numerator: int, n: int, policy: DisclosurePolicy, *, owner: bool
) -> float | SuppressedValue:
    """``numerator / n`` after disclosure control: hidden below ``min_n`` or for a small
    numerator, otherwise recomputed from rounded counts (unless ``owner``)."""
    if n == 0:
        return SuppressedValue("below-min-n")
    cell = Cell(
        row="rate", col="share", value=numerator / n, kind="proportion", n=n, numerator=numerator
    )
    table = apply_disclosure(Table(name="rate", cells=(cell,)), policy, viewer_is_owner=owner)
    value = table.value("rate", "share")
    marker = as_suppressed(value)
    return marker if marker is not None else float(value)  # type: ignore[arg-type]
