"""The returns notebook's narrative and chart. Every figure comes from a table; every sentence
from the report's message catalogues (:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.cohorts import COHORT, ELAPSED
from asylstat.dataflows.dimensions import margin_code
from asylstat.dataflows.returns import (
    EIORD1,
    EIRT_DEST,
    EIRT_TYPE,
    EIRTN1,
    FX_RDEC,
    FX_RET,
    NAT_DEPARTURES,
    NAT_RETURN_RATE,
    RETURN_TYPE,
    TO_CITIZENSHIP,
    TO_DUBLIN,
)
from asylstat.periods import Period
from asylstat.report.figures import finish_monthly_chart
from asylstat.report.figures import values_by_period as _values
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table

#: the largest citizenships named in the narrative
TOP = 5
_FORCED, _VOLUNTARY = RETURN_TYPE["FORCED"], RETURN_TYPE["VOLUNTARY"]
#: the cohort return rate the narratives quote: the share of a cohort returned by the end of
#: the fourth quarter after its own (within about a year of the decision), for the latest
#: cohort observed that long
RATE_AFTER_QUARTERS = 4


def quarter_after(label: str, quarters: int) -> str:
    """The label of the quarter ``quarters`` after the quarter ``label`` (2023-Q3, 4 →
    2024-Q3)."""
    start = Period.parse(label, "Q")
    index = start.year * 4 + start.index - 1 + quarters
    return Period("Q", index // 4, index % 4 + 1).label


def latest_cohort_rate(table: Table | None,
                       after: int = RATE_AFTER_QUARTERS) -> tuple[str, int] | None:
    """``(cohort, rate)``: the latest cohort of a table of cohort rates observed ``after``
    quarters after its own, and its rate in tenths of a percent; ``None`` when there is none."""
    if table is None:
        return None
    frame = table.data[table.data[ELAPSED.name] == str(after)]
    if frame.empty:
        return None
    row = frame.sort_values(COHORT.name).iloc[-1]
    return str(row[COHORT.name]), int(row["OBS_VALUE"])


def _run_label(labels: list[str]) -> str | None:
    """The run's own period among the periods of a national table (its months, then the
    quarter or year when longer): the one ending last, the longest of those."""
    def key(label: str) -> tuple[object, int]:
        period = Period.parse(label, "Q" if "-Q" in label else "M" if "-" in label else "A")
        return period.end, period.n_months
    return max(labels, key=key) if labels else None



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
    lines += _national_lines(by_name, t)
    if not lines:
        lines.append("- " + t.text("nb.rt.none"))
    return "\n".join(lines)


def _national_lines(by_name: dict[str, Table], t: Translator) -> list[str]:
    """The national tables' sentences: persons who left for another Dublin state in the run's
    own period (NAT_DEPARTURES), and the latest cohort return rate (NAT_RETURN_RATE)."""
    lines = []
    departed = _values(by_name.get(NAT_DEPARTURES.name))
    period = _run_label(sorted(departed))
    if period is not None:
        lines.append("- " + t.text(
            "nb.rt.departed", period=t.period(period), departed=t.number(departed[period]),
            dublin=t.number(_values(by_name[NAT_DEPARTURES.name],
                                    dest_group=TO_DUBLIN).get(period, 0))))
    observed = latest_cohort_rate(by_name.get(NAT_RETURN_RATE.name))
    if observed is not None:
        cohort, rate = observed
        lines.append("- " + t.text("nb.rt.rate", cohort=t.period(cohort), rate=t.percent(rate),
                                   by=t.period(quarter_after(cohort, RATE_AFTER_QUARTERS))))
    return lines


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
    return finish_monthly_chart(
        fig, ax, "Third-country nationals ordered to leave and returned, per month",
        "persons")
