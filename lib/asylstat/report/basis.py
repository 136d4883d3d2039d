"""The report's own tables: the figures the narrative reports quote and chart, computed in the
report stage with the library's declarations on the run's snapshot (the same warehouse as of
the same instant), so that comparisons with earlier periods are consistent (statistics.md,
"National statistics", Comparisons).

Each ``RPT_*`` table is a declared dataflow (:mod:`asylstat.dataflows`) built by the generic
cube builder for the report's periods, with only the dimensions the report needs: dropping a
dimension is the same as taking its ``TOTAL`` margin, since each unit has one reference record
per period. Over a quarter or a year, a person counts once in the period (the national
convention of statistics.md, "National statistics"), not once per month.

=====================  =====================================================  ==============
table                  what                                                   periods
=====================  =====================================================  ==============
RPT_APPLICANTS_MONTHLY MIGR_ASYAPPCTZM by ``applicant``                       last 24 months
RPT_APPLICANTS         MIGR_ASYAPPCTZM by ``citizen`` and ``applicant``       comparison
RPT_PENDING_MONTHLY    MIGR_ASYPENCTZM, persons pending at the end of a month last 24 months
RPT_WITHDRAWALS        MIGR_ASYWITHM by ``withdr``                            comparison
RPT_DECISIONS          MIGR_ASYDCFSTQ by ``citizen`` and ``decision``         comparison
RPT_DUBLIN             Dublin requests, replies (accepted, all), transfers    comparison
                       by ``flow`` and ``partner`` (events, unrounded)
RPT_RETURN_DECISIONS   MIGR_EIORD1 by ``citizen``                             comparison
RPT_RETURNS            MIGR_EIRT_TYPE by ``c_rtn`` and ``assist``             comparison
RPT_DEPARTURES         NAT_DEPARTURES by ``dest_group``                       comparison
RPT_RETURN_RATE        NAT_RETURN_RATE: the cohort effective-return rates     the period
                       (``PCT1``) observed at the end of the period
RPT_RATES              rates and changes in tenths of a percent (``PCT1``),   the period
                       computed from the exact figures above
RPT_EPS                the EUAA's view (EPS): applicants and repeated         comparison
                       applicants, persons awaiting a first-instance
                       decision and those waiting six months or more (at
                       the period's end), first-instance decisions and
                       their refugee and subsidiary-protection parts
RPT_EPS_RATES          the EPS shares and recognition rate (``PCT1``)         comparison
=====================  =====================================================  ==============

The comparison periods of a period P are P itself, the period before it and the same period a
year earlier (for a year, the two coincide). The return tables are quarterly for Eurostat; the
report takes their rules over its own periods whatever they are (a month, a year), as the
national tables do; the Frontex tables (unpublished) are never among them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from asylstat.cube import CubeSpec
from asylstat.dataflows.applications import ASYAPPCTZM
from asylstat.dataflows.decisions import ASYDCFSTQ
from asylstat.dataflows.dimensions import CITIZEN, margin_code
from asylstat.dataflows.dublin import DECISION as DUBLIN_DECISION
from asylstat.dataflows.dublin import DUBDI, DUBDO, DUBRI, DUBRO, DUBTI, DUBTO
from asylstat.dataflows.eps import EPS_APP, EPS_DEC, EPS_PEND
from asylstat.dataflows.pending import ASYPENCTZM
from asylstat.dataflows.returns import EIORD1, EIRT_TYPE, NAT_DEPARTURES, NAT_RETURN_RATE
from asylstat.dataflows.withdrawals import ASYWITHM
from asylstat.declaration import Disclosure, margins_of
from asylstat.periods import Frequency, Period
from asylstat.rates import change_tenths, tenths_of_percent
from asylstat.tables import Table
from asylstat.write.cells import cells_csv_text
from asylstat.write.files import write_json, write_text

if TYPE_CHECKING:
    from asylstat.warehouse.snapshot import Snapshot

log = logging.getLogger(__name__)

MONTHS_OF_TREND = 24
#: where the report stage writes these tables in the run folder (exact)
REPORT_TABLES_DIR = Path("tables") / "report"
TABLES_FILE = "tables.json"

_ALL_REPLIES = {DUBLIN_DECISION.name: margin_code(DUBLIN_DECISION.name)}
_ACCEPTED = {DUBLIN_DECISION.name: "ACC"}
#: ``flow`` codes of RPT_DUBLIN: (code, dataflow, fixed codes of the other dimensions)
DUBLIN_FLOWS: tuple[tuple[str, CubeSpec, Mapping[str, str]], ...] = (
    ("REQ_OUT", DUBRO, {}), ("REQ_IN", DUBRI, {}),
    ("REPLY_OUT", DUBDO, _ALL_REPLIES), ("ACC_OUT", DUBDO, _ACCEPTED),
    ("REPLY_IN", DUBDI, _ALL_REPLIES), ("ACC_IN", DUBDI, _ACCEPTED),
    ("TRF_OUT", DUBTO, {}), ("TRF_IN", DUBTI, {}),
)
_ONCE = "Over a quarter or a year each person counts once in the period."


@dataclass(frozen=True)
class Selection:
    """A report table that is a declared dataflow with only the dimensions ``keep`` (the others
    at their margin), for the report's last months (``span="months"``) or its comparison
    periods (``span="comparison"``)."""

    name: str
    source: CubeSpec
    keep: tuple[str, ...]
    title: str
    note: str
    span: Literal["months", "comparison"]

    @property
    def fixed(self) -> dict[str, str]:
        """The source's cells this table holds: its dropped dimensions at their margin."""
        fixed = margins_of(self.source, free=self.keep)
        if fixed is None:
            raise ValueError(f"{self.name}: a dropped dimension of {self.source.name} is a "
                             "stratum, which has no margin")
        return fixed


#: the report's tables taken from a dataflow, in the order they are made
SELECTIONS: tuple[Selection, ...] = (
    Selection("RPT_APPLICANTS_MONTHLY", ASYAPPCTZM, ("applicant",),
              "Asylum applicants per month, last 24 months",
              "Persons, monthly, all citizenships, sexes and ages.", "months"),
    Selection("RPT_APPLICANTS", ASYAPPCTZM, ("citizen", "applicant"),
              "Asylum applicants by citizenship: the period, the one before, a year earlier",
              f"Persons. {_ONCE}", "comparison"),
    Selection("RPT_PENDING_MONTHLY", ASYPENCTZM, (),
              "Persons with a pending application at the end of each month, last 24 months",
              "Persons, on the last day of each month.", "months"),
    Selection("RPT_WITHDRAWALS", ASYWITHM, ("withdr",),
              "Persons whose application was withdrawn, by type of withdrawal",
              f"Persons. {_ONCE}", "comparison"),
    Selection("RPT_DECISIONS", ASYDCFSTQ, ("citizen", "decision"),
              "First-instance decisions by citizenship and outcome", f"Persons. {_ONCE}",
              "comparison"),
    Selection("RPT_RETURN_DECISIONS", EIORD1, ("citizen",),
              "Third-country nationals ordered to leave, by citizenship",
              f"Persons, by the rule of the quarterly Eurostat table over the period. {_ONCE}",
              "comparison"),
    Selection("RPT_RETURNS", EIRT_TYPE, ("c_rtn", "assist"),
              "Third-country nationals returned to a third country, by type and assistance",
              f"Persons, by the rule of the quarterly Eurostat table over the period. {_ONCE}",
              "comparison"),
    Selection("RPT_DEPARTURES", NAT_DEPARTURES, ("dest_group",),
              "Persons who left following an order to leave, by destination group",
              f"Persons. {_ONCE}", "comparison"),
)

#: the report's cohort return rates, and the run's table they are the same as (the same
#: declaration observed at the end of the same period: checked cell by cell by the stage)
RETURN_RATE = "RPT_RETURN_RATE"
SAME_AS: dict[str, str] = {RETURN_RATE: NAT_RETURN_RATE.name}


@dataclass(frozen=True)
class ReportPeriods:
    """The periods a report of ``period`` needs."""

    period: Period
    previous: Period
    year_earlier: Period
    months: tuple[Period, ...]

    @classmethod
    def of(cls, period: Period, n_months: int = MONTHS_OF_TREND) -> ReportPeriods:
        last = period.months()[-1]
        months = [last]
        while len(months) < n_months:
            months.append(months[-1].previous())
        return cls(period=period, previous=period.previous(),
                   year_earlier=period.year_earlier(), months=tuple(reversed(months)))

    @property
    def comparison(self) -> tuple[Period, ...]:
        """The period, the one before and the same a year earlier, oldest first, once each."""
        return tuple(sorted({self.period, self.previous, self.year_earlier},
                            key=lambda p: p.start))

    def end_month(self, period: Period) -> str:
        """The label of the last month of ``period`` (where a stock is read)."""
        return period.months()[-1].label


def reduced(spec: CubeSpec, name: str, keep: Sequence[str], title: str, freq: Frequency,
            note: str) -> CubeSpec:
    """``spec`` with only the dimensions ``keep`` (the others at their TOTAL), as a national
    report table ``name``."""
    dims = tuple(d for d in spec.dimensions if d.name in keep)
    return replace(spec, name=name, title=title, kind="national", freq=freq, dimensions=dims,
                   definition=f"{note} As {spec.name}: {spec.definition}", invariants=())


def _cube(snap: Snapshot, spec: CubeSpec, name: str, keep: Sequence[str], title: str,
          periods: Sequence[Period], note: str) -> Table:
    from asylstat.cube import build_cube

    freq: Frequency = periods[-1].freq
    # counted by the dataflow's own cells: the output warnings compare the same dataflows
    # with earlier periods and read these counts from the snapshot instead of counting again
    return build_cube(reduced(spec, name, keep, title, freq, note), snap, periods,
                      counted_as=spec)


def _cell_frame(table: Table, fixed: Mapping[str, str], keep: Sequence[str]) -> pd.DataFrame:
    frame = table.data
    for dim, code in fixed.items():
        frame = frame[frame[dim] == code]
    return frame[[*keep, "TIME_PERIOD", "OBS_VALUE"]]


def dublin_table(snap: Snapshot, periods: Sequence[Period]) -> Table:
    """RPT_DUBLIN: requests, replies (all and accepted) and transfers by partner, per period."""
    parts = []
    for flow, dataflow, fixed in DUBLIN_FLOWS:
        keep = ("partner", *fixed)
        cube = _cube(snap, dataflow, "RPT_DUBLIN", keep, "", periods, "")
        frame = _cell_frame(cube, fixed, ["partner"]).copy()
        frame.insert(0, "flow", flow)
        parts.append(frame)
    data = pd.concat(parts, ignore_index=True).sort_values(["flow", "partner", "TIME_PERIOD"],
                                                          kind="stable")
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(
        name="RPT_DUBLIN", title="Dublin requests, replies and transfers by partner state",
        definition=(
            "Events, not persons, unrounded. flow: REQ_OUT/REQ_IN take-charge and take-back "
            f"requests sent/received ({DUBRO.name}/{DUBRI.name}, re-examinations excluded); "
            "REPLY_OUT/REPLY_IN replies to them and ACC_OUT/ACC_IN acceptances, explicit or "
            f"implicit ({DUBDO.name}/{DUBDI.name}); TRF_OUT/TRF_IN transfers carried out "
            f"({DUBTO.name}/{DUBTI.name}); for the report's periods."),
        kind="national", freq=periods[-1].freq, unit="NR", dimensions=("flow", "partner"),
        data=data.reset_index(drop=True), disclosure=_dublin_disclosure())


def return_rate_table(snap: Snapshot, period: Period) -> Table:
    """RPT_RETURN_RATE: the cohort effective-return rates (NAT_RETURN_RATE) observed at the end
    of ``period``, in tenths of a percent, exact (rates are published as computed)."""
    table = NAT_RETURN_RATE.build(snap, [period])
    return replace(table, name=RETURN_RATE, freq=period.freq,
                   title="Effective return rate of the persons ordered to leave, by cohort",
                   definition=f"As {NAT_RETURN_RATE.name}: {NAT_RETURN_RATE.definition}")


def _dublin_disclosure() -> Disclosure:
    """RPT_DUBLIN is published as its dataflows are (the Dublin tables: exact)."""
    (disclosure,) = {spec.disclosure for _, spec, _ in DUBLIN_FLOWS}
    return disclosure


#: RPT_EPS ``measure``: (code, EPS table, the codes of its cell besides citizenship TOTAL,
#: whether it is a stock read at the period's last month)
EPS_MEASURES: tuple[tuple[str, CubeSpec, Mapping[str, str], bool], ...] = (
    ("APP_TOTAL", EPS_APP, {"applicant": "TOTAL"}, False),
    ("APP_REP", EPS_APP, {"applicant": "REP"}, False),
    ("PEND_TOTAL", EPS_PEND, {"duration": "TOTAL"}, True),
    ("PEND_GE6", EPS_PEND, {"duration": "M_GE6"}, True),
    ("DEC_TOTAL", EPS_DEC, {"decision": "TOTAL"}, False),
    ("DEC_POS_RFG", EPS_DEC, {"decision": "POS_RFG"}, False),
    ("DEC_POS_SPROT", EPS_DEC, {"decision": "POS_SPROT"}, False),
)
#: RPT_EPS_RATES: indicator → (numerator measures, denominator measure); the recognition
#: rate in EPS terms leaves humanitarian status out of the numerator (statistics.md, EPS)
EPS_RATES: dict[str, tuple[tuple[str, ...], str]] = {
    "REPEATED_SHARE": (("APP_REP",), "APP_TOTAL"),
    "BACKLOG_GE6_SHARE": (("PEND_GE6",), "PEND_TOTAL"),
    "RECOGNITION_WITHOUT_HUM": (("DEC_POS_RFG", "DEC_POS_SPROT"), "DEC_TOTAL"),
}


def eps_tables(snap: Snapshot, periods: Sequence[Period]) -> list[Table]:
    """RPT_EPS (persons, rounded for the public as every count of persons) and RPT_EPS_RATES
    (tenths of a percent, from the exact figures), for ``periods``: the EPS tables built for
    the periods themselves (a person once in a quarter or a year, as every report table),
    the pending ones on each period's last month."""
    from asylstat.cube import build_cube

    ends = {p: p.months()[-1] for p in periods}
    built = {EPS_APP.name: build_cube(EPS_APP, snap, periods),
             EPS_DEC.name: build_cube(EPS_DEC, snap, periods),
             EPS_PEND.name: build_cube(EPS_PEND, snap, sorted(set(ends.values()),
                                                              key=lambda m: m.start))}
    figures: dict[tuple[str, str], int] = {}
    for code, spec, fixed, stock in EPS_MEASURES:
        for p in periods:
            figures[(code, p.label)] = value(built[spec.name],
                                             ends[p].label if stock else p.label, **fixed)
    counts = pd.DataFrame([(c, p, v) for (c, p), v in figures.items() if v],
                          columns=["measure", "TIME_PERIOD", "OBS_VALUE"])
    rates = []
    for indicator, (parts, whole) in EPS_RATES.items():
        for p in periods:
            tenths = tenths_of_percent(sum(figures[(m, p.label)] for m in parts),
                                       figures[(whole, p.label)])
            if tenths is not None:
                rates.append((indicator, CITIZEN.total, p.label, tenths))
    rated = pd.DataFrame(rates, columns=["indicator", "citizen", "TIME_PERIOD", "OBS_VALUE"])
    out = []
    for frame, dims in ((counts, ("measure",)), (rated, ("indicator", "citizen"))):
        frame = frame.sort_values([*dims, "TIME_PERIOD"], kind="stable")
        frame["OBS_VALUE"] = frame["OBS_VALUE"].astype("int64")
        out.append(frame.reset_index(drop=True).astype({d: object for d in dims}))
    freq = periods[-1].freq
    return [
        Table(name="RPT_EPS", title="The EUAA's early-warning view (EPS)",
              definition=(
                  f"Persons, as the EPS tables ({EPS_APP.name}, {EPS_PEND.name}, "
                  f"{EPS_DEC.name}) over the period ({_ONCE}): APP_TOTAL applicants, APP_REP "
                  "repeated applicants (an earlier application exists, whatever its legal "
                  "type); PEND_TOTAL persons awaiting a first-instance decision on the last "
                  "day of the period, PEND_GE6 those whose application was lodged six months "
                  "or more before; DEC_TOTAL persons with a first-instance decision, "
                  "DEC_POS_RFG refugee status, DEC_POS_SPROT subsidiary protection."),
              kind="national", freq=freq, unit="PER", dimensions=("measure",), data=out[0]),
        Table(name="RPT_EPS_RATES", title="The EUAA's early-warning view: shares and rate",
              definition=(
                  "From the exact figures of RPT_EPS, in tenths of a percent, rounded half "
                  "away from zero: REPEATED_SHARE = APP_REP / APP_TOTAL; BACKLOG_GE6_SHARE = "
                  "PEND_GE6 / PEND_TOTAL; RECOGNITION_WITHOUT_HUM = (DEC_POS_RFG + "
                  "DEC_POS_SPROT) / DEC_TOTAL, the recognition rate in EPS terms (humanitarian "
                  "status not counted as recognition). A rate whose denominator is zero is "
                  "not listed."),
              kind="national", freq=freq, unit="PCT1", dimensions=("indicator", "citizen"),
              data=out[1], disclosure="exact"),
    ]


def build_report_basis(snap: Snapshot, period: Period) -> list[Table]:
    """Every ``RPT_*`` table but RPT_RATES, for a report of ``period`` (module docstring)."""
    rp = ReportPeriods.of(period)
    spans = {"months": rp.months, "comparison": rp.comparison}
    tables = [_cube(snap, sel.source, sel.name, sel.keep, sel.title, spans[sel.span], sel.note)
              for sel in SELECTIONS]
    tables.append(dublin_table(snap, rp.comparison))
    tables.append(return_rate_table(snap, period))
    tables += eps_tables(snap, rp.comparison)
    log.info("report basis: %d tables for %s", len(tables), period.label)
    return tables


# ---------------------------------------------------------------- rates
def value(table: Table, period: str, **fixed: str) -> int:
    """One cell of ``table`` (dimensions not in ``fixed`` at their margin; 0 when absent)."""
    frame = table.data[table.data["TIME_PERIOD"] == period]
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return int(frame["OBS_VALUE"].sum()) if len(frame) else 0


def key_values(basis: Mapping[str, Table], rp: ReportPeriods) -> dict[str, dict[str, int]]:
    """The exact key figures by indicator, then period label (a stock at the period's end)."""
    app, dec = basis["RPT_APPLICANTS"], basis["RPT_DECISIONS"]
    wd, pen, dub = basis["RPT_WITHDRAWALS"], basis["RPT_PENDING_MONTHLY"], basis["RPT_DUBLIN"]
    out: dict[str, dict[str, int]] = {}
    for p in rp.comparison:
        label = p.label
        figures = {
            "APPLICANTS": value(app, label), "FIRST_TIME": value(app, label, applicant="FRST"),
            "SUBSEQUENT": value(app, label, applicant="SSEQ"),
            "DECISIONS": value(dec, label), "POSITIVE": value(dec, label, decision="POS"),
            "WITHDRAWALS": value(wd, label),
            "PENDING": value(pen, rp.end_month(p)),
            **{f"DUB_{flow}": value(dub, label, flow=flow) for flow, _, _ in DUBLIN_FLOWS},
        }
        for indicator, number in figures.items():
            out.setdefault(indicator, {})[label] = number
    return out


#: indicators whose change against the previous period and a year earlier is published
CHANGED = ("APPLICANTS", "FIRST_TIME", "DECISIONS", "PENDING", "WITHDRAWALS", "DUB_REQ_OUT",
           "DUB_REQ_IN", "DUB_TRF_OUT", "DUB_TRF_IN")
#: rates: indicator → (numerator, denominator)
RATES = {"RECOGNITION": ("POSITIVE", "DECISIONS"), "FIRST_TIME_SHARE": ("FIRST_TIME", "APPLICANTS"),
         "SUBSEQUENT_SHARE": ("SUBSEQUENT", "APPLICANTS"),
         "DUB_ACCEPTANCE_OUT": ("DUB_ACC_OUT", "DUB_REPLY_OUT"),
         "DUB_ACCEPTANCE_IN": ("DUB_ACC_IN", "DUB_REPLY_IN"),
         "DUB_TRANSFER_OUT": ("DUB_TRF_OUT", "DUB_ACC_OUT"),
         "DUB_TRANSFER_IN": ("DUB_TRF_IN", "DUB_ACC_IN")}


def rates_table(basis: Mapping[str, Table], period: Period, top: int = 10) -> Table:
    """RPT_RATES: in tenths of a percent, from the exact figures: each rate of :data:`RATES`
    for every comparison period; the change of each :data:`CHANGED` indicator from the period
    before (``CHG_PREV_*``) and from a year earlier (``CHG_YEAR_*``), for the period; the
    recognition rate of the ``top`` citizenships with most decisions in the period. A rate
    whose denominator is 0 is not a cell (shown as "not applicable")."""
    rp = ReportPeriods.of(period)
    figures = key_values(basis, rp)
    rows: list[tuple[str, str, str, int | None]] = []
    for indicator, (num, den) in RATES.items():
        for p in rp.comparison:
            rows.append((indicator, CITIZEN.total, p.label,
                         tenths_of_percent(figures[num][p.label], figures[den][p.label])))
    label = period.label
    for indicator in CHANGED:
        series = figures[indicator]
        rows.append((f"CHG_PREV_{indicator}", CITIZEN.total, label,
                     change_tenths(series[label], series[rp.previous.label])))
        rows.append((f"CHG_YEAR_{indicator}", CITIZEN.total, label,
                     change_tenths(series[label], series[rp.year_earlier.label])))
    for citizen, total, positive in top_decided(basis["RPT_DECISIONS"], label, top):
        rows.append(("RECOGNITION", citizen, label, tenths_of_percent(positive, total)))
    data = pd.DataFrame([r for r in rows if r[3] is not None],
                        columns=["indicator", "citizen", "TIME_PERIOD", "OBS_VALUE"])
    data = data.drop_duplicates(["indicator", "citizen", "TIME_PERIOD"])
    data = data.sort_values(["indicator", "citizen", "TIME_PERIOD"], kind="stable")
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    return Table(
        name="RPT_RATES", title="Rates and changes (tenths of a percent)",
        definition=(
            "Computed from the exact figures of the RPT_ tables, in tenths of a percent (432 = "
            "43.2 %), rounded half away from zero. RECOGNITION: positive first-instance "
            "decisions / all first-instance decisions (by citizenship for the citizenships "
            "with most decisions); FIRST_TIME_SHARE, SUBSEQUENT_SHARE: first-time and "
            "subsequent applicants / all applicants; DUB_ACCEPTANCE_*: accepted replies / all "
            "replies; DUB_TRANSFER_*: transfers / acceptances in the same period; CHG_PREV_x "
            "and CHG_YEAR_x: relative change of x from the period before and from the same "
            "period a year earlier (negative: a fall); PENDING compares the stocks at the ends "
            "of the periods. A rate whose denominator is zero is not listed."),
        kind="national", freq=period.freq, unit="PCT1", dimensions=("indicator", "citizen"),
        data=data.reset_index(drop=True), disclosure="exact")


def top_decided(decisions: Table, period: str, n: int) -> list[tuple[str, int, int]]:
    """``(citizen, decisions, positive)`` for the ``n`` citizenships with most first-instance
    decisions in ``period`` (exact; ties by code; UNK and STLS included as any code)."""
    frame = decisions.data[(decisions.data["TIME_PERIOD"] == period)
                           & (decisions.data["citizen"] != CITIZEN.total)]
    totals = frame[frame["decision"] == margin_code("decision")].set_index("citizen")["OBS_VALUE"]
    positive = frame[frame["decision"] == "POS"].set_index("citizen")["OBS_VALUE"]
    ranked = sorted(totals.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))[:n]
    return [(str(c), int(t), int(positive.get(c, 0))) for c, t in ranked]


# ---------------------------------------------------------------- files
def _metadata(table: Table) -> dict[str, object]:
    return {"name": table.name, "title": table.title, "definition": table.definition,
            "kind": table.kind, "freq": table.freq, "unit": table.unit,
            "dimensions": list(table.dimensions), "disclosure": table.disclosure}


def write_basis(tables: Sequence[Table], folder: Path, context: Mapping[str, object]) -> None:
    """Each table as an exact CSV (dimensions, TIME_PERIOD, OBS_VALUE) in ``folder``, with
    ``tables.json``: the tables' metadata and the run's context (period, as_of...). A zero
    cell is written as such (count tables have none; in RPT_RATES it is a change of 0.0 %).
    """
    for table in tables:
        write_text(cells_csv_text(table.cells.select(drop_zeros=False, allow_negative=True)),
                   folder / f"{table.name}.csv")
    write_json({"context": dict(context), "tables": [_metadata(t) for t in tables]},
               folder / TABLES_FILE)


def read_basis(folder: Path) -> tuple[dict[str, Table], dict[str, object]]:
    """The tables and context written by :func:`write_basis`."""
    index = json.loads((folder / TABLES_FILE).read_text(encoding="utf-8"))
    tables = {}
    for meta in index["tables"]:
        dims = tuple(meta["dimensions"])
        data = pd.read_csv(folder / f"{meta['name']}.csv", dtype=str, keep_default_na=False)
        data = data[[*dims, "TIME_PERIOD", "OBS_VALUE"]].astype(object)
        data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
        tables[meta["name"]] = Table(
            name=meta["name"], title=meta["title"], definition=meta["definition"],
            kind=meta["kind"], freq=meta["freq"], unit=meta["unit"], dimensions=dims,
            data=data.reset_index(drop=True), disclosure=meta.get("disclosure", "rounded"))
    return tables, index["context"]
