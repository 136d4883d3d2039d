"""What a domain notebook calls: a handful of functions, so that the notebook stays thin.

A notebook never displays warehouse rows: it shows table summaries, aggregates and charts.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown
from matplotlib.figure import Figure

from asylstat.dataflows.dimensions import margin_code
from asylstat.domains import build_domain, domain
from asylstat.params import RunParameters
from asylstat.scraps import glue_tables
from asylstat.tables import Table
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot


@dataclass(frozen=True)
class NotebookRun:
    params: RunParameters
    snapshot: Snapshot


def start(*, kind: str, period: str, dwh_url: str, schema: str, as_of: str,
          shared_snapshot: str = "") -> NotebookRun:
    """Validate the notebook's parameters and open the warehouse as of ``as_of``. A
    production run passes ``shared_snapshot``: the file of shared derivations it computed
    once for all its notebooks (DuckDB only; empty when the notebook is run by hand)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    params = RunParameters.parse(kind=kind, period=period, dwh_url=dwh_url, schema=schema,
                                 as_of=as_of or None)
    snapshot = Snapshot(connect(params.dwh_url, params.schema), params.as_of,
                        shared_file=Path(shared_snapshot) if shared_snapshot else None)
    return NotebookRun(params=params, snapshot=snapshot)


def build(run: NotebookRun, domain_name: str) -> list[Table]:
    """Every table of the domain due for the run (computed in the warehouse engine)."""
    return build_domain(domain(domain_name), run.snapshot, run.params)


def summary(tables: list[Table]) -> pd.DataFrame:
    """One line per table: cells and the grand total per period (aggregates only)."""
    rows = []
    for t in tables:
        grand = t.data
        for dim in t.dimensions:
            codes = set(grand[dim])
            top = margin_code(dim)
            if top in codes:
                grand = grand[grand[dim] == top]
        totals = {p: int(v) for p, v in grand.groupby("TIME_PERIOD")["OBS_VALUE"].sum().items()}
        rows.append({"table": t.name, "title": t.title, "cells": len(t.data),
                     **{f"total {p}": v for p, v in sorted(totals.items())}})
    return pd.DataFrame(rows).fillna(0)


def figure(fig: Figure | None) -> Image | Markdown:
    """Show a chart as an embedded PNG (self-contained; no pyplot state)."""
    if fig is None:
        return Markdown("_No chart for this run's period._")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return Image(data=buffer.getvalue(), format="png")


def publish(tables: list[Table]) -> None:
    """Hand the tables to the production run (scrapbook)."""
    glue_tables(tables)
