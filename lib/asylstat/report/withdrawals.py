"""The withdrawals notebook's narrative and chart. Every figure comes from a table; every
sentence from the report's message catalogues (:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.withdrawals import ASYWITHM, NAT_WAIVED
from asylstat.report.figures import finish_monthly_chart
from asylstat.report.figures import values_by_period as _values
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table

_TYPES = (("EXPL", "explicit"), ("IMPL", "implicit"), ("UNK", "unknown kind"))
#: the types of withdrawal, with the message counting each in the narrative
_TYPE_MESSAGES = (("EXPL", "nb.wd.explicit"), ("IMPL", "nb.wd.implicit"),
                  ("UNK", "nb.wd.unknown"))



def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """The narrative of the withdrawal tables, in ``lang`` (the report's message catalogues)."""
    t = Translator(lang)
    by_name = {t.name: t for t in tables}
    table = by_name.get(ASYWITHM.name)
    lines = []
    if table is None:
        lines.append("- " + t.text("nb.wd.monthly_only"))
    else:
        total = _values(table)
        if not total:
            lines.append("- " + t.text("nb.wd.none"))
        by_type = {code: _values(table, withdr=code) for code, _ in _TYPE_MESSAGES}
        for period in sorted(total):
            parts = [t.text(key, count=t.number(by_type[code].get(period, 0)))
                     for code, key in _TYPE_MESSAGES]
            lines.append("- " + t.text("nb.wd.month", total[period],
                                       period=bold(t.period(period)),
                                       persons=t.number(total[period]), kinds=t.join(parts)))
    waived = by_name.get(NAT_WAIVED.name)
    if waived is not None:
        totals = _values(waived)
        if totals:
            last = max(totals, key=lambda p: (len(p), p))
            early = (_values(waived, stage="NOT_LODGED").get(last, 0)
                     + _values(waived, stage="AWAIT_FIRST").get(last, 0))
            lines.append("- " + t.text("nb.wd.waived", totals[last], period=t.period(last),
                                       applications=t.number(totals[last]),
                                       early=t.number(early)))
    return "\n".join(lines)


def chart_for(tables: list[Table]) -> Figure | None:
    table = {t.name: t for t in tables}.get(ASYWITHM.name)
    return withdrawals_chart(table) if table is not None else None


def withdrawals_chart(table: Table) -> Figure:
    """Persons who withdrew per month, stacked by type of withdrawal."""
    months = sorted(_values(table))
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    bottom = [0] * len(months)
    for code, label in _TYPES:
        values = _values(table, withdr=code)
        heights = [values.get(m, 0) for m in months]
        ax.bar(months, heights, bottom=bottom, label=label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    return finish_monthly_chart(
        fig, ax, "Persons whose application was withdrawn (MIGR_ASYWITHM)",
        "persons")
