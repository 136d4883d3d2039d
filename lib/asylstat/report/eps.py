"""The EPS notebook's narrative and chart. Every figure comes from a table; every sentence from
the report's message catalogues (:mod:`asylstat.report.i18n`). The EPS figures are exact (the
notebook is the unit's audit trail; the EUAA receives them exact)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.eps import EPS_APP, EPS_DEC, EPS_DUB, EPS_PEND, EPS_WITH
from asylstat.report.figures import finish_monthly_chart
from asylstat.report.figures import values_by_period as _values
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table


def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """One line per month of the EPS tables, in ``lang``."""
    t = Translator(lang)
    by_name = {table.name: table for table in tables}
    if EPS_APP.name not in by_name:
        return "- " + t.text("nb.eps.none")
    applicants = _values(by_name[EPS_APP.name])
    repeated = _values(by_name.get(EPS_APP.name), applicant="REP")
    withdrawn = _values(by_name.get(EPS_WITH.name))
    decided = _values(by_name.get(EPS_DEC.name))
    pending = _values(by_name.get(EPS_PEND.name))
    waiting_long = _values(by_name.get(EPS_PEND.name), duration="M_GE6")
    dub = by_name.get(EPS_DUB.name)
    requests, transfers = _values(dub, indicator="REQ"), _values(dub, indicator="TRF")
    months = sorted(set(applicants) | set(pending) | set(decided))
    lines = []
    for month in months:
        lines.append("- " + t.text(
            "nb.eps.month", applicants.get(month, 0), period=bold(t.period(month)),
            applicants=t.number(applicants.get(month, 0)),
            repeated=t.number(repeated.get(month, 0)),
            withdrawn=t.number(withdrawn.get(month, 0)),
            decided=t.number(decided.get(month, 0)), pending=t.number(pending.get(month, 0)),
            waiting_long=t.number(waiting_long.get(month, 0)),
            requests=t.number(requests.get(month, 0)),
            transfers=t.number(transfers.get(month, 0))))
    return "\n".join(lines)


def chart_for(tables: list[Table]) -> Figure | None:
    table = {t.name: t for t in tables}.get(EPS_APP.name)
    return applicants_chart(table) if table is not None and len(table.data) else None


def applicants_chart(table: Table) -> Figure:
    """EPS applicants per month, first-time and repeated stacked."""
    months = sorted(_values(table))
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    bottom = [0] * len(months)
    for code, label in (("FRST", "first-time"), ("REP", "repeated")):
        values = _values(table, applicant=code)
        heights = [values.get(m, 0) for m in months]
        ax.bar(months, heights, bottom=bottom, label=label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    return finish_monthly_chart(
        fig, ax, f"EPS applicants per month, first-time and repeated ({table.name})",
        "persons")
