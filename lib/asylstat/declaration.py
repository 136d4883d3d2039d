"""What a table's declaration says besides how its cells are counted.

A declaration (:class:`asylstat.cube.CubeSpec`, :class:`asylstat.measures.DurationSpec`)
says everything that is true of its table, so that no module outside
:mod:`asylstat.dataflows` has to know a table by its name:

- ``unit`` and ``freq`` (the periodicity of its cells) and ``due``: which periods a run makes
  it for (:data:`Due`, read by :func:`asylstat.domains.periods_due`);
- ``disclosure``: whether its counts are rounded for the public or published exactly
  (:data:`Disclosure`, read by :mod:`asylstat.report.public`);
- ``invariants``: what its cells must satisfy beyond their margins, alone or against another
  table (:class:`NotAbove`, :class:`Within`, :class:`Equals`, checked by
  :mod:`asylstat.checks.outputs`);
- its dimensions, each with the code of its margin (:attr:`asylstat.cube.Dimension.total`,
  :data:`TOTAL` unless declared otherwise).

This module holds only the vocabulary (plain data); the rules that read it live where they
are applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from asylstat.periods import Period
    from asylstat.tables import Table, TableKind
    from asylstat.warehouse.snapshot import Snapshot

#: the margin code of a breakdown unless its declaration says otherwise (``sex`` says ``T``)
TOTAL = "TOTAL"

#: ``rounded``: every count is rounded for the public (statistics.md, "Dissemination"; the
#: default, so that forgetting to declare never discloses an exact figure); ``exact``: the
#: table is published as computed (the Dublin tables: events, "published unrounded");
#: ``unpublished``: exact figures for a recipient that the unit never publishes (Frontex,
#: EUAA: statistics.md), kept out of every public file and report
Disclosure = Literal["rounded", "exact", "unpublished"]
ROUNDED: Disclosure = "rounded"
EXACT: Disclosure = "exact"
UNPUBLISHED: Disclosure = "unpublished"

#: which periods a run makes a table for (outputs.md, "Starting a run"):
#:
#: ``frequency``       the periods of the table's own ``freq`` that the run transmits: a
#:                     monthly run its month; a quarterly run its three months and the quarter;
#:                     an annual run the year only (the Eurostat tables);
#: ``months_and_run``  each month of the run, then the run's own period when it is longer than
#:                     a month, in one table of the run's frequency (national tables,
#:                     methodology.md, "National tables");
#: ``months``          each month of the run, in monthly and quarterly runs only (the monthly
#:                     national variants of the annual Dublin dataflows: an annual run
#:                     transmits the annual tables themselves).
Due = Literal["frequency", "months_and_run", "months"]


@dataclass(frozen=True)
class NotAbove:
    """Within one table: the sum of the ``parts`` codes of ``dimension`` is at most its
    ``total`` code, in every combination of the other dimensions and period (the ``applicant``
    breakdown: FRST + SSEQ <= TOTAL, since a person may be neither)."""

    dimension: str
    parts: tuple[str, ...]
    total: str = TOTAL

    def rule(self, table: str) -> str:
        """The validation rule id (``MIGR_ASYAPPCTZM.frst_sseq_le_total``)."""
        return f"{table}.{'_'.join(self.parts).lower()}_le_{self.total.lower()}"


@dataclass(frozen=True)
class Within:
    """Each cell of the declaring table, restricted to ``fixed_inner``, is at most the same
    cell of the table named ``outer`` restricted to ``fixed_outer``; cells are matched on the
    dimensions both tables have (and the period). Checked when the run made both tables."""

    outer: str
    fixed_inner: Mapping[str, str] = field(default_factory=dict)
    fixed_outer: Mapping[str, str] = field(default_factory=dict)

    def rule(self, table: str) -> str:
        """The validation rule id (``MIGR_ASYACCM.within.MIGR_ASYAPPCTZM``)."""
        return f"{table}.within.{self.outer}"


@dataclass(frozen=True)
class Equals:
    """Each cell of the declaring table, restricted to ``fixed_inner``, equals the same cell
    of the table named ``outer`` restricted to ``fixed_outer`` (cells matched on the
    dimensions both tables have, and the period; a missing cell is zero, on either side).
    For tables that count the same units by construction (MIGR_EIRTN1's persons by
    citizenship are MIGR_EIRT_TYPE's and MIGR_EIRT_DEST's). Checked when the run made both."""

    outer: str
    fixed_inner: Mapping[str, str] = field(default_factory=dict)
    fixed_outer: Mapping[str, str] = field(default_factory=dict)

    def rule(self, table: str) -> str:
        """The validation rule id (``MIGR_EIRT_TYPE.equals.MIGR_EIRTN1``)."""
        return f"{table}.equals.{self.outer}"


Invariant = NotAbove | Within | Equals


@dataclass(frozen=True)
class RecipientWorkbook:
    """A recipient's own workbook of the monthly tables of one domain (the EUAA's monthly EPS
    workbook, outputs.md: ``transmission/<kind>/<stem>_<PERIOD>.xlsx``): one sheet per table
    of ``kind`` with citizenships as rows and the run's months as columns, a notes sheet, and
    a sheet of the revised cells of earlier months. Written by
    :mod:`asylstat.write.recipient_workbook`, only when validation passes.

    ``code_order``: per dimension, the order of its codes' column blocks (codes not listed
    follow in plain ASCII order). ``revised_months``: how many months before its own a
    monthly run recomputes on the same ``as_of`` and compares with what was last transmitted
    for them (:mod:`asylstat.audit.revisions`)."""

    kind: TableKind
    stem: str
    title: str
    code_order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    revised_months: int = 0

    def file_name(self, period: str) -> str:
        """``<stem>_<PERIOD>.xlsx``."""
        return f"{self.stem}_{period}.xlsx"

    def earlier_months(self, period: Period) -> tuple[Period, ...]:
        """The months a run of ``period`` recomputes besides its own, oldest first: the
        ``revised_months`` before a monthly run's month; none for other runs."""
        if period.freq != "M" or self.revised_months <= 0:
            return ()
        months = [period.previous()]
        while len(months) < self.revised_months:
            months.append(months[-1].previous())
        return tuple(reversed(months))


class DimensionLike(Protocol):
    """What the declaration readers need of a dimension (:class:`asylstat.cube.Dimension`)."""

    @property
    def name(self) -> str: ...

    @property
    def total(self) -> str | None: ...


class TableSpec(Protocol):
    """The declaration of one table, as every reader outside the builders sees it."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def definition(self) -> str: ...

    @property
    def kind(self) -> TableKind: ...

    @property
    def freq(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def disclosure(self) -> Disclosure: ...

    @property
    def due(self) -> Due: ...

    @property
    def invariants(self) -> tuple[Invariant, ...]: ...

    @property
    def dimensions(self) -> Sequence[DimensionLike]: ...

    @property
    def dimension_names(self) -> tuple[str, ...]: ...

    def build(self, snap: Snapshot, periods: Sequence[Period]) -> Table: ...


def margins_of(spec: TableSpec, *, free: Sequence[str] = ()) -> dict[str, str] | None:
    """The margin code of every dimension of ``spec`` but the ``free`` ones: the codes that
    select a table's total over those dimensions. ``None`` when one of them is a stratum (no
    margin across its values)."""
    out: dict[str, str] = {}
    for dim in spec.dimensions:
        if dim.name in free:
            continue
        if dim.total is None:
            return None
        out[dim.name] = dim.total
    return out
