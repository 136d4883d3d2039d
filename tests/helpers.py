"""Reading cells of a finished table in tests."""

from __future__ import annotations

from asylstat.tables import Table

TOTALS = {"sex": "T"}


def cell(table: Table, period: str, **fixed: str) -> int:
    """The value of one cell (0 when absent); unnamed dimensions at their total."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, TOTALS.get(dim, "TOTAL"))]
    assert len(frame) <= 1, f"{table.name}: several rows for one cell {fixed}"
    return int(frame["OBS_VALUE"].iloc[0]) if len(frame) else 0


def codes(table: Table, dim: str, period: str | None = None) -> set[str]:
    frame = table.data if period is None else table.data[table.data["TIME_PERIOD"] == period]
    return set(frame[dim])
