"""The decisions notebook's narrative and chart. Every figure comes from a table; rates are
computed from exact figures and shown with one decimal (statistics.md, "Dissemination")."""

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
from asylstat.tables import Table

_SOURCE = "Source: CGRS and CALL decisions, eMigration data warehouse"


def _values(table: Table, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (other dims at their totals)."""
    frame = table.data
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def recognition_rates(table: Table, n: int = 8) -> list[tuple[str, int, int, float]]:
    """``(citizen, positive, total, rate %)`` for the ``n`` citizenships with the most
    decisions over the table's periods: rate = POS / TOTAL (ties by code)."""
    frame = table.data
    for dim in ("sex", "age"):
        frame = frame[frame[dim] == margin_code(dim)]
    frame = frame[frame[CITIZEN.name] != CITIZEN.total]
    sums = frame.groupby(["citizen", "decision"])["OBS_VALUE"].sum()
    rows = []
    for citizen in sorted({c for c, _ in sums.index}):
        total = int(sums.get((citizen, DECISION.total), 0))
        positive = int(sums.get((citizen, "POS"), 0))
        if total:
            rows.append((citizen, positive, total, round(100 * positive / total, 1)))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows[:n]


def _decision_lines(table: Table, what: str) -> list[str]:
    total, positive = _values(table), _values(table, decision="POS")
    lines = []
    for period in sorted(total):
        rate = 100 * positive.get(period, 0) / total[period]
        lines.append(f"- **{period}**: {total[period]:,} persons received a {what}, "
                     f"{positive.get(period, 0):,} positive: recognition rate {rate:.1f}%.")
    return lines or [f"- No {what} in the period."]


def narrative_for(tables: list[Table]) -> str:
    by_name = {t.name: t for t in tables}
    lines = []
    if ASYDCFSTQ.name in by_name:
        table = by_name[ASYDCFSTQ.name]
        lines += _decision_lines(table, "first-instance decision")
        top = "; ".join(f"{c} {r:.1f}% ({p:,}/{t:,})"
                        for c, p, t, r in recognition_rates(table, 5))
        if top:
            lines.append(f"- Recognition rates, largest citizenships: {top}.")
    if ASYDCFINA.name in by_name:
        lines += _decision_lines(by_name[ASYDCFINA.name], "final decision in appeal")
    if ASYUNAA.name in by_name:
        for period, value in sorted(_values(by_name[ASYUNAA.name]).items()):
            lines.append(f"- **{period}**: {value:,} applicants considered unaccompanied "
                         f"minors ({ASYUNAA.name}).")
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
            lines.append(f"- Appeals in {p}: {lodged.get(p, 0):,} lodged, {decided.get(p, 0):,} "
                         f"decided ({annulled.get(p, 0):,} annulments), {pending.get(p, 0):,} "
                         f"pending at the end; median duration {median.get(p, 0):,} days.")
    if not lines:
        lines.append("- No decision table is due for this run's period.")
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
    ax.barh([r[0] for r in rows][::-1], [r[3] for r in rows][::-1])
    ax.set_xlim(0, 100)
    ax.set_title(f"Recognition rate by citizenship ({table.name})")
    ax.set_xlabel("positive decisions, % of all decisions")
    ax.text(0, -0.25, _SOURCE, fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
