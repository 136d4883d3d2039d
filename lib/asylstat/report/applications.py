"""The applications notebook's narrative and chart. Every figure comes from a table; every
sentence from the report's message catalogues (:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from matplotlib.figure import Figure

from asylstat.dataflows.applications import (
    ASYACCM,
    ASYAPPCTZM,
    ASYUMACTM,
    NAT_REGISTRATION,
    NAT_REGISTRATION_DELAYS,
    NAT_SUBMISSION,
)
from asylstat.dataflows.dimensions import CHANNEL, CITIZEN, margin_code
from asylstat.rates import tenths_of_percent
from asylstat.report.figures import finish_monthly_chart
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table


def _cell(table: Table, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (other dims at their totals)."""
    frame = table.data
    for dim in table.dimensions:
        value = fixed.get(dim, margin_code(dim))
        frame = frame[frame[dim] == value]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def top_citizenships(table: Table, n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` largest citizenships over all periods of the table (ties by code)."""
    frame = table.data
    for dim in table.dimensions:
        if dim != CITIZEN.name:
            frame = frame[frame[dim] == margin_code(dim)]
    frame = frame[frame[CITIZEN.name] != CITIZEN.total]
    sums = frame.groupby("citizen")["OBS_VALUE"].sum()
    ranked = sorted(sums.items(), key=lambda kv: (-int(kv[1]), kv[0]))
    return [(code, int(v)) for code, v in ranked[:n]]


def narrative(appctzm: Table, umactm: Table, accm: Table, t: Translator) -> str:
    """A short Markdown narrative of the applicant tables, from the message catalogue."""
    total, first = _cell(appctzm), _cell(appctzm, applicant="FRST")
    subsequent, uam, acc = (_cell(appctzm, applicant="SSEQ"), _cell(umactm),
                            _cell(accm))
    if not total:
        return t.text("nb.app.none")
    lines = []
    for period in sorted(total):
        lines.append("- " + t.text(
            "nb.app.month", total[period], period=bold(t.period(period)),
            applicants=t.number(total[period]), first=t.number(first.get(period, 0)),
            subsequent=t.number(subsequent.get(period, 0)),
            unaccompanied=t.number(uam.get(period, 0)), accelerated=t.number(acc.get(period, 0))))
    top = [t.text("item.country_count", country=t.country(code), count=t.number(value))
           for code, value in top_citizenships(appctzm)]
    lines.append("- " + t.text("nb.app.top", list=t.join(top)))
    return "\n".join(lines)


def national_lines(submission: Table, registration: Table, delays: Table,
                   t: Translator) -> list[str]:
    """Applications lodged, the share of subsequent ones (:func:`asylstat.rates.
    tenths_of_percent`), the registration backlog and delays, for the run's own (longest)
    period."""
    period = max(set(submission.data["TIME_PERIOD"]) | set(registration.data["TIME_PERIOD"]),
                 key=lambda p: (len(p), p), default=None)
    if period is None:
        return []
    apps = _cell(submission).get(period, 0)
    subsequent = _cell(submission, legal_type="SUBSEQUENT").get(period, 0)
    backlog = _steps(registration, "BACKLOG").get(period, 0)
    reg_median = _steps(delays, "REGISTERED", stat="P50").get(period)
    lines = ["- " + t.text("nb.app.national", apps, period=bold(t.period(period)),
                           applications=t.number(apps),
                           share=t.rate(tenths_of_percent(subsequent, apps)),
                           backlog=t.text("nb.count.persons", backlog,
                                          count=t.number(backlog)))]
    if reg_median is not None:
        p90 = _steps(delays, "REGISTERED", stat="P90").get(period, 0)
        lines.append("- " + t.text(
            "nb.app.delays", median=t.text("nb.count.days", reg_median,
                                           count=t.number(reg_median)),
            nine_in_ten=t.text("nb.count.days", p90, count=t.number(p90))))
    return lines


def _steps(table: Table, step: str, **fixed: str) -> dict[str, int]:
    frame = table.data[table.data["step"] == step]
    for dim, value in fixed.items():
        frame = frame[frame[dim] == value]
    if CHANNEL.name in table.dimensions:
        frame = frame[frame[CHANNEL.name] == CHANNEL.total]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


def narrative_for(tables: list[Table], lang: str = "en") -> str:
    """The narrative of the applicant tables (when the run made them) and of the national
    registration and submission tables, in ``lang`` (the report's message catalogues)."""
    t = Translator(lang)
    by_name = {t.name: t for t in tables}
    needed = (ASYAPPCTZM.name, ASYUMACTM.name, ASYACCM.name)
    lines = []
    if all(n in by_name for n in needed):
        lines.append(narrative(*(by_name[n] for n in needed), t))
    else:
        lines.append(t.text("nb.app.monthly_only"))
    national = (NAT_SUBMISSION.name, NAT_REGISTRATION.name, NAT_REGISTRATION_DELAYS.name)
    if all(n in by_name for n in national):
        lines += national_lines(*(by_name[n] for n in national), t)
    return "\n".join(lines)


def chart_for(tables: list[Table]) -> Figure | None:
    by_name = {t.name: t for t in tables}
    table = by_name.get(ASYAPPCTZM.name)
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
    return finish_monthly_chart(
        fig, ax, "Asylum applicants per month (MIGR_ASYAPPCTZM)",
        "persons")
