"""Reading cells of a finished table in tests, and the representative subset of tables that the
engine-parity tests (Spark, PostgreSQL, SQL dialects) compare on every run."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from asylstat.domains import Domain, all_domains, build_domain
from asylstat.params import RunParameters
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot
from asylstat.write.files import national_csv_text
from asylstat.write.sdmx import sdmx_csv_text

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


# ---------------------------------------------------------------- engine parity

#: The tables every test run compares across engines (Spark, PostgreSQL) and compiles for every
#: SQL dialect; the full sets are the tests marked ``full`` (``make test-full``).
#:
#: Why they are representative: an engine sees a table only as its query, and the queries of
#: these tables together use every kind of operation, with every result type, that the query of
#: any declared table uses (date arithmetic and differences, calendar fields, code maps, the
#: reference-record window, LEAD, unions, joins, the as-of view's version resolution…).
#: test_dialects.py (``test_the_representative_tables_use_every_operation_of_every_table``)
#: checks this against the declarations and against the queries of the tables counted together
#: (one query per set): a table that brings a new construct fails it until one of its tables is
#: added here. Withdrawals has one too so that every domain is compared, and the Dublin tables
#: are named under both their Eurostat (annual runs) and their national monthly names (monthly
#: and quarterly runs): one query each.
REPRESENTATIVE: frozenset[str] = frozenset({
    "MIGR_ASYAPPCTZM",          # applicants: reference record, age at a date, code maps
    "NAT_REGISTRATION_DELAYS",  # a duration table: day differences, nearest-rank quantiles
    "NAT_STILL_PROCESSED",      # pending by stage and duration: every closure source
    "MIGR_ASYWITHM",            # withdrawals
    "MIGR_ASYDCFSTQ",           # quarterly decisions: the latest decision of the quarter
    "MIGR_DUBTO", "NAT_DUBTO",  # transfers: duration bands in months, partner, minor
    "MIGR_DUBTPENO", "NAT_DUBTPENO",  # awaiting transfer: the plus-6-months time limit
    "MIGR_DUBDO", "NAT_DUBDO",  # replies, counted with the incoming ones: decision codes
    "MIGR_DUBRESO", "NAT_DUBRESO",  # answers to information requests: days to answer
    "MIGR_EIRTN1",              # returns: decisions joined, destinations, the latest return
    "FX_RDEC",                  # return decisions per month: the earliest, Frontex grounds
    "NAT_RETURN_RATE",          # returns: cohort quarters by CASE, first return (MIN), casts
    "EPS_PEND",                 # EPS: open applications by their stage on the last day
})

#: the representative tables a run of each kind makes (Dublin tables: national monthly names
#: in monthly and quarterly runs, Eurostat names in annual runs)
REPRESENTATIVE_MADE: dict[str, frozenset[str]] = {
    "quarterly": frozenset(n for n in REPRESENTATIVE if not n.startswith("MIGR_DUB")),
    "annual": frozenset({"NAT_REGISTRATION_DELAYS", "NAT_STILL_PROCESSED", "MIGR_DUBTO",
                         "MIGR_DUBTPENO", "MIGR_DUBDO", "MIGR_DUBRESO", "NAT_RETURN_RATE"}),
}


def only(dom: Domain, names: Collection[str]) -> Domain:
    """``dom`` with only the tables named in ``names`` (its other declarations dropped)."""
    kept = {}
    for f in dataclasses.fields(dom):
        value = getattr(dom, f.name)
        if isinstance(value, tuple) and all(hasattr(spec, "name") for spec in value):
            kept[f.name] = tuple(spec for spec in value if spec.name in names)
    return dataclasses.replace(dom, **kept)


def text_of(table: Table) -> str:
    """The file a run writes for the table: SDMX-CSV for a transmitted table (Eurostat, EUAA,
    Frontex), CSV for national tables."""
    return sdmx_csv_text(table) if table.transmitted else national_csv_text(table)


def run_texts(snap: Snapshot, params: RunParameters,
              names: Collection[str] | None = None) -> dict[str, str]:
    """``{table: file text}`` of the tables a run of ``params`` makes, built as the run builds
    them (:func:`asylstat.domains.build_domain`); only those in ``names`` when given."""
    domains = all_domains() if names is None else [only(d, names) for d in all_domains()]
    return {t.name: text_of(t) for dom in domains for t in build_domain(dom, snap, params)}
