"""What a domain notebook calls: a handful of functions, so that the notebook stays thin.

A notebook never displays warehouse rows: it shows per-table sections (pivot, validation,
changes, SQL: :mod:`asylstat.sections`), aggregates and charts.

The parameters a user owns are in the notebook's ``parameters`` cell, with the command line's
defaults (``as_of`` empty = now, the demonstration warehouse). The production run also passes
``output_dir`` (where its period is published) and ``shared_snapshot`` (the file of shared
derivations it computed once for all its notebooks, DuckDB only): the latter is production's
alone, preset empty in a hidden cell above the parameters and injected by papermill
(:func:`asylstat.run.execute_notebook`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown
from matplotlib.figure import Figure

from asylstat import paths
from asylstat.domains import build_table, domain, spec_of
from asylstat.params import ParameterError, RunParameters, redact_url
from asylstat.queries import run_periods, table_sql
from asylstat.scraps import glue_tables
from asylstat.sections import Sections, published_run, table_sections
from asylstat.tables import Table
from asylstat.warehouse.connect import WarehouseError, connect
from asylstat.warehouse.snapshot import Snapshot

#: the ``tables`` parameter's value for every table of the domain
ALL_TABLES = "all"


class NotebookStartError(RuntimeError):
    """The notebook cannot start (bad parameter, warehouse unreadable). IPython shows only
    the message, not a traceback (``_render_traceback_``): it is the first cell's output."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[1;31mThe notebook cannot start.\x1b[0m {self}"]


@dataclass(frozen=True)
class NotebookRun:
    params: RunParameters
    snapshot: Snapshot
    #: the names of the tables to make; empty: every table of the domain
    tables: tuple[str, ...] = ()


def _table_names(tables: str | Sequence[str]) -> tuple[str, ...]:
    if tables == ALL_TABLES or tables is None:
        return ()
    if isinstance(tables, str):
        return (tables,)
    if not all(isinstance(t, str) for t in tables):
        raise ParameterError(f"tables={tables!r}: write \"all\" or a list of table names")
    return tuple(tables)


def default_output_dir() -> Path:
    """Where the command line publishes runs by default (``parameters/defaults.toml``, from
    the project's folder, as ``make`` runs it)."""
    return paths.project_root() / paths.defaults()["run"]["output_dir"]


def start(*, kind: str, period: str, dwh_url: str, schema: str, as_of: str = "",
          output_dir: str = "", tables: str | Sequence[str] = ALL_TABLES,
          shared_snapshot: str = "") -> NotebookRun:
    """Validate the notebook's parameters and open the warehouse as of ``as_of`` (empty: now,
    as on the command line). ``tables``: ``"all"`` or the names of the tables to make.
    ``output_dir``: where runs are published (the sections compare with the period's).
    Raises :class:`NotebookStartError` with a message saying what to change."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        params = RunParameters.parse(kind=kind, period=period, dwh_url=dwh_url, schema=schema,
                                     as_of=as_of or None,
                                     output_dir=output_dir or default_output_dir())
        names = _table_names(tables)
        shared = Path(shared_snapshot) if shared_snapshot else None
        if shared is not None and not shared.is_file():
            raise ParameterError(f"shared_snapshot={shared_snapshot!r} is not a file: leave it "
                                 "empty (it is set by a production run only)")
    except ParameterError as exc:
        raise NotebookStartError(f"Bad parameter: {exc}. Change it in the parameters cell "
                                 "and run the notebook again.") from None
    try:
        warehouse = connect(params.dwh_url, params.schema)
    except WarehouseError as exc:
        raise NotebookStartError(
            f"The warehouse cannot be read: {exc}. Check dwh_url "
            f"({redact_url(params.dwh_url)}) and schema ({params.schema}) in the parameters "
            "cell; the demonstration warehouse is made by `make demo-dwh` (data/demo.duckdb); "
            "for another warehouse ask ICT whether it is up and follows the contract "
            "(dwh-contract.md).") from None
    snapshot = Snapshot(warehouse, params.as_of, shared_file=shared)
    return NotebookRun(params=params, snapshot=snapshot, tables=names)


def build(run: NotebookRun, domain_name: str) -> list[Table]:
    """The tables of the domain due for the run (computed in the warehouse engine), or only
    those named by the notebook's ``tables`` parameter, each with the SQL that counted it."""
    dom = domain(domain_name)
    specs = dom.tables
    if run.tables:
        known = {spec.name for spec in dom.tables}
        unknown = [name for name in run.tables if name not in known]
        if unknown:
            raise NotebookStartError(
                f"tables: {', '.join(unknown)} not in the {domain_name} domain; its tables: "
                f"{', '.join(sorted(known))}")
        specs = tuple(spec for spec in dom.tables if spec.name in run.tables)
    out = []
    for spec in specs:
        table = build_table(spec, run.snapshot, run.params.period)
        if table is not None:
            query = table_sql(spec, run.snapshot, run.params.period).script()
            out.append(replace(table, query=query))
    return out


def sections(run: NotebookRun, tables: list[Table]) -> Sections:
    """Every table's section (definition, pivot, validation, changes against the published
    run of the period, SQL), shown by Jupyter as HTML."""
    published = published_run(run.params.output_dir / run.params.period.label)
    made = table_sections(tables, spec_of, lambda spec: run_periods(spec, run.params.period),
                          published=published)
    return Sections(sections=tuple(made), engine=run.snapshot.warehouse.con.name)


def summary(tables: list[Table]) -> pd.DataFrame:
    """One line per table: its name, title, unit, number of non-zero cells and the periods it
    holds. Nothing is added up (a table's own totals are in its section,
    :func:`sections`)."""
    return pd.DataFrame([{"table": t.name, "title": t.title, "unit": t.unit,
                          "cells": len(t.data),
                          "periods": ", ".join(sorted(set(t.data["TIME_PERIOD"])))}
                         for t in tables])


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
