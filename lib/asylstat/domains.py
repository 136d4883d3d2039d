"""The statistical domains: which declared tables each domain notebook produces, and for which
periods a run makes them (outputs.md, "Starting a run"; each declaration's ``due``)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace
from functools import cache

import asylstat.dataflows
from asylstat.cohorts import CohortRateSpec
from asylstat.cube import CubeSpec
from asylstat.declaration import RecipientWorkbook, TableSpec
from asylstat.measures import DurationSpec
from asylstat.params import RunParameters
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot


@dataclass(frozen=True)
class Domain:
    """A domain notebook and the tables it declares, in the order it makes them. Which of
    them a run makes, and for which periods, each declaration says (``due``,
    :func:`periods_due`)."""

    name: str
    notebook: str
    tables: tuple[CubeSpec | DurationSpec | CohortRateSpec, ...] = ()
    #: the recipient's own workbook of the domain's tables, if it has one (the EPS workbook)
    workbook: RecipientWorkbook | None = None

    def due(self, period: Period) -> tuple[CubeSpec | DurationSpec | CohortRateSpec, ...]:
        """The tables a run of ``period`` makes."""
        return tuple(spec for spec in self.tables if periods_due(spec, period))


@cache
def all_domains() -> tuple[Domain, ...]:
    """Every ``DOMAIN`` declared by a module of :mod:`asylstat.dataflows`, in notebook order.
    A new domain is a new module there; nothing else needs to change."""
    found = []
    for info in pkgutil.iter_modules(asylstat.dataflows.__path__):
        module = importlib.import_module(f"asylstat.dataflows.{info.name}")
        if isinstance(getattr(module, "DOMAIN", None), Domain):
            found.append(module.DOMAIN)
    return tuple(sorted(found, key=lambda d: d.notebook))


def domain(name: str) -> Domain:
    for candidate in all_domains():
        if candidate.name == name:
            return candidate
    known = ", ".join(d.name for d in all_domains())
    raise KeyError(f"unknown domain {name!r}; known: {known}")


def eurostat_periods(period: Period) -> dict[str, tuple[Period, ...]]:
    """Per table frequency, the periods a run of ``period`` makes: a monthly run its month; a
    quarterly run its three months and the quarter; an annual run the year only."""
    if period.freq == "M":
        return {"M": (period,)}
    if period.freq == "Q":
        return {"M": period.months(), "Q": (period,)}
    return {"A": (period,)}


def national_periods(period: Period) -> tuple[tuple[Period, ...], ...]:
    """National tables follow the run's periods: each month of the run, then the run's own
    period when it is longer than a month (methodology.md, "National tables")."""
    groups: tuple[tuple[Period, ...], ...] = (period.months(),)
    return groups if period.freq == "M" else (*groups, (period,))


def periods_due(spec: TableSpec, period: Period) -> tuple[tuple[Period, ...], ...]:
    """The groups of periods a run of ``period`` builds ``spec`` for (its ``due``,
    :data:`asylstat.declaration.Due`); empty when the run does not make it."""
    if spec.due == "frequency":
        periods = eurostat_periods(period).get(spec.freq)
        return (periods,) if periods else ()
    if spec.due == "months_and_run":
        return national_periods(period)
    if spec.due == "months":
        return () if period.freq == "A" else (period.months(),)
    raise ValueError(f"{spec.name}: unknown due {spec.due!r}")


def build_table(spec: TableSpec, snap: Snapshot, period: Period) -> Table | None:
    """``spec`` built for the periods a run of ``period`` makes it for (None when none): a
    table due for the months and the run's own period is one table of the run's frequency."""
    groups = periods_due(spec, period)
    if not groups:
        return None
    if spec.due == "months_and_run":  # every period in one query (cube.records_for)
        return replace(spec.build(snap, [p for group in groups for p in group]),
                       freq=period.freq)
    (periods,) = groups
    return spec.build(snap, periods)


def build_domain(dom: Domain, snap: Snapshot, params: RunParameters) -> list[Table]:
    """Every table of ``dom`` due for the run, in declaration order."""
    built = (build_table(spec, snap, params.period) for spec in dom.tables)
    return [table for table in built if table is not None]


def all_specs() -> tuple[CubeSpec | DurationSpec | CohortRateSpec, ...]:
    """Every declared table, domain by domain in declaration order."""
    return tuple(spec for dom in all_domains() for spec in dom.tables)


def spec_of(name: str) -> CubeSpec | DurationSpec | CohortRateSpec:
    """The declaration of a table, by name."""
    for spec in all_specs():
        if spec.name == name:
            return spec
    raise KeyError(name)


def earlier_months(period: Period) -> tuple[Period, ...]:
    """The months before its own that a run of ``period`` recomputes for revisions (every
    recipient workbook's :meth:`~asylstat.declaration.RecipientWorkbook.earlier_months`),
    oldest first; none but in a monthly run."""
    months = {m for dom in all_domains() if dom.workbook is not None
              for m in dom.workbook.earlier_months(period)}
    return tuple(sorted(months))


def earlier_month_tables(snap: Snapshot, period: Period) -> list[Table]:
    """Each table of a recipient workbook recomputed for the earlier months of the run on the
    same snapshot (issue 13: the EUAA accepts revised months), to be compared with what was
    last transmitted for them (:func:`asylstat.audit.revisions.earlier_month_revisions`)."""
    out = []
    for dom in all_domains():
        book = dom.workbook
        months = book.earlier_months(period) if book is not None else ()
        if book is None or not months:
            continue
        out += [spec.build(snap, list(months)) for spec in dom.tables if spec.kind == book.kind]
    return out
