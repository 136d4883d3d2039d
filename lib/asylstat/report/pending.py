"""The pending notebook's narrative and chart. Every figure comes from a table."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.dimensions import margin_code
from asylstat.dataflows.pending import ASYPENCTZM, NAT_STILL_PROCESSED, NAT_STOCK_FLOW
from asylstat.tables import Table

_SOURCE = "Source: Immigration Office, eMigration data warehouse"


def _values(table: Table, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (other dims at their totals)."""
    frame = table.data
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def stock_flow_lines(stock_flow: Table) -> list[str]:
    """One sentence per month: the reconciliation and, when it does not close, why."""
    measures = {m: _values(stock_flow, measure=m)
                for m in ("OPEN_START", "LODGED", "CLOSED", "OPEN_END", "DIFFERENCE")}
    lines = []
    for period in sorted(set().union(*measures.values())):
        start, lodged, closed, end, diff = (measures[m].get(period, 0) for m in measures)
        line = (f"- **{period}** (applications): {start:,} open at the start + {lodged:,} "
                f"lodged − {closed:,} closed = {start + lodged - closed:,}; "
                f"{end:,} open at the end.")
        if start + lodged - closed != end:
            line += (f" **Difference {start + lodged - closed - end:,}**: applications closed "
                     f"before they were lodged ({diff:,} counted) — a warehouse fault to "
                     "report to ICT.")
        lines.append(line)
    return lines


def narrative_for(tables: list[Table]) -> str:
    by_name = {t.name: t for t in tables}
    lines = []
    pending = by_name.get(ASYPENCTZM.name)
    if pending is not None:
        persons = _values(pending)
        if not persons:
            lines.append("- No person had a pending application at the end of the months.")
        for period in sorted(persons):
            lines.append(f"- **{period}**: {persons[period]:,} persons had an application "
                         f"pending on the last day of the month ({ASYPENCTZM.name}).")
    else:
        lines.append(f"- {ASYPENCTZM.name} is monthly: this run's period has none.")
    still = by_name.get(NAT_STILL_PROCESSED.name)
    if still is not None:
        totals = _values(still)
        if totals:
            last = max(totals, key=lambda p: (len(p), p))
            stages = {code: _values(still, stage=code).get(last, 0)
                      for code in ("AWAIT_FIRST", "FIRST_NOT_FINAL", "APPEAL_PENDING",
                                   "APPEAL_DECIDED")}
            parts = ", ".join(f"{v:,} {k}" for k, v in stages.items())
            lines.append(f"- Still being processed on the last day of {last}: "
                         f"{totals[last]:,} applications ({parts}).")
    flow = by_name.get(NAT_STOCK_FLOW.name)
    if flow is not None:
        lines += stock_flow_lines(flow)
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
    ax.set_title("Applications still being processed at the end of the month")
    ax.set_xlabel("month")
    ax.set_ylabel("applications")
    ax.legend(frameon=False, fontsize=7)
    ax.text(0, -0.25, _SOURCE, fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
