"""The returns notebook's narrative and chart. Every figure comes from a table; every sentence
from the report's message catalogues (:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.dimensions import margin_code
from asylstat.dataflows.returns import (
    EIORD1,
    EIRT_DEST,
    EIRT_TYPE,
    EIRTN1,
    FX_RDEC,
    FX_RET,
    RETURN_TYPE,
    TO_CITIZENSHIP,
)
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table

_SOURCE = "Source: Immigration Office, eMigration data warehouse"
#: the largest citizenships named in the narrative
TOP = 5
_FORCED, _VOLUNTARY = RETURN_TYPE["FORCED"], RETURN_TYPE["VOLUNTARY"]


def _values(table: Table | None, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (other dims at their totals)."""
    if table is None:
        return {}
    frame = table.data
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """The narrative of the return tables, in ``lang``: the quarter (Eurostat tables) when the
    run has one, each month (Frontex tables), and the largest citizenships ordered to leave."""
    t = Translator(lang)
    by_name = {table.name: table for table in tables}
    lines = []
    ordered, returned = by_name.get(EIORD1.name), by_name.get(EIRTN1.name)
    kinds, dest = by_name.get(EIRT_TYPE.name), by_name.get(EIRT_DEST.name)
    for period, count in sorted(_values(ordered).items()):
        lines.append("- " + t.text(
            "nb.rt.quarter", period=bold(t.period(period)), ordered=t.number(count),
            returned=t.number(_values(returned).get(period, 0)),
            forced=t.number(_values(kinds, c_rtn=_FORCED).get(period, 0)),
            voluntary=t.number(_values(kinds, c_rtn=_VOLUNTARY).get(period, 0)),
            assisted=t.number(_values(kinds, assist="AS").get(period, 0)),
            to_origin=t.number(_values(dest, c_dest=TO_CITIZENSHIP).get(period, 0))))
    monthly_returned = _values(by_name.get(FX_RET.name))
    for period, count in sorted(_values(by_name.get(FX_RDEC.name)).items()):
        lines.append("- " + t.text("nb.rt.month", period=t.period(period),
                                   ordered=t.number(count),
                                   returned=t.number(monthly_returned.get(period, 0))))
    source = ordered or by_name.get(FX_RDEC.name)
    if source is not None and not source.data.empty:
        top = _largest_citizenships(source)
        if top:
            lines.append("- " + t.text("nb.rt.top", list=t.join(
                [f"{t.country(code)} ({t.number(n)})" for code, n in top])))
    if not lines:
        lines.append("- " + t.text("nb.rt.none"))
    return "\n".join(lines)


def _largest_citizenships(table: Table) -> list[tuple[str, int]]:
    """The :data:`TOP` citizenships with most persons over the table's periods (each period's
    persons added: a person ordered to leave in two months counts in each)."""
    frame = table.data
    for dim in table.dimensions:
        if dim != "citizen":
            frame = frame[frame[dim] == margin_code(dim)]
    frame = frame[~frame["citizen"].isin([margin_code("citizen"), "UNK"])]
    sums = frame.groupby("citizen")["OBS_VALUE"].sum()
    ranked = sorted(sums.items(), key=lambda kv: (-int(kv[1]), kv[0]))[:TOP]
    return [(str(code), int(n)) for code, n in ranked]


def chart_for(tables: list[Table]) -> Figure | None:
    """Persons ordered to leave and persons returned per month (the Frontex tables)."""
    by_name = {table.name: table for table in tables}
    ordered, returned = by_name.get(FX_RDEC.name), by_name.get(FX_RET.name)
    if ordered is None:
        return None
    ordered_values, returned_values = _values(ordered), _values(returned)
    months = sorted(set(ordered_values) | set(returned_values))
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    width = 0.4
    xs = range(len(months))
    ax.bar([x - width / 2 for x in xs], [ordered_values.get(m, 0) for m in months], width,
           label="ordered to leave")
    ax.bar([x + width / 2 for x in xs], [returned_values.get(m, 0) for m in months], width,
           label="returned to a third country")
    ax.set_xticks(list(xs), months)
    ax.set_title("Third-country nationals ordered to leave and returned, per month")
    ax.set_xlabel("month")
    ax.set_ylabel("persons")
    ax.legend(frameon=False)
    ax.text(0, -0.25, _SOURCE, fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
