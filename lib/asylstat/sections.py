"""Per-table sections of a domain notebook (issue 15): everything a statistician needs to check
one table, beside the table.

Each section holds, from the library only (the notebook makes one call,
:func:`asylstat.notebook.sections`):

1. the title and definition, from the table's declaration;
2. the table as a pivot (:mod:`asylstat.pivot`: periods as columns, the main breakdown as rows,
   margins last, the unit shown, nothing summed that the table does not hold);
3. its validation results: the output rules of :mod:`asylstat.checks.outputs` on the table
   alone (values, margins, its own invariants; an invariant against another table is checked
   by the production run, which has them all);
4. its changes against the run of the same period published in the output folder, when there
   is one (:mod:`asylstat.audit.revisions`): cells up, down, new and gone;
5. the SQL the engine ran to count it, in a collapsed ``<details>`` element
   (:mod:`asylstat.queries`): a code listing of its own (a Markdown output after the
   section's HTML), so that the HTML outputs hold figures and labels only.

Sections show aggregates only, never a warehouse record.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from asylstat.audit.cells import CellFileError, TableCells, run_cells, tables_cells
from asylstat.audit.revisions import CellRevision, TableRevision, compare_table
from asylstat.checks import RuleResult
from asylstat.checks.outputs import validate_outputs
from asylstat.declaration import TableSpec
from asylstat.pivot import Pivot, pivot
from asylstat.tables import Table

log = logging.getLogger(__name__)

#: at most this many changed cells are listed in a section (all are in revisions.json)
CHANGES_SHOWN = 30
#: the HTML id of a table's section (``section-MIGR_ASYWITHM``): tests and links find it
SECTION_ID = "section-{name}"
#: the HTML id of its SQL listing
SQL_ID = "sql-{name}"


@dataclass(frozen=True)
class Published:
    """The run of the period published in the output folder, as the sections compare with."""

    folder: Path
    cells: dict[str, TableCells]
    #: why it could not be read (then ``cells`` is empty), or ""
    error: str = ""


def published_run(folder: Path) -> Published | None:
    """The published run at ``folder`` (``<OUTPUT_DIR>/<PERIOD>``), None when there is none.
    A damaged run is reported, not raised: the sections say it could not be compared."""
    if not folder.is_dir():
        return None
    try:
        return Published(folder=folder, cells=run_cells(folder))
    except (OSError, CellFileError) as exc:
        log.warning("cannot read the published run %s: %s", folder, exc)
        return Published(folder=folder, cells={}, error=str(exc))


@dataclass(frozen=True)
class TableSection:
    table: Table
    pivot: Pivot
    validation: tuple[RuleResult, ...]
    published: Published | None
    #: None when there is no published run to compare with
    revision: TableRevision | None

    @property
    def changes(self) -> dict[str, int]:
        """Cells up, down, new (were zero) and gone (are now zero) since the published run."""
        cells = self.revision.cells if self.revision is not None else ()
        return {"up": sum(c.change == "changed" and c.difference > 0 for c in cells),
                "down": sum(c.change == "changed" and c.difference < 0 for c in cells),
                "new": sum(c.change == "added" for c in cells),
                "gone": sum(c.change == "removed" for c in cells)}


def table_section(table: Table, spec: TableSpec, periods: Sequence, *,
                  published: Published | None) -> TableSection:
    """The section of one table made for ``periods``."""
    validation = tuple(validate_outputs([table], lambda _name: spec))
    revision = None
    if published is not None and not published.error:
        new = tables_cells([table])[table.name]
        revision = compare_table(published.cells.get(table.name), new)
    return TableSection(table=table, pivot=pivot(table, spec.dimensions, periods),
                        validation=validation, published=published, revision=revision)


def table_sections(tables: Sequence[Table], spec_of: Callable[[str], TableSpec],
                   periods_of: Callable[[TableSpec], Sequence], *,
                   published: Published | None) -> list[TableSection]:
    """One section per table, in the given order."""
    out = []
    for table in tables:
        spec = spec_of(table.name)
        out.append(table_section(table, spec, periods_of(spec), published=published))
    return out


# ------------------------------------------------------------------------------- HTML

def _e(value: object) -> str:
    return html.escape(str(value))


def _validation_html(results: Sequence[RuleResult]) -> str:
    failed = [r for r in results if r.status == "fail"]
    head = (f"<p>All {len(results)} rules hold.</p>" if not failed else
            f"<p class='fail'><strong>{len(failed)} of {len(results)} rules fail.</strong></p>")
    rows = "".join(
        f"<tr class='{_e(r.status)}'><td><code>{_e(r.rule)}</code></td><td>{_e(r.status)}</td>"
        f"<td>{_e(r.message)}</td><td>{_e('; '.join(r.examples))}</td></tr>" for r in results)
    return (head + "<table class='rules'><thead><tr><th>rule</th><th>status</th><th>what</th>"
            f"<th>first cells</th></tr></thead><tbody>{rows}</tbody></table>")


def _cell_text(cell: CellRevision) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(cell.columns, cell.key, strict=True))


def _changes_html(section: TableSection) -> str:
    published = section.published
    if published is None:
        return ("<p>No run of the period is published in the output folder: nothing to "
                "compare with.</p>")
    if published.error:
        return (f"<p>The published run {_e(published.folder)} cannot be read: "
                f"{_e(published.error)}.</p>")
    revision = section.revision
    assert revision is not None
    where = f"the run published in <code>{_e(published.folder)}</code>"
    if revision.status == "unchanged":
        return f"<p>Unchanged against {where}: the same {revision.new_cells} cells.</p>"
    if revision.status in ("new", "restructured"):
        return (f"<p>{_e(revision.status.capitalize())} against {where}: "
                f"{revision.old_cells} cells then, {revision.new_cells} now; they cannot be "
                "matched cell by cell.</p>")
    n = section.changes
    shown = revision.cells[:CHANGES_SHOWN]
    rows = "".join(
        f"<tr><td>{_e(_cell_text(c))}</td><td class='n'>{c.old if c.old is not None else '—'}"
        f"</td><td class='n'>{c.new if c.new is not None else '—'}</td>"
        f"<td class='n'>{c.difference:+d}</td></tr>" for c in shown)
    more = (f"<p>… and {len(revision.cells) - len(shown)} more cells.</p>"
            if len(revision.cells) > len(shown) else "")
    return (f"<p>Against {where}: {n['up']} cells up, {n['down']} down, {n['new']} new "
            f"(were zero), {n['gone']} gone (are now zero).</p><table><thead><tr><th>cell</th>"
            f"<th>before</th><th>now</th><th>difference</th></tr></thead><tbody>{rows}"
            f"</tbody></table>{more}")


def sql_markdown(section: TableSection, engine: str) -> str:
    """The SQL of a section's table as a collapsed code listing (Markdown with a ``<details>``
    element, which JupyterLab and nbconvert render folded); empty when it has none."""
    query = section.table.query
    if not query:
        return ""
    return (f"<details class='sql' id='{_e(SQL_ID.format(name=section.table.name))}'>"
            f"<summary>{_e(section.table.name)}: how it is computed — the SQL the engine "
            f"({_e(engine)}) ran</summary>\n\n```sql\n{query.rstrip()}\n```\n\n</details>\n")


def section_html(section: TableSection) -> str:
    """One table's section as an HTML fragment (its SQL is :func:`sql_markdown`)."""
    t, pv = section.table, section.pivot
    notes = " ".join(pv.notes())
    frame = pv.frame.to_html(na_rep="—", border=0, classes="pivot")
    return (f"<section id='{_e(SECTION_ID.format(name=t.name))}' class='table-section'>"
            f"<h2>{_e(t.name)}: {_e(t.title)}</h2><p>{_e(t.definition)}</p>"
            f"<p><em>{_e(notes)}</em></p>"
            f"<div style='max-height:32em;overflow:auto'>{frame}</div>"
            f"<h3>Validation</h3>{_validation_html(section.validation)}"
            f"<h3>Changes since the published run</h3>{_changes_html(section)}"
            "</section>")


@dataclass(frozen=True)
class Sections:
    """Every section of a notebook. Jupyter shows, per table, its section (HTML) then its SQL
    (a collapsed Markdown listing): several outputs of the one cell that shows them."""

    sections: tuple[TableSection, ...]
    engine: str = ""

    def outputs(self) -> list[tuple[str, str]]:
        """``(mime type, content)`` of each output, in order."""
        if not self.sections:
            return [("text/html", "<p>No table is due for this run's period.</p>")]
        links = " · ".join(f"<a href='#{_e(SECTION_ID.format(name=s.table.name))}'>"
                           f"{_e(s.table.name)}</a>" for s in self.sections)
        out = [("text/html", f"<nav><p>Tables: {links}</p></nav>")]
        for s in self.sections:
            out.append(("text/html", section_html(s)))
            sql = sql_markdown(s, self.engine)
            if sql:
                out.append(("text/markdown", sql))
        return out

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for mime, content in self.outputs():
            display({mime: content, "text/plain": f"<{mime.split('/')[1]} output>"},
                    raw=True)

    def __repr__(self) -> str:  # the text form of the output (a log, a console)
        return "\n".join(f"{s.table.name}: {s.table.title} ({len(s.table.data)} cells)"
                         for s in self.sections)
