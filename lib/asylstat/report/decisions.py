"""The decisions notebook's narrative and chart. Every figure comes from a table; every sentence
from the report's message catalogues (:mod:`asylstat.report.i18n`); rates are computed from
exact figures by :func:`asylstat.rates.tenths_of_percent` and shown with one decimal
(statistics.md, "Dissemination")."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.decisions import (
    ASYDCFINA,
    ASYDCFSTQ,
    ASYUNAA,
    DECISION,
    NAT_APPEAL_DURATION,
    NAT_APPEALS,
)
from asylstat.dataflows.dimensions import CITIZEN, margin_code
from asylstat.rates import as_percent, tenths_of_percent
from asylstat.report.figures import values_by_period as _values
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table

_SOURCE = "Source: CGRS and CALL decisions, eMigration data warehouse"



def recognition_rates(table: Table, n: int = 8) -> list[tuple[str, int, int, int]]:
    """``(citizen, positive, total, rate)`` for the ``n`` citizenships with the most
    decisions over the table's periods: rate = POS / TOTAL in tenths of a percent
    (:func:`asylstat.rates.tenths_of_percent`; ties by code)."""
    frame = table.data
    for dim in ("sex", "age"):
        frame = frame[frame[dim] == margin_code(dim)]
    frame = frame[frame[CITIZEN.name] != CITIZEN.total]
    sums = frame.groupby(["citizen", "decision"])["OBS_VALUE"].sum()
    rows = []
    for citizen in sorted({c for c, _ in sums.index}):
        total = int(sums.get((citizen, DECISION.total), 0))
        positive = int(sums.get((citizen, "POS"), 0))
        rate = tenths_of_percent(positive, total)
        if rate is not None:
            rows.append((citizen, positive, total, rate))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows[:n]


def _decision_lines(table: Table, t: Translator, sentence: str, none: str) -> list[str]:
    """One line per period (message ``sentence``), or message ``none`` when the table is
    empty."""
    total, positive = _values(table), _values(table, decision="POS")
    lines = []
    for period in sorted(total):
        lines.append("- " + t.text(
            sentence, total[period], period=bold(t.period(period)),
            decisions=t.number(total[period]), positive=t.number(positive.get(period, 0)),
            rate=t.rate(tenths_of_percent(positive.get(period, 0), total[period]))))
    return lines or ["- " + t.text(none)]


def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """The narrative of the decision and appeal tables, in ``lang`` (the report's message
    catalogues)."""
    t = Translator(lang)
    by_name = {t.name: t for t in tables}
    lines = []
    if ASYDCFSTQ.name in by_name:
        table = by_name[ASYDCFSTQ.name]
        lines += _decision_lines(table, t, "nb.dec.first", "nb.dec.none_first")
        top = [t.text("nb.dec.rate_item", country=t.country(c), rate=t.percent(r),
                      positive=t.number(p), total=t.number(n))
               for c, p, n, r in recognition_rates(table, 5)]
        if top:
            lines.append("- " + t.text("nb.dec.top", list=t.join(top)))
    if ASYDCFINA.name in by_name:
        lines += _decision_lines(by_name[ASYDCFINA.name], t, "nb.dec.final",
                                 "nb.dec.none_final")
    if ASYUNAA.name in by_name:
        unaa = by_name[ASYUNAA.name]
        for period, value in sorted(_values(unaa).items()):
            lines.append("- " + t.text("nb.dec.unaccompanied", value,
                                       period=bold(t.period(period)),
                                       applicants=t.number(value), table=unaa.name))
    appeals = by_name.get(NAT_APPEALS.name)
    if appeals is not None:
        lodged, decided = _values(appeals, measure="LODGED"), _values(appeals, measure="DECIDED")
        pending = _values(appeals, measure="PENDING")
        annulled = _values(appeals, measure="DECIDED", outcome="ANNULLED")
        median = _values(by_name[NAT_APPEAL_DURATION.name], stat="P50") \
            if NAT_APPEAL_DURATION.name in by_name else {}
        periods = sorted(set(lodged) | set(decided) | set(pending), key=lambda p: (len(p), p))
        if periods:
            p = periods[-1]
            lines.append("- " + t.text(
                "nb.dec.appeals", period=t.period(p), lodged=t.number(lodged.get(p, 0)),
                decided=t.number(decided.get(p, 0)),
                annulled=t.text("nb.count.annulments", annulled.get(p, 0),
                                count=t.number(annulled.get(p, 0))),
                pending=t.number(pending.get(p, 0)),
                median=t.text("nb.count.days", median.get(p, 0),
                              count=t.number(median.get(p, 0)))))
    if not lines:
        lines.append("- " + t.text("nb.dec.no_table"))
    return "\n".join(lines)


def chart_for(tables: list[Table]) -> Figure | None:
    by_name = {t.name: t for t in tables}
    table = by_name.get(ASYDCFSTQ.name) or by_name.get(ASYDCFINA.name)
    return recognition_chart(table) if table is not None else None


def recognition_chart(table: Table) -> Figure:
    """Recognition rate (positive / total) by citizenship, largest citizenships."""
    rows = recognition_rates(table)
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    ax.barh([r[0] for r in rows][::-1], [as_percent(r[3]) for r in rows][::-1])
    ax.set_xlim(0, 100)
    ax.set_title(f"Recognition rate by citizenship ({table.name})")
    ax.set_xlabel("positive decisions, % of all decisions")
    ax.text(0, -0.25, _SOURCE, fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
