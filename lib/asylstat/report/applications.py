"""The applications notebook's narrative and chart. Every figure comes from a table."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.tables import Table


def _cell(table: Table, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (other dims at their totals)."""
    frame = table.data
    for dim in table.dimensions:
        value = fixed.get(dim, "T" if dim == "sex" else "TOTAL")
        frame = frame[frame[dim] == value]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def top_citizenships(table: Table, n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` largest citizenships over all periods of the table (ties by code)."""
    frame = table.data
    for dim in table.dimensions:
        if dim != "citizen":
            frame = frame[frame[dim] == ("T" if dim == "sex" else "TOTAL")]
    frame = frame[frame["citizen"] != "TOTAL"]
    sums = frame.groupby("citizen")["OBS_VALUE"].sum()
    ranked = sorted(sums.items(), key=lambda kv: (-int(kv[1]), kv[0]))
    return [(code, int(v)) for code, v in ranked[:n]]


def narrative(appctzm: Table, umactm: Table, accm: Table) -> str:
    """A short Markdown narrative of the applicant tables."""
    total, first = _cell(appctzm), _cell(appctzm, applicant="FRST")
    subsequent, uam, acc = (_cell(appctzm, applicant="SSEQ"), _cell(umactm),
                            _cell(accm))
    if not total:
        return "No applicant was recorded in the period."
    lines = []
    for period in sorted(total):
        lines.append(
            f"- **{period}**: {total[period]:,} applicants, of whom {first.get(period, 0):,} "
            f"first-time and {subsequent.get(period, 0):,} subsequent; "
            f"{uam.get(period, 0):,} unaccompanied minors; "
            f"{acc.get(period, 0):,} under the accelerated procedure.")
    top = ", ".join(f"{code} ({value:,})" for code, value in top_citizenships(appctzm))
    lines.append(f"- Largest citizenships over the period: {top}.")
    return "\n".join(lines)


def narrative_for(tables: list[Table]) -> str:
    """The narrative when the run made the applicant tables, else a sentence saying why not."""
    by_name = {t.name: t for t in tables}
    needed = ("MIGR_ASYAPPCTZM", "MIGR_ASYUMACTM", "MIGR_ASYACCM")
    if not all(n in by_name for n in needed):
        return "The applicant tables are monthly: this run's period has none."
    return narrative(*(by_name[n] for n in needed))


def chart_for(tables: list[Table]) -> Figure | None:
    by_name = {t.name: t for t in tables}
    table = by_name.get("MIGR_ASYAPPCTZM")
    return applicants_chart(table) if table is not None else None


def applicants_chart(appctzm: Table) -> Figure:
    """First-time and other applicants per month, stacked bars."""
    total, first = _cell(appctzm), _cell(appctzm, applicant="FRST")
    periods = sorted(total)
    others = [total[p] - first.get(p, 0) for p in periods]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    ax.bar(periods, [first.get(p, 0) for p in periods], label="first-time")
    ax.bar(periods, others, bottom=[first.get(p, 0) for p in periods],
           label="subsequent or repeated")
    ax.set_title("Asylum applicants per month (MIGR_ASYAPPCTZM)")
    ax.set_xlabel("month")
    ax.set_ylabel("persons")
    ax.legend(frameon=False)
    ax.text(0, -0.25, "Source: Immigration Office, eMigration data warehouse", fontsize=7,
            transform=ax.transAxes)
    fig.tight_layout()
    return fig
