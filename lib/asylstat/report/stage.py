"""The run's dissemination stage: public tables, then the narrative reports (outputs.md,
``public/`` and ``reports/<lang>/``), with the validation rules that check them.

1. The report's own tables (:mod:`asylstat.report.basis`) are computed on the run's snapshot
   and written, exact, to ``tables/report/``.
2. The public tables — the run's tables and the report's, rounded — are written to
   ``public/`` (:mod:`asylstat.report.public`).
3. The report notebook is executed once, for every language (papermill, one kernel), reading
   ``tables/report/`` only, never the warehouse; the executed notebook
   (``notebooks/90_report.ipynb``) becomes ``reports/<lang>/report.html`` for each language
   (nbconvert, one language's outputs each) and, when Chromium is installed, ``report.pdf``,
   the three printed by one browser process. Without Chromium the run goes on with HTML only,
   and says so in the log and in validation (a warning).

Rules (severity *error* where the property holds by construction, so a failure is a bug):
``public.rounding``, ``report.basis_matches_tables``, ``report.figures_match_public``,
``report.self_contained``, ``report.accessible``; ``report.pdf`` is a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from asylstat.checks import RuleResult
from asylstat.periods import Period
from asylstat.report.basis import (
    REPORT_TABLES_DIR,
    SAME_AS,
    SELECTIONS,
    build_report_basis,
    rates_table,
    write_basis,
)
from asylstat.report.i18n import LANGUAGES
from asylstat.report.public import check_public, write_public
from asylstat.report.render import (
    REPORT_NOTEBOOK,
    PdfPrinter,
    execute_report_notebook,
    external_references,
    find_chromium,
    html_to_pdfs,
    inspect_html,
    notebook_to_html,
)
from asylstat.tables import Table
from asylstat.warehouse.snapshot import Snapshot
from asylstat.write.files import write_text
from asylstat.write.sdmx import table_cells

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5

#: report table → (run table, codes the report table fixes on the run table's other dimensions)
#: for the cells both hold (same snapshot, same definition: they must be equal); derived from
#: the report's selections (:data:`asylstat.report.basis.SELECTIONS`) and the report tables that
#: are a run table observed at the same end (:data:`asylstat.report.basis.SAME_AS`)
OVERLAPS: dict[str, tuple[str, dict[str, str]]] = {
    **{sel.name: (sel.source.name, sel.fixed) for sel in SELECTIONS},
    **{name: (run_table, {}) for name, run_table in SAME_AS.items()}}


def _rule(rule: str, failures: Sequence[str], ok: str, bad: str, *,
          severity: str = "error", table: str = "") -> RuleResult:
    return RuleResult(rule=rule, severity=severity,  # type: ignore[arg-type]
                      status="fail" if failures else "pass", count=len(failures),
                      message=bad.format(n=len(failures)) if failures else ok, table=table,
                      examples=tuple(failures[:MAX_EXAMPLES]))


def check_basis(tables: Sequence[Table], basis: Sequence[Table]) -> RuleResult:
    """Where a report table and a run table hold the same cell (a month of the run, or a
    period the run also made), both figures are equal."""
    run = {t.name: t for t in tables}
    failures = []
    for table in basis:
        if table.name not in OVERLAPS or OVERLAPS[table.name][0] not in run:
            continue
        other_name, fixed = OVERLAPS[table.name]
        other = run[other_name]
        theirs = {}
        for codes, value in table_cells(other):
            named = dict(zip((*other.dimensions, "TIME_PERIOD"), codes, strict=True))
            if all(named[d] == c for d, c in fixed.items()):
                theirs[tuple(named[d] for d in (*table.dimensions, "TIME_PERIOD"))] = value
        ours = dict(table_cells(table))
        periods = {key[-1] for key in theirs} & {key[-1] for key in ours}
        ours = {key: value for key, value in ours.items() if key[-1] in periods}
        theirs = {key: value for key, value in theirs.items() if key[-1] in periods}
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key, 0) != theirs.get(key, 0):
                failures.append(f"{table.name} {'/'.join(key)} = {ours.get(key, 0)}, "
                                f"{other_name} = {theirs.get(key, 0)}")
    return _rule("report.basis_matches_tables", failures,
                 "the report's tables equal the run's tables where both hold a cell",
                 "{n} cell(s) of the report's tables differ from the run's tables")


def check_report_page(text: str, lang: str, public: Mapping[str, Table]) -> list[RuleResult]:
    """The checks of one report page: quoted figures equal to public cells; nothing
    fetched from outside; a language, headings, alternative text on every image."""
    outline = inspect_html(text)
    wrong = []
    for fig in outline.figures:
        if "data-table" not in fig:
            continue
        table, key, value = fig["data-table"], tuple(fig["data-key"].split("/")), fig["value"]
        shown = public[table].cells.mapping.get(key, 0) if table in public else None
        if shown is None or str(shown) != value:
            wrong.append(f"{lang}: {table} {'/'.join(key)} quoted {value}, public {shown}")
    outside = external_references(text)
    access = []
    if outline.lang != lang:
        access.append(f"{lang}: <html lang> is {outline.lang!r}")
    if not outline.h1 or not any(level == "h2" for level, _ in outline.headings):
        access.append(f"{lang}: no h1 or no h2 heading")
    access += [f"{lang}: image {i} has no alternative text"
               for i, img in enumerate(outline.images) if not img.get("alt", "").strip()]
    return [
        _rule("report.figures_match_public", wrong,
              f"{lang}: every figure quoted ({len(outline.figures)}) equals its public cell",
              "{n} figure(s) quoted differ from the public tables", table=f"reports/{lang}"),
        _rule("report.self_contained", [f"{lang}: {u}" for u in outside],
              f"{lang}: the page loads nothing from outside itself",
              "{n} reference(s) outside the page", table=f"reports/{lang}"),
        _rule("report.accessible", access,
              f"{lang}: language set, headings, alternative text on {len(outline.images)} "
              "image(s)", "{n} accessibility fault(s)", table=f"reports/{lang}"),
    ]


def make_reports(stage: Path, public: Mapping[str, Table],
                 languages: Sequence[str] = LANGUAGES) -> list[RuleResult]:
    """Execute the report notebook once for every language, then :func:`render_reports`."""
    notebook = execute_report_notebook(languages, stage, stage / "notebooks" / REPORT_NOTEBOOK)
    log.info("report notebook executed (%s)", ", ".join(languages))
    return render_reports(stage, notebook, public, languages)


def render_reports(stage: Path, notebook: Path, public: Mapping[str, Table],
                   languages: Sequence[str] = LANGUAGES) -> list[RuleResult]:
    """Each language's page of the executed report ``notebook``, its checks, and its PDF when
    Chromium is installed (one browser, started first so that it boots while the pages are
    rendered)."""
    chromium = find_chromium()
    with PdfPrinter(chromium) if chromium else nullcontext() as printer:
        results: list[RuleResult] = []
        pages = {}
        for lang in languages:
            text = notebook_to_html(notebook, lang)
            target = stage / "reports" / lang / "report.html"
            write_text(text, target)
            pages[lang] = target
            results += check_report_page(text, lang, public)
        results.append(print_pdfs(pages, printer))
    return results


def print_pdfs(pages: Mapping[str, Path], printer: PdfPrinter | None = None) -> RuleResult:
    """``report.pdf`` beside each ``report.html``, printed by one browser process (``printer``,
    or one started here); without Chromium, none and a warning."""
    chromium = printer.chromium if printer is not None else find_chromium()
    if chromium is None:
        log.warning("Chromium not found: the reports are in HTML only (no PDF). Install "
                    "Debian's chromium (make does it) to print them.")
        return _rule("report.pdf", [f"{lang}: no PDF" for lang in pages], "",
                     "Chromium not found: {n} report(s) in HTML only, no PDF (install "
                     "Debian's chromium)", severity="warning")
    outcome = html_to_pdfs({lang: (page, page.with_suffix(".pdf"))
                            for lang, page in pages.items()}, printer or chromium)
    failures = []
    for lang, error in outcome.items():
        if error is not None:
            log.warning("no PDF for %s: %s", lang, error)
            failures.append(f"{lang}: {error}")
    return _rule("report.pdf", failures, f"PDF printed for {len(pages)} report(s) with "
                 f"{chromium}", "{n} report(s) could not be printed to PDF",
                 severity="warning")


def report_basis(snap: Snapshot, period: Period) -> list[Table]:
    """The report's own tables (:func:`build_report_basis` and the rates), from the warehouse
    as of the run's ``as_of``: they need no domain table, so the run computes them while the
    domain notebooks execute."""
    basis = build_report_basis(snap, period)
    basis.append(rates_table({t.name: t for t in basis}, period))
    return basis


def make_dissemination(stage: Path, period: Period, basis: Sequence[Table],
                       tables: Sequence[Table], metadata: Mapping[str, str],
                       languages: Sequence[str] = LANGUAGES) -> list[RuleResult]:
    """The whole stage (module docstring) from the run's tables and the report basis
    (:func:`report_basis`); returns its validation results."""
    context = {"period": period.label, "as_of": metadata.get("as_of", ""),
               "run_id": metadata.get("run_id", ""), "kind": metadata.get("kind", "")}
    write_basis(basis, stage / REPORT_TABLES_DIR, context)
    every = [*tables, *basis]
    public_metadata = {k: metadata[k] for k in ("period", "kind", "as_of", "run_id")
                       if k in metadata}  # no warehouse address in a public file
    # the report notebook reads tables/report/ only: its kernel runs while the public tables
    # are written and checked here. In a process of its own, not a thread: papermill changes
    # the working directory of the process that calls it (to notebooks/) while the notebook
    # executes, which would send any relative path written here meanwhile elsewhere.
    with ProcessPoolExecutor(max_workers=1) as side:
        executed = side.submit(execute_report_notebook, languages, stage,
                               stage / "notebooks" / REPORT_NOTEBOOK)
        public = write_public(every, stage / "public", period=period.label,
                              metadata=public_metadata)
        results = [check_public(every, public), check_basis(tables, basis)]
        notebook = executed.result()
    log.info("report notebook executed (%s)", ", ".join(languages))
    public_by_name = {t.name: t for t in public}
    results += render_reports(stage, notebook, public_by_name, languages)
    return results
