"""Revisions: what changed in each table since the previous run of the same period
(outputs.md, ``validation/revisions.json``).

The previous run is the one published at ``<OUTPUT_DIR>/<PERIOD>/`` when the new run is about to
be published (it is archived right after). Its figures are read back from its files (transmission
files and national CSVs); the new run's from its tables, exactly as they are written. A cell
absent from a table is zero (statistics.md, "Cells"), so a cell that *appeared* was zero before
and one that *disappeared* is zero now.

Every table is listed with its status:

``unchanged``     the same non-zero cells with the same values;
``revised``       some cells changed, appeared or disappeared (each listed: old, new, difference);
``new``           the table was not in the previous run (every cell appeared);
``dropped``       the table is not in the new run (every cell disappeared);
``restructured``  its key columns differ (a dimension added, removed or renamed): cells cannot be
                  matched, so every old cell is listed as disappeared and every new one as
                  appeared.

Order is deterministic: tables by name, cells by their codes compared as byte strings (the
transmission files' order), old-structure cells before new-structure ones.

**Earlier months** (issue 13, item 3: the EUAA accepts revised months). A monthly run also
recomputes the tables of a recipient workbook for the months before its own
(:meth:`asylstat.declaration.RecipientWorkbook.earlier_months`) on the same ``as_of``, and
:func:`earlier_month_revisions` compares each month with what was last transmitted for it:
the transmission files of the published run, among those that transmit that month (the
monthly run of the month and the quarterly run of its quarter), that finished last
(:func:`last_transmitted`). The result is a section of its own in ``revisions.json``
(:data:`EARLIER_MONTHS`) and the workbook's revisions sheet; a table that no published run
transmitted for the month is ``not_transmitted``, its cells not listed.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asylstat.audit.cells import (
    CellFileError,
    Key,
    TableCells,
    run_cells,
    sdmx_file_cells,
    tables_cells,
)
from asylstat.periods import Period
from asylstat.tables import Table
from asylstat.write.files import write_json, write_text
from asylstat.write.recipient_workbook import RevisedCell
from asylstat.write.sdmx import code_sort_key

log = logging.getLogger(__name__)

REVISIONS_JSON = Path("validation") / "revisions.json"
REVISIONS_HTML = Path("validation") / "revisions.html"
#: at most this many cells per table are shown on the HTML page (all are in the JSON)
HTML_CELLS_PER_TABLE = 200

Status = Literal["unchanged", "revised", "new", "dropped", "restructured"]
Change = Literal["changed", "added", "removed"]


@dataclass(frozen=True)
class CellRevision:
    """One cell that differs. ``old``/``new`` is ``None`` where the cell is absent (zero)."""

    columns: tuple[str, ...]
    key: Key
    old: int | None
    new: int | None

    @property
    def difference(self) -> int:
        return (self.new or 0) - (self.old or 0)

    @property
    def change(self) -> Change:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"

    def as_dict(self) -> dict[str, Any]:
        return {"key": dict(zip(self.columns, self.key, strict=True)), "change": self.change,
                "old": self.old, "new": self.new, "difference": self.difference}


@dataclass(frozen=True)
class TableRevision:
    """How one table differs between the previous run and this one."""

    table: str
    kind: str
    status: Status
    old_columns: tuple[str, ...] | None
    new_columns: tuple[str, ...] | None
    old_cells: int
    new_cells: int
    cells: tuple[CellRevision, ...]

    def count(self, change: Change) -> int:
        return sum(c.change == change for c in self.cells)

    def summary(self) -> dict[str, Any]:
        return {"table": self.table, "kind": self.kind, "status": self.status,
                "cells_before": self.old_cells, "cells_after": self.new_cells,
                "changed": self.count("changed"), "added": self.count("added"),
                "removed": self.count("removed"),
                "max_abs_difference": max((abs(c.difference) for c in self.cells), default=0)}

    def as_dict(self) -> dict[str, Any]:
        out = self.summary()
        out["columns"] = list(self.new_columns or self.old_columns or ())
        if self.status == "restructured":
            out["columns_before"] = list(self.old_columns or ())
            out["columns_after"] = list(self.new_columns or ())
        out["cells"] = [c.as_dict() for c in self.cells]
        return out


def _sorted(cells: Mapping[Key, int]) -> list[Key]:
    return sorted(cells, key=code_sort_key)


def compare_table(old: TableCells | None, new: TableCells | None) -> TableRevision:
    """The revision of one table (either side may be missing, not both)."""
    if old is None and new is None:
        raise ValueError("compare_table needs at least one side")
    name = (new or old).name  # type: ignore[union-attr]
    kind = (new or old).kind  # type: ignore[union-attr]
    old_cells = dict(old.cells) if old else {}
    new_cells = dict(new.cells) if new else {}
    old_cols = old.columns if old else None
    new_cols = new.columns if new else None
    if old is None or new is None or old_cols != new_cols:
        status: Status = "new" if old is None else "dropped" if new is None else "restructured"
        cells = ([CellRevision(old_cols, k, old_cells[k], None) for k in _sorted(old_cells)]
                 if old is not None else [])
        cells += ([CellRevision(new_cols, k, None, new_cells[k]) for k in _sorted(new_cells)]
                  if new is not None else [])
        return TableRevision(name, kind, status, old_cols, new_cols, len(old_cells),
                             len(new_cells), tuple(cells))
    # the cells that differ, found by set operations on (key, value) pairs; only they are
    # sorted (an unchanged table, the usual case, sorts nothing)
    differing = {key for key, _ in old_cells.items() ^ new_cells.items()}
    changed = tuple(CellRevision(new_cols, k, old_cells.get(k), new_cells.get(k))
                    for k in sorted(differing, key=code_sort_key))
    return TableRevision(name, kind, "revised" if changed else "unchanged", old_cols, new_cols,
                         len(old_cells), len(new_cells), changed)


def compare_runs(old: Mapping[str, TableCells],
                 new: Mapping[str, TableCells]) -> list[TableRevision]:
    """Every table of either run, by name."""
    names = sorted(set(old) | set(new), key=lambda n: n.encode("utf-8"))
    return [compare_table(old.get(n), new.get(n)) for n in names]


def _previous_run(published: Path) -> dict[str, Any]:
    """What identifies the previous run: from its manifest, when readable."""
    try:
        manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"run_id": None, "as_of": None, "finished_at": None, "code_version": None,
                "note": "the published run has no readable manifest.json"}
    return {key: manifest.get(key) for key in ("run_id", "as_of", "finished_at", "code_version")}


def revisions_document(revisions: Sequence[TableRevision], *, period: str, run_id: str,
                       as_of: str, previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The content of ``validation/revisions.json``."""
    tables = [r.as_dict() for r in revisions]
    summary = {
        "tables_compared": len(revisions),
        "tables_revised": sum(r.status != "unchanged" for r in revisions),
        "cells_changed": sum(r.count("changed") for r in revisions),
        "cells_added": sum(r.count("added") for r in revisions),
        "cells_removed": sum(r.count("removed") for r in revisions),
        "by_status": {s: sum(r.status == s for r in revisions)
                      for s in ("unchanged", "revised", "new", "dropped", "restructured")},
    }
    note = ("first run of the period: nothing to compare with" if previous is None else
            "cells that changed, appeared (were zero) or disappeared (are now zero) since the "
            "previous run of the period; a cell absent from a table is zero")
    return {"period": period, "run_id": run_id, "as_of": as_of,
            "previous": dict(previous) if previous is not None else None,
            "note": note, "summary": summary, "tables": tables}


def _key_text(cell: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in cell["key"].items())


def _value(v: int | None) -> str:
    return "—" if v is None else f"{v:,}"


def _earlier_months_html(section: Mapping[str, Any] | None) -> list[str]:
    """The :data:`EARLIER_MONTHS` section for a person: per month, what it was compared with,
    then every revised cell (none when the run compared no earlier month)."""
    if not section:
        return []
    e = html.escape
    s = section["summary"]
    lines = [f"<h2 id='{EARLIER_MONTHS}'>Earlier months: revisions to resend</h2>"
             f"<p>{e(str(section['note']))}: {s['cells_revised']} cell(s) revised.</p>"]
    for comparison in section["comparisons"]:
        against = comparison.get("compared_with")
        where = (f"against the run <code>{e(str(against.get('run_id')))}</code> of "
                 f"{e(str(against.get('period')))}" if against else
                 "no published run transmitted it: not compared")
        rows = "\n".join(
            f"<tr class='{e(c['change'])}'><td>{e(t['table'])}</td><td>{e(_key_text(c))}</td>"
            f"<td class='n'>{_value(c['old'])}</td><td class='n'>{_value(c['new'])}</td>"
            f"<td class='n'>{c['difference']:+,}</td></tr>"
            for t in comparison["tables"] for c in t.get("cells", []))
        lines.append(f"<h3>{e(comparison['month'])}, {where}</h3>"
                     + (f"<table><thead><tr><th>table</th><th>cell</th><th>transmitted</th>"
                        f"<th>now</th><th>difference</th></tr></thead><tbody>\n{rows}\n"
                        "</tbody></table>" if rows else "<p>No cell differs.</p>"))
    return lines


def revisions_html(doc: Mapping[str, Any]) -> str:
    """The page a statistician reads: one line per table, then the cells of each revised one."""
    e = html.escape
    previous = doc.get("previous")
    if previous is None:
        intro = "<p>This is the first run of the period: there is nothing to compare with.</p>"
    else:
        intro = (f"<p>Compared with the previous run of the period, <code>"
                 f"{e(str(previous.get('run_id')))}</code> (warehouse as of "
                 f"{e(str(previous.get('as_of')))}). This run reads the warehouse as of "
                 f"{e(str(doc.get('as_of')))}. A cell absent from a table is zero.</p>")
        if previous.get("error"):
            intro += f"<p><strong>{e(str(previous['error']))}</strong></p>"
    s = doc["summary"]
    lines = [f"<p>{s['tables_compared']} tables compared, {s['tables_revised']} with changes: "
             f"{s['cells_changed']} cells changed, {s['cells_added']} appeared, "
             f"{s['cells_removed']} disappeared.</p>"]
    rows = "\n".join(
        f"<tr class='{e(t['status'])}'><td>{e(t['table'])}</td><td>{e(t['kind'])}</td>"
        f"<td>{e(t['status'])}</td><td class='n'>{t['cells_before']}</td>"
        f"<td class='n'>{t['cells_after']}</td><td class='n'>{t['changed']}</td>"
        f"<td class='n'>{t['added']}</td><td class='n'>{t['removed']}</td>"
        f"<td class='n'>{t['max_abs_difference']}</td></tr>" for t in doc["tables"])
    lines.append("<table><thead><tr><th>table</th><th>kind</th><th>status</th>"
                 "<th>cells before</th><th>cells after</th><th>changed</th><th>appeared</th>"
                 f"<th>disappeared</th><th>largest |difference|</th></tr></thead><tbody>\n{rows}"
                 "\n</tbody></table>")
    for t in doc["tables"]:
        if not t["cells"]:
            continue
        shown = t["cells"][:HTML_CELLS_PER_TABLE]
        more = len(t["cells"]) - len(shown)
        body = "\n".join(
            f"<tr class='{e(c['change'])}'><td>{e(_key_text(c))}</td><td>{e(c['change'])}</td>"
            f"<td class='n'>{_value(c['old'])}</td><td class='n'>{_value(c['new'])}</td>"
            f"<td class='n'>{c['difference']:+,}</td></tr>" for c in shown)
        lines.append(f"<h2 id='{e(t['table'])}'>{e(t['table'])} ({e(t['status'])})</h2>"
                     "<table><thead><tr><th>cell</th><th>change</th><th>before</th>"
                     f"<th>now</th><th>difference</th></tr></thead><tbody>\n{body}\n"
                     "</tbody></table>"
                     + (f"<p>… and {more} more cells in revisions.json.</p>" if more else ""))
    lines += _earlier_months_html(doc.get(EARLIER_MONTHS))
    title = f"Revisions of {doc['period']}, run {doc['run_id']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px}} td.n{{text-align:right}}
tr.revised,tr.restructured,tr.changed{{background:#ffd}} tr.new,tr.added{{background:#dfd}}
tr.dropped,tr.removed{{background:#fdd}}</style></head>
<body><h1>{e(title)}</h1>{intro}
{chr(10).join(lines)}
</body></html>
"""


# ---------------------------------------------------------------- earlier months

#: the section of ``revisions.json`` on the earlier months a monthly run recomputes
EARLIER_MONTHS = "earlier_months"


def _quarter_of(month: Period) -> Period:
    return Period("Q", month.year, (month.index - 1) // 3 + 1)


def last_transmitted(output_dir: Path, month: Period) -> Path | None:
    """The published run folder that last transmitted ``month``: of the published runs of the
    month itself and of its quarter (outputs.md: monthly and quarterly runs transmit every
    month of the run), the one whose manifest says it finished last (then the later run id);
    ``None`` when neither is published."""
    found = []
    for period in (month, _quarter_of(month)):
        folder = Path(output_dir) / period.label
        if folder.is_dir():
            run = _previous_run(folder)
            found.append((str(run.get("finished_at") or ""), str(run.get("run_id") or ""),
                          folder))
    return max(found)[2] if found else None


def _in_month(cells: TableCells, month: str) -> TableCells:
    """``cells`` restricted to one ``TIME_PERIOD`` (the last part of each key)."""
    kept = {k: v for k, v in cells.cells.items() if k[-1] == month}
    return TableCells(name=cells.name, kind=cells.kind, columns=cells.columns, cells=kept,
                      source=cells.source)


def earlier_month_revisions(earlier: Sequence[Table], output_dir: Path,
                            months: Sequence[Period]) -> tuple[dict[str, Any], list[RevisedCell]]:
    """The :data:`EARLIER_MONTHS` section of ``revisions.json`` and the revised cells, for the
    tables ``earlier`` recomputed for ``months``: per month, every cell that differs from the
    last transmission of that month (see the module docstring). Reads published runs only."""
    new = tables_cells(earlier)
    comparisons: list[dict[str, Any]] = []
    revised: list[RevisedCell] = []
    for month in months:
        folder = last_transmitted(output_dir, month)
        compared = None if folder is None else {"period": folder.name, **_previous_run(folder)}
        tables: list[dict[str, Any]] = []
        for name in sorted(new, key=lambda n: n.encode("utf-8")):
            mine = _in_month(new[name], month.label)
            path = (None if folder is None else
                    folder / "transmission" / mine.kind / f"{name}.csv")
            if path is None or not path.is_file():
                tables.append({"table": name, "kind": mine.kind, "status": "not_transmitted",
                               "cells_after": len(mine.cells)})
                continue
            try:
                old = _in_month(sdmx_file_cells(path), month.label)
            except (OSError, CellFileError) as exc:
                log.warning("cannot read %s for revisions: %s", path, exc)
                tables.append({"table": name, "kind": mine.kind, "status": "unreadable",
                               "error": str(exc)})
                continue
            revision = compare_table(old, mine)
            tables.append(revision.as_dict())
            where = f"{folder.name} (run {compared.get('run_id') if compared else None})"
            for cell in revision.cells:
                key = dict(zip(cell.columns, cell.key, strict=True))
                key.pop("TIME_PERIOD", None)
                revised.append(RevisedCell(table=name, month=month.label, key=key,
                                           old=cell.old, new=cell.new, compared_with=where))
        comparisons.append({"month": month.label, "compared_with": compared, "tables": tables})
    section = {
        "note": ("the recipient's earlier months recomputed on this run's warehouse as of, "
                 "against the last transmission of each month; a cell absent is zero"),
        "months": [m.label for m in months],
        "summary": {"cells_revised": len(revised),
                    "cells_changed": sum(c.old is not None and c.new is not None
                                         for c in revised),
                    "cells_added": sum(c.old is None for c in revised),
                    "cells_removed": sum(c.new is None for c in revised)},
        "comparisons": comparisons,
    }
    return section, revised


def compared_months(section: Mapping[str, Any]) -> list[str]:
    """One line per earlier month of an :data:`EARLIER_MONTHS` section: what it was compared
    with (the revisions sheet of the recipient's workbook says it)."""
    lines = []
    for comparison in section.get("comparisons", []):
        against = comparison.get("compared_with")
        lines.append(f"{comparison['month']}: against the run {against.get('run_id')} of "
                     f"{against.get('period')} (as of {against.get('as_of')})" if against else
                     f"{comparison['month']}: no published run transmitted it, not compared")
    return lines


def write_revisions(stage: Path, tables: Sequence[Table], published: Path, *, period: str,
                    run_id: str, as_of: str,
                    earlier: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``validation/revisions.json`` and ``validation/revisions.html`` into the staging
    folder ``stage``, comparing ``tables`` with the run published at ``published`` (if any).
    Reads the published run, never writes to it. ``earlier``: the :data:`EARLIER_MONTHS`
    section, added as it is when given. Returns the document."""
    new = tables_cells(tables)
    previous: dict[str, Any] | None = None
    revisions: list[TableRevision] = []
    if published.is_dir():
        previous = _previous_run(published)
        try:
            revisions = compare_runs(run_cells(published), new)
        except (OSError, CellFileError) as exc:
            # a damaged published run must not stop this one: say so in the report
            log.warning("cannot read the published run %s for revisions: %s", published, exc)
            previous["error"] = f"the published run cannot be read: {exc}"
    doc = revisions_document(revisions, period=period, run_id=run_id, as_of=as_of,
                             previous=previous)
    if earlier is not None:
        doc[EARLIER_MONTHS] = dict(earlier)
    write_json(doc, stage / REVISIONS_JSON)
    write_text(revisions_html(doc), stage / REVISIONS_HTML)
    s = doc["summary"]
    log.info("revisions against %s: %d table(s) with changes, %d cell(s) changed, %d appeared, "
             "%d disappeared", previous["run_id"] if previous else "nothing (first run)",
             s["tables_revised"], s["cells_changed"], s["cells_added"], s["cells_removed"])
    return doc
