"""The Dublin notebook's narrative, national rates and chart. Every figure comes from a finished
table (the annual Eurostat dataflows, or their monthly national variants), never from warehouse
rows. Dublin figures are published unrounded; rates are computed from exact figures and shown
with one decimal (statistics.md, "Dissemination")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


_DIRECTIONS = (Direction("OUT", "outgoing", DUBRO, DUBDO, DUBTO, DUBRINFO),
               Direction("IN", "incoming", DUBRI, DUBDI, DUBTI, DUBRINFI))
_ALL = PARTNER.total


def rate(numerator: int, denominator: int) -> float | None:
    """``100 * numerator / denominator`` rounded half up to one decimal from the exact integers
    (no binary floating-point rounding on the way); ``None`` when the denominator is 0."""
    if denominator == 0:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


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
    percent with one decimal (empty when the denominator is 0). Partner ``TOTAL`` is all states."""
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
                         "accepted": n_acc, "acceptance_rate": rate(n_acc, n_rep),
                         "transfers": n_tr, "transfer_rate": rate(n_tr, n_acc)})
    columns = ["direction", "partner", "replies", "accepted", "acceptance_rate", "transfers",
               "transfer_rate"]
    return pd.DataFrame(rows, columns=columns)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def narrative_for(tables: Sequence[Table]) -> str:
    """A short Markdown narrative: requests, replies, acceptance and transfer rates, transfers
    and the stocks at the end, per direction, over the run's periods."""
    if _table(tables, DUBRO) is None:
        return "The run made no Dublin table."
    rates = rates_by_partner(tables)
    lines = []
    for way in _DIRECTIONS:
        word = way.word
        requests = by_partner(_table(tables, way.requests)).get(_ALL, 0)
        info = by_partner(_table(tables, way.information)).get(_ALL, 0)
        total = rates[(rates.direction == way.code) & (rates.partner == _ALL)]
        row = total.iloc[0] if len(total) else None
        replies = int(row["replies"]) if row is not None else 0
        transfers = int(row["transfers"]) if row is not None else 0
        lines.append(
            f"- **{word.capitalize()}**: {requests:,} take-charge and take-back requests "
            f"(re-examinations excluded) and {info:,} requests for information; {replies:,} "
            f"replies, acceptance rate "
            f"{_fmt(row['acceptance_rate'] if row is not None else None)}; {transfers:,} "
            f"transfers, transfer rate "
            f"{_fmt(row['transfer_rate'] if row is not None else None)} of acceptances.")
        top = sorted(((p, v) for p, v in by_partner(_table(tables, way.requests)).items()
                      if p != _ALL), key=lambda kv: (-kv[1], kv[0]))[:5]
        if top:
            lines.append(f"  Main partner states: {', '.join(f'{p} ({v:,})' for p, v in top)}.")
    unilateral = by_partner(_table(tables, DUBDUNI)).get(_ALL, 0)
    lines.append(f"- **Unilateral decisions** (art. 17(1)): {unilateral:,}.")
    lines.append("- Rates are computed from exact figures (accepted replies / all replies; "
                 "transfers / acceptances in the same period, so a transfer can follow an "
                 "acceptance of an earlier period).")
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
