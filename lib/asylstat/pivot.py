"""A table as a statistician reads it: periods as columns, the main breakdown as rows.

The pivot never adds anything up: every figure it shows is a cell of the table as made by the
cube builder. A margin (``TOTAL``, ``T``, a sub-total such as ``Y_LT18``) is shown only where
the table holds it, that is where its dimension declares one; a *stratum* (a dimension whose
``total`` is ``None``: NAT_STOCK_FLOW's measures, a duration table's ``stat``) has none, so
its values are shown side by side and never summed (issue 15: the old summary added the stock
at the start to the flows, and the number of persons to their median).

Which cells are shown (:func:`pivot`):

- rows: the main breakdown (the declaration's first dimension, unless asked otherwise), then
  every other stratum (a stratum cannot be fixed at a total it does not have);
- every other dimension is fixed at its margin code: the pivot shows the totals over it;
- columns: the periods the run made the table for, months first, then the quarter or year
  (so that a period the run did not make is not shown as a column of zeros);
- rows in the dimension's reading order (a stock, then its flows: ``Dimension.reading_order``)
  or else in code order (plain ASCII, as the transmission files), the margin codes last: the
  sub-totals, then the total.

A cell absent from a table of counts is zero (statistics.md, "Cells"); a measure (days, a
rate) absent from a table is *not available* (no unit to take it from) and is shown empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from asylstat.declaration import DimensionLike
from asylstat.periods import Period
from asylstat.tables import Table

#: what a table's unit means, for the header of its pivot (the codes of tables.Table.unit)
UNIT_LABELS = {"PER": "persons", "NR": "events", "APP": "applications", "DAYS": "whole days",
               "PCT1": "tenths of a percent"}
#: the order of period frequencies in the columns: months, then the quarter, then the year
_FREQ_ORDER = {"M": 0, "Q": 1, "A": 2}


@dataclass(frozen=True)
class _Row:
    """The one row of a table without dimensions."""

    name: str = "table"
    total: str | None = None


_ONE_ROW = _Row()


@dataclass(frozen=True)
class Pivot:
    """A table's pivot and what a reader needs to read it."""

    table: str
    #: rows indexed by the row dimensions' codes, one column per period
    frame: pd.DataFrame
    unit: str
    #: the dimensions fixed at their margin: name → margin code
    fixed: tuple[tuple[str, str], ...]
    #: the row dimensions that are strata: shown side by side, never summed
    strata: tuple[str, ...]
    #: the row dimension whose margin is not the sum of its rows (``applicant``: a person
    #: may be neither first-time nor subsequent), if any
    not_additive: tuple[str, ...] = ()

    @property
    def unit_label(self) -> str:
        return f"{self.unit} ({UNIT_LABELS.get(self.unit, 'see the definition')})"

    def notes(self) -> list[str]:
        """The sentences under the pivot's title: unit, fixed breakdowns, what is not a sum."""
        out = [f"Unit: {self.unit_label}."]
        if self.fixed:
            out.append("Other breakdowns at their total: "
                       + ", ".join(f"{d} = {c}" for d, c in self.fixed) + ".")
        if self.strata:
            out.append(f"{', '.join(self.strata)}: separate counts side by side, never "
                       "added up (no total).")
        for dim in self.not_additive:
            out.append(f"{dim}: the total counts every unit once and is not the sum of the "
                       "rows above it.")
        return out


def period_order(periods: Sequence[Period]) -> list[str]:
    """Period labels in reading order: months first, then quarters, then years, each by date."""
    ordered = sorted(set(periods), key=lambda p: (_FREQ_ORDER[p.freq], p.year, p.index))
    return [p.label for p in ordered]


def _code_order(codes: Sequence[str], dim: DimensionLike, margins: frozenset[str]
                ) -> list[str]:
    """Base codes in the dimension's reading order (``Dimension.reading_order``; the others in
    ASCII order after them), then the sub-totals, then the dimension's total."""
    total = dim.total
    first = {code: n for n, code in enumerate(getattr(dim, "reading_order", ()))}
    base = sorted((c for c in codes if c not in margins),
                  key=lambda c: (first.get(c, len(first)), c.encode()))
    subtotals = sorted((c for c in codes if c in margins and c != total),
                       key=lambda c: c.encode())
    return [*base, *subtotals, *([total] if total in codes else [])]


def pivot(table: Table, dimensions: Sequence[DimensionLike], periods: Sequence[Period],
          rows: str | None = None) -> Pivot:
    """The pivot of ``table`` (see the module docstring). ``dimensions`` are the table's
    declared dimensions (``spec.dimensions``), ``periods`` those the run made it for, ``rows``
    the main breakdown (default: the first dimension)."""
    if not dimensions:  # a table of one figure per period: one row, named after the table
        data = table.data.assign(table=table.name)
        dimensions = (_ONE_ROW,)
    else:
        data = table.data
    by_name = {d.name: d for d in dimensions}
    main = rows or dimensions[0].name
    if main not in by_name:
        raise KeyError(f"{table.name} has no dimension {main!r}: "
                       f"{', '.join(by_name)}")
    row_dims = [main, *(d.name for d in dimensions if d.total is None and d.name != main)]
    fixed = tuple((d.name, d.total) for d in dimensions
                  if d.name not in row_dims and d.total is not None)
    for name, code in fixed:
        data = data[data[name] == code]
    columns = period_order(periods)
    if data.empty:
        index = pd.MultiIndex.from_arrays([[] for _ in row_dims], names=row_dims)
        frame = pd.DataFrame(index=index, columns=columns, dtype="float64")
    else:  # one value per row codes and period: a duplicate would raise, never be summed
        frame = data.set_index([*row_dims, "TIME_PERIOD"])["OBS_VALUE"].unstack("TIME_PERIOD")
        frame = frame.reindex(columns=columns)
    if table.is_count:
        frame = frame.fillna(0)
    frame = frame.astype("Int64")
    if len(frame):
        order = [_code_order(list(frame.index.get_level_values(i).unique()), by_name[name],
                             getattr(by_name[name], "margins", frozenset()))
                 for i, name in enumerate(row_dims)]
        ranks = [{code: n for n, code in enumerate(o)} for o in order]
        keys = [tuple(rank[v] for rank, v in zip(ranks, (k if isinstance(k, tuple) else (k,)),
                                                  strict=True))
                for k in frame.index]
        frame = frame.iloc[sorted(range(len(keys)), key=keys.__getitem__)]
    frame.columns.name = "TIME_PERIOD"
    not_additive = tuple(name for name in row_dims
                         if by_name[name].total is not None
                         and not getattr(by_name[name], "partition", True))
    return Pivot(table=table.name, frame=frame, unit=table.unit, fixed=fixed,
                 strata=tuple(d for d in row_dims if by_name[d].total is None),
                 not_additive=not_additive)
