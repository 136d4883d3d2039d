"""The Dublin notebook's narrative, national rates and chart. Every figure comes from a finished
table (the annual Eurostat dataflows, or their monthly national variants), never from warehouse
rows. Dublin figures are published unrounded; rates are computed from exact figures by
:func:`asylstat.rates.tenths_of_percent` and shown with one decimal (statistics.md,
"Dissemination"); every sentence comes from the report's message catalogues
(:mod:`asylstat.report.i18n`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from asylstat.cube import CubeSpec
from asylstat.dataflows.dimensions import margin_code
from asylstat.dataflows.dublin import (
    DUBDI,
    DUBDO,
    DUBDUNI,
    DUBRI,
    DUBRINFI,
    DUBRINFO,
    DUBRO,
    DUBTI,
    DUBTO,
    PARTNER,
    national_name,
)
from asylstat.rates import as_percent, tenths_of_percent
from asylstat.report.i18n import Translator, bold
from asylstat.tables import Table


@dataclass(frozen=True)
class Direction:
    """The dataflows the narrative reads for one direction."""

    code: str
    word: str
    requests: CubeSpec
    replies: CubeSpec
    transfers: CubeSpec
    information: CubeSpec


_DIRECTIONS = (Direction("OUT", "nb.dub.outgoing", DUBRO, DUBDO, DUBTO, DUBRINFO),
               Direction("IN", "nb.dub.incoming", DUBRI, DUBDI, DUBTI, DUBRINFI))
_ALL = PARTNER.total


def _table(tables: Sequence[Table], dataflow: CubeSpec) -> Table | None:
    """The dataflow itself (annual run) or its monthly national variant (other runs)."""
    by_name = {t.name: t for t in tables}
    return by_name.get(dataflow.name) or by_name.get(national_name(dataflow.name))


def by_partner(table: Table | None, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by ``partner`` summed over every period of the table, the other dimensions at
    their totals unless ``fixed`` (events: the periods' counts add up)."""
    if table is None:
        return {}
    frame = table.data
    for dim in table.dimensions:
        if dim != PARTNER.name:
            frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    sums = frame.groupby("partner")["OBS_VALUE"].sum()
    return {str(k): int(v) for k, v in sums.items()}


def rates_by_partner(tables: Sequence[Table]) -> pd.DataFrame:
    """statistics.md, "National statistics", Dublin: per direction and partner state, the
    acceptance rate = accepted replies (explicit and implicit) / all replies (ACC / TOTAL of
    MIGR_DUBDO/I) and the transfer rate = transfers / acceptances, over the run's periods, in
    percent with one decimal (:func:`asylstat.rates.tenths_of_percent`, shown by
    :func:`asylstat.rates.as_percent`; empty when the denominator is 0). Partner ``TOTAL`` is
    all states."""
    rows = []
    for way in _DIRECTIONS:
        direction = way.code
        decisions = _table(tables, way.replies)
        replies, accepted = by_partner(decisions), by_partner(decisions, decision="ACC")
        moved = by_partner(_table(tables, way.transfers))
        for partner in sorted(set(replies) | set(moved), key=lambda p: (p == _ALL, p)):
            n_rep, n_acc, n_tr = replies.get(partner, 0), accepted.get(partner, 0), \
                moved.get(partner, 0)
            rows.append({"direction": direction, "partner": partner, "replies": n_rep,
                         "accepted": n_acc,
                         "acceptance_rate": as_percent(tenths_of_percent(n_acc, n_rep)),
                         "transfers": n_tr,
                         "transfer_rate": as_percent(tenths_of_percent(n_tr, n_acc))})
    columns = ["direction", "partner", "replies", "accepted", "acceptance_rate", "transfers",
               "transfer_rate"]
    return pd.DataFrame(rows, columns=columns)


def narrative_for(tables: Sequence[Table], lang: str = "en") -> str:
    """A short Markdown narrative: requests, replies, acceptance and transfer rates, transfers
    and the stocks at the end, per direction, over the run's periods, in ``lang`` (the report's
    message catalogues)."""
    t = Translator(lang)
    if _table(tables, DUBRO) is None:
        return t.text("nb.dub.none")
    lines = []
    for way in _DIRECTIONS:
        word = way.word
        requests = by_partner(_table(tables, way.requests)).get(_ALL, 0)
        info = by_partner(_table(tables, way.information)).get(_ALL, 0)
        decisions = _table(tables, way.replies)
        replies = by_partner(decisions).get(_ALL, 0)
        accepted = by_partner(decisions, decision="ACC").get(_ALL, 0)
        transfers = by_partner(_table(tables, way.transfers)).get(_ALL, 0)
        lines.append("- " + t.text(
            "nb.dub.direction", direction=bold(t.text(word)), requests=t.number(requests),
            info=t.number(info), replies=t.number(replies),
            acceptance_rate=t.rate(tenths_of_percent(accepted, replies)),
            transfers=t.number(transfers),
            transfer_rate=t.rate(tenths_of_percent(transfers, accepted))))
        top = sorted(((p, v) for p, v in by_partner(_table(tables, way.requests)).items()
                      if p != _ALL), key=lambda kv: (-kv[1], kv[0]))[:5]
        if top:
            items = [t.text("item.country_count", country=t.country(p), count=t.number(v))
                     for p, v in top]
            lines.append("  " + t.text("nb.dub.partners", list=t.join(items)))
    unilateral = by_partner(_table(tables, DUBDUNI)).get(_ALL, 0)
    lines.append("- " + t.text("nb.dub.unilateral",
                               heading=bold(t.text("nb.dub.unilateral_heading")),
                               reference=t.text("ref.sovereignty"),
                               decisions=t.number(unilateral)))
    lines.append("- " + t.text("nb.dub.note"))
    return "\n".join(lines)


def chart_for(tables: Sequence[Table], top: int = 12) -> Figure | None:
    """Outgoing requests and transfers by partner state, for the ``top`` partners by
    requests (horizontal bars); ``None`` when the run made no Dublin table."""
    requests_table = _table(tables, DUBRO)
    if requests_table is None:
        return None
    requests = by_partner(requests_table)
    moved = by_partner(_table(tables, DUBTO))
    partners = sorted((p for p in requests if p != _ALL),
                      key=lambda p: (-requests[p], p))[:top]
    partners.reverse()
    fig = Figure(figsize=(7, 0.35 * max(len(partners), 4) + 1.2))
    ax = fig.subplots()
    positions = range(len(partners))
    ax.barh([y + 0.2 for y in positions], [requests[p] for p in partners], height=0.4,
            label="requests (take charge and take back)")
    ax.barh([y - 0.2 for y in positions], [moved.get(p, 0) for p in partners], height=0.4,
            label="transfers")
    ax.set_yticks(list(positions), partners)
    periods = sorted(set(requests_table.data["TIME_PERIOD"]))
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}" if periods \
        else "no data"
    ax.set_title(f"Outgoing Dublin requests and transfers by partner state, {span}")
    ax.set_xlabel("number (unrounded)")
    ax.legend(frameon=False, loc="lower right")
    ax.text(0, -0.12 - 1.5 / (len(partners) + 4), "Source: Immigration Office, eMigration data "
            f"warehouse ({DUBRO.name}, {DUBTO.name})", fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
