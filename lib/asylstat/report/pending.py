"""The pending notebook's narrative and chart. Every figure comes from a table; every sentence
from the report's message catalogues (:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.pending import ASYPENCTZM, NAT_STILL_PROCESSED, NAT_STOCK_FLOW
from asylstat.report.figures import finish_monthly_chart
from asylstat.report.figures import values_by_period as _values
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table

#: the stages of NAT_STILL_PROCESSED, with the message naming each
STAGES = (("AWAIT_FIRST", "nb.stage.await_first"), ("FIRST_NOT_FINAL", "nb.stage.first_not_final"),
          ("APPEAL_PENDING", "nb.stage.appeal_pending"),
          ("APPEAL_DECIDED", "nb.stage.appeal_decided"))


def stock_flow_lines(stock_flow: Table, t: Translator) -> list[str]:
    """One sentence per month: the reconciliation and, when it does not close, why."""
    measures = {m: _values(stock_flow, measure=m)
                for m in ("OPEN_START", "LODGED", "CLOSED", "OPEN_END", "DIFFERENCE")}
    lines = []
    for period in sorted(set().union(*measures.values())):
        start, lodged, closed, end, diff = (measures[m].get(period, 0) for m in measures)
        line = "- " + t.text("nb.pen.flow", period=bold(t.period(period)),
                             start=t.number(start), lodged=t.number(lodged),
                             closed=t.number(closed), expected=t.number(start + lodged - closed),
                             end=t.number(end))
        if start + lodged - closed != end:
            line += " " + t.text("nb.pen.flow_fault",
                                 difference=t.number(start + lodged - closed - end),
                                 counted=t.number(diff))
        lines.append(line)
    return lines


def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """The narrative of the pending tables, in ``lang`` (the report's message catalogues)."""
    t = Translator(lang)
    by_name = {t.name: t for t in tables}
    lines = []
    pending = by_name.get(ASYPENCTZM.name)
    if pending is not None:
        persons = _values(pending)
        if not persons:
            lines.append("- " + t.text("nb.pen.none"))
        for period in sorted(persons):
            lines.append("- " + t.text("nb.pen.month", persons[period],
                                       period=bold(t.period(period)),
                                       persons=t.number(persons[period]), table=pending.name))
    else:
        lines.append("- " + t.text("nb.pen.monthly_only"))
    still = by_name.get(NAT_STILL_PROCESSED.name)
    if still is not None:
        totals = _values(still)
        if totals:
            last = max(totals, key=lambda p: (len(p), p))
            parts = [t.text(key, count=t.number(_values(still, stage=code).get(last, 0)))
                     for code, key in STAGES]
            lines.append("- " + t.text("nb.pen.still", totals[last], period=t.period(last),
                                       applications=t.number(totals[last]),
                                       stages=t.join(parts)))
    flow = by_name.get(NAT_STOCK_FLOW.name)
    if flow is not None:
        lines += stock_flow_lines(flow, t)
    return "\n".join(lines)


def chart_for(tables: list[Table]) -> Figure | None:
    by_name = {t.name: t for t in tables}
    still = by_name.get(NAT_STILL_PROCESSED.name)
    return stage_chart(still) if still is not None else None


def stage_chart(still: Table) -> Figure:
    """Applications still being processed on the last day of each month, by stage."""
    months = sorted(p for p in _values(still) if len(p) == 7)
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    bottom = [0] * len(months)
    for code, label in (("AWAIT_FIRST", "awaiting a first-instance decision"),
                        ("FIRST_NOT_FINAL", "first-instance decision not final"),
                        ("APPEAL_PENDING", "appeal pending"),
                        ("APPEAL_DECIDED", "appeal decided, not final")):
        values = _values(still, stage=code)
        heights = [values.get(m, 0) for m in months]
        ax.bar(months, heights, bottom=bottom, label=label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    return finish_monthly_chart(
        fig, ax, "Applications still being processed at the end of the month",
        "applications", legend_size=7)
