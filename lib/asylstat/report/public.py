"""Public tables (outputs.md: ``public/<PERIOD>_public.xlsx`` and ``public/<DATAFLOW>.csv``).

The run's Eurostat-definition tables, its national tables and the report's tables, rounded for
dissemination as statistics.md says (:mod:`asylstat.report.rounding`): every count of persons,
applications or appeals is rounded to the nearest multiple of 5, each cell independently;
Dublin tables (events), durations in days and rates are published as computed.

**A cell that rounds to 0 is left out.** The tables list non-zero cells only and a reader
treats a missing cell as zero (statistics.md, "Cells"), so an omitted cell reads exactly as its
rounded value, 0. Writing an explicit 0 would instead tell the reader that the exact figure was
1 or 2 rather than 0 — the very detail rounding is meant to withhold — and would break the
"no zero cell" layout of the SDMX-CSV files.

The exact tables stay in ``tables/`` and in the transmission; nothing here is exact unless its
table's declaration says ``disclosure="exact"`` (:mod:`asylstat.declaration`; the Dublin tables)
or it holds no counts (:func:`is_rounded`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from asylstat.checks import RuleResult
from asylstat.declaration import UNPUBLISHED
from asylstat.report.rounding import BASE, round_to_base
from asylstat.tables import Table
from asylstat.write import workbook as xlsx
from asylstat.write.cells import Cells, cells_csv_text
from asylstat.write.sdmx import sdmx_csv_text, write_bytes_atomically

log = logging.getLogger(__name__)

#: units that are not counts: durations (days) and rates (tenths of a percent)
UNROUNDED_UNITS: frozenset[str] = frozenset({"DAYS", "PCT1"})
#: in a table of durations (:mod:`asylstat.measures`), the ``stat`` code of the cells that
#: count persons (N, beside the quantiles P50, P90): those cells are counts, rounded
COUNT_STAT = ("stat", "N")

ROUNDING_NOTE = (
    "Public figures. Counts of persons (and of applications and appeals) are rounded to the "
    "nearest multiple of 5 (for example 2 → 0, 3 → 5, 12 → 10, 13 → 15), each cell "
    "independently, so a total may differ from the sum of its rounded parts. A cell not listed "
    "is zero after rounding. Dublin figures (events) and durations are not rounded; rates are "
    "computed from the exact figures and given in tenths of a percent (unit PCT1: 432 = 43.2 %). "
    "Exact figures are transmitted to Eurostat (Regulation (EC) 862/2007).")
_TABLE_NOTE_ROUNDED = (" Public table: each count rounded to the nearest multiple of 5, "
                       "independently; cells that round to 0 are not listed.")
_TABLE_NOTE_DURATIONS = (" Public table: the numbers of persons (stat N) rounded to the "
                         "nearest multiple of 5; durations in days not rounded.")
_TABLE_NOTE_EXACT = " Public table: figures not rounded (statistics.md, Dissemination)."


def is_rounded(table: Table) -> bool:
    """Whether a table's counts are rounded for the public: its declaration says
    ``disclosure="rounded"`` (every table but the Dublin ones: events, "published unrounded")
    and it holds counts (not rates; durations hold counts too: their numbers of persons
    ``stat = N``, which are rounded)."""
    if table.disclosure != "rounded":
        return False
    if table.unit == "DAYS":
        return COUNT_STAT[0] in table.dimensions
    return table.unit not in UNROUNDED_UNITS


def rounded_cells(table: Table) -> pd.Series:
    """Per row of ``table.data``, whether that cell is a count rounded for the public."""
    data = table.data
    if not is_rounded(table):
        return pd.Series(False, index=data.index)
    if table.unit == "DAYS":
        return data[COUNT_STAT[0]] == COUNT_STAT[1]
    return pd.Series(True, index=data.index)


def rounded_values(values: pd.Series | np.ndarray, mask: pd.Series | np.ndarray) -> np.ndarray:
    """``values`` with each one where ``mask`` holds rounded by :func:`round_to_base` (the one
    rounding rule), applied once per distinct value rather than once per row. A value that is
    not a whole number goes through :func:`round_to_base` itself, which refuses it."""
    series = pd.Series(values)
    flags = np.asarray(mask, dtype=bool)
    if (not pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(
            series.dtype) or series.isna().any()):
        return np.array([round_to_base(v) if r else v
                         for v, r in zip(series.tolist(), flags.tolist(), strict=True)],
                        dtype=np.int64)
    out = series.to_numpy(dtype=np.int64).copy()
    distinct, where = np.unique(out[flags], return_inverse=True)
    out[flags] = np.array([round_to_base(int(v)) for v in distinct], dtype=np.int64)[where]
    return out


def public_table(table: Table) -> Table:
    """The public version of ``table``: each count rounded independently (:func:`rounded_cells`),
    rounded cells that become 0 left out (module docstring), a note appended to the definition.
    The input is not modified."""
    data = table.data.copy()
    mask = rounded_cells(table)
    data["OBS_VALUE"] = rounded_values(data["OBS_VALUE"], mask)
    data = data[~(mask & (data["OBS_VALUE"] == 0))]
    data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
    note = (_TABLE_NOTE_EXACT if not is_rounded(table) else
            _TABLE_NOTE_DURATIONS if table.unit == "DAYS" else _TABLE_NOTE_ROUNDED)
    return replace(table, definition=table.definition + note, data=data.reset_index(drop=True))


def public_csv_text(table: Table) -> str:
    """A national or report table as CSV (dimensions, ``TIME_PERIOD``, ``OBS_VALUE``), sorted as
    the transmission files are; rates may be negative (a fall) or zero (no change), and such a
    cell is listed: in a table of rates a missing cell means "not applicable"."""
    return cells_csv_text(table.cells.select(drop_zeros=False, allow_negative=True))


#: the public workbooks' languages: ``<PERIOD>_public.xlsx`` in English, ``_fr``, ``_nl``
#: (outputs.md)
WORKBOOK_SUFFIXES = {"en": "", "fr": "_fr", "nl": "_nl"}


def public_workbook_bytes(tables: Sequence[Table], *, period: str,
                          metadata: Mapping[str, str], lang: str = "en") -> bytes:
    """The formatted, deterministic workbook of :mod:`asylstat.write.workbook` for public
    tables in ``lang``: the rounding note on its "About" sheet, then a view of each table as
    people read it (:mod:`asylstat.report.readable`: labels in ``lang``, periods as columns,
    totals last), then each table in long form on a sheet of its own."""
    from asylstat.report.i18n import Translator
    from asylstat.report.readable import declared_dimensions, view_writers

    tr = Translator(lang)
    return xlsx.workbook_bytes(
        tables, title=tr.text("wb.title", period=period), metadata=metadata,
        note=tr.text("wb.note", base=BASE),
        views=lambda names: view_writers(tables, names, tr, declared_dimensions,
                                         is_rounded, period))


def write_public(tables: Sequence[Table], folder: Path, *, period: str,
                 metadata: Mapping[str, str]) -> list[Table]:
    """Write ``<folder>/<period>_public.xlsx`` (every table), ``<folder>/<DATAFLOW>.csv`` per
    Eurostat dataflow (SDMX-CSV, rounded values), ``<folder>/national/<TABLE>.csv`` per
    national or report table, and ``<folder>/README.txt`` (the rounding note, for the CSV
    files). Returns the public tables. A table declared ``unpublished`` (Frontex, EUAA) is
    in none of them."""
    public = [public_table(t) for t in published(tables)]
    for table in public:
        if table.kind == "eurostat":
            text = sdmx_csv_text(table)
            write_bytes_atomically(text.encode("utf-8"), folder / f"{table.name}.csv")
        else:
            write_bytes_atomically(public_csv_text(table).encode("utf-8"),
                                   folder / "national" / f"{table.name}.csv")
    for lang, suffix in WORKBOOK_SUFFIXES.items():
        workbook = public_workbook_bytes(public, period=period, metadata=metadata, lang=lang)
        write_bytes_atomically(workbook, folder / f"{period}_public{suffix}.xlsx")
    readme = (f"Asylum statistics, Belgium, {period}: public tables.\n\n{ROUNDING_NOTE}\n\n"
              f"{period}_public.xlsx (English), {period}_public_fr.xlsx (French), "
              f"{period}_public_nl.xlsx (Dutch): every table as a view (periods as columns), "
              "then in long form, one sheet each, with its definition.\n"
              "<DATAFLOW>.csv: Eurostat dataflows, SDMX-CSV 2.0 layout, rounded values.\n"
              "national/<TABLE>.csv: national and report tables, rounded values.\n")
    write_bytes_atomically(readme.encode("utf-8"), folder / "README.txt")
    log.info("public tables: %d tables (%d rounded) in %s", len(public),
             sum(is_rounded(t) for t in public), folder)
    return public


def shown_values(exact: Cells, shown: Cells) -> np.ndarray:
    """Per cell of ``exact``, the value ``shown`` gives the same key (0 where it has none):
    a hash join of the two on their key columns (pyarrow), in ``exact``'s order."""
    columns = [f"k{i}" for i in range(len(exact.columns))]
    left = pa.table([*exact.codes, pa.array(np.arange(len(exact)))], names=[*columns, "row"])
    right = pa.table([*shown.codes, pa.array(shown.values)], names=[*columns, "value"])
    joined = left.join(right, keys=columns, join_type="left outer")
    out = np.zeros(len(exact), dtype=np.int64)
    found = joined.filter(pc.is_valid(joined["value"]))
    out[found["row"].to_numpy()] = found["value"].to_numpy()
    return out


def published(tables: Sequence[Table]) -> list[Table]:
    """The tables the unit may publish: all but those declared ``unpublished``."""
    return [t for t in tables if t.disclosure != UNPUBLISHED]


def check_public(exact: Sequence[Table], public: Sequence[Table]) -> RuleResult:
    """Every public cell is the exact cell rounded (or equal, when not a rounded count), every
    rounded cell is a multiple of 5, and no non-zero rounded cell is missing. Compared table
    by table on the cells' columns (a join), not cell by cell."""
    failures: list[str] = []
    by_name = {t.name: t for t in public}
    leaked = sorted(set(by_name) - {t.name for t in published(exact)})
    failures += [f"{name}: declared unpublished, found among the public tables"
                 for name in leaked]
    for table in published(exact):
        cells = table.cells
        mask = rounded_cells(table).to_numpy(dtype=bool)[cells.order]
        expected = rounded_values(cells.values, mask)
        values = shown_values(cells, by_name[table.name].cells)
        bad = np.flatnonzero((values != expected) | (mask & (expected % 5 != 0)))
        failures += [f"{table.name} {'/'.join(cells.key(i))}: public {values[i]}, "
                     f"expected {expected[i]}" for i in bad.tolist()]
    return RuleResult(
        rule="public.rounding", severity="error", status="fail" if failures else "pass",
        count=len(failures),
        message=(f"{len(failures)} public cell(s) differ from the rounding rule"
                 if failures else "every public cell follows the rounding rule"),
        examples=tuple(failures[:5]))
