"""Reading figures out of finished tables for the narratives (one home for the domain
notebooks' narratives and charts)."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from asylstat.dataflows.dimensions import margin_code
from asylstat.tables import Table


def values_by_period(table: Table | None, **fixed: str) -> dict[str, int]:
    """OBS_VALUE by TIME_PERIOD for the cell fixed by ``fixed`` (every other dimension at its
    margin); empty when the run did not make the table (``None``) or the cell is zero."""
    if table is None:
        return {}
    frame = table.data
    for dim in table.dimensions:
        frame = frame[frame[dim] == fixed.get(dim, margin_code(dim))]
    return {p: int(v) for p, v in zip(frame["TIME_PERIOD"], frame["OBS_VALUE"], strict=True)}


#: the source line under the notebooks' charts
WAREHOUSE_SOURCE = "Source: Immigration Office, eMigration data warehouse"


def finish_monthly_chart(fig: Figure, ax: Axes, title: str, unit: str, *,
                         legend_size: float | None = None,
                         source: str = WAREHOUSE_SOURCE) -> Figure:
    """The common frame of a notebook's per-month chart: title, axis labels (months; the
    unit), legend, the source line under the plot, tight layout."""
    ax.set_title(title)
    ax.set_xlabel("month")
    ax.set_ylabel(unit)
    ax.legend(frameon=False, **({"fontsize": legend_size} if legend_size else {}))
    ax.text(0, -0.25, source, fontsize=7, transform=ax.transAxes)
    fig.tight_layout()
    return fig
