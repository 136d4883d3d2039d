"""Reading figures out of finished tables for the narratives (one home for the domain
notebooks' narratives and charts)."""

from __future__ import annotations

from asylstat.dataflows.dimensions import margin_code
from asylstat.tables import Table


def values_by_period(table: Table | None, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (every other dimension at its
    margin); empty when the run did not make the table (``None``) or the cell is zero."""
    if table is None:
        return {}
    frame = table.data
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}
