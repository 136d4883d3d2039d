"""The statistical domains: which declared tables each domain notebook produces, and for which
periods a run makes them (outputs.md, "Starting a run")."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd

import asylstat.dataflows
from asylstat.cube import CubeSpec
from asylstat.measures import DurationSpec
from asylstat.params import RunParameters
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot


@dataclass(frozen=True)
class Domain:
    """A domain notebook and the tables it makes, by frequency.

    ``national`` tables are made for every month of the run and for the run's own period;
    ``national_monthly`` tables for the months of monthly and quarterly runs only (the monthly
    Dublin tables: an annual run transmits the annual ones)."""

    name: str
    notebook: str
    monthly: tuple[CubeSpec, ...] = ()
    quarterly: tuple[CubeSpec, ...] = ()
    annual: tuple[CubeSpec, ...] = ()
    national: tuple[CubeSpec | DurationSpec, ...] = ()
    national_monthly: tuple[CubeSpec, ...] = ()


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


def build_domain(dom: Domain, snap: Snapshot, params: RunParameters) -> list[Table]:
    """Every table of ``dom`` due for the run, in declaration order."""
    due = eurostat_periods(params.period)
    tables: list[Table] = []
    for freq, specs in (("M", dom.monthly), ("Q", dom.quarterly), ("A", dom.annual)):
        if freq in due:
            tables += [spec.build(snap, due[freq]) for spec in specs]
    for spec in dom.national:
        tables.append(concat_periods(
            [spec.build(snap, group) for group in national_periods(params.period)],
            freq=params.period.freq))
    if params.period.freq != "A":  # an annual run transmits the Dublin tables themselves
        tables += [spec.build(snap, params.period.months()) for spec in dom.national_monthly]
    return tables


def concat_periods(parts: Sequence[Table], freq: str) -> Table:
    """One table from the same table built for several groups of periods."""
    first = parts[0]
    data = pd.concat([p.data for p in parts], ignore_index=True)
    data = data.sort_values([*first.dimensions, "TIME_PERIOD"], kind="stable")
    return Table(name=first.name, title=first.title, definition=first.definition,
                 kind=first.kind, freq=freq, unit=first.unit, dimensions=first.dimensions,
                 data=data.reset_index(drop=True))


def spec_of(name: str) -> CubeSpec | DurationSpec:
    """The declaration of a table, by name."""
    for dom in all_domains():
        for spec in (*dom.monthly, *dom.quarterly, *dom.annual, *dom.national,
                     *dom.national_monthly):
            if spec.name == name:
                return spec
    raise KeyError(name)
