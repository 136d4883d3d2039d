"""From the one executed report notebook to a page per language, and the PDFs printed by one
browser process (docs/reports.md, section 4)."""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from asylstat.report import render
from asylstat.report.render import (
    LANGUAGE_KEY,
    PdfPrinter,
    html_to_pdfs,
    language_notebook,
    notebook_body,
    page,
)

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not "
                                    "installed (make test installs it)")


def html_output(text: str, lang: str | None) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": text},
                      metadata={LANGUAGE_KEY: lang} if lang else {})


def three_languages() -> nbformat.NotebookNode:
    """A report notebook as the run executes it: each section cell shows fr, nl, en."""
    cell = new_code_cell('show_each(reports, "title")', execution_count=4)
    cell.outputs = [html_output("<h1>Statistiques</h1>", "fr"),
                    html_output("<h1>Asielstatistieken</h1>", "nl"),
                    html_output("<h1>Asylum statistics</h1>", "en")]
    hidden = new_code_cell("reports = ...", execution_count=3,
                           metadata={"tags": ["remove-output"]})
    hidden.outputs = [new_output("stream", name="stderr", text="a warning\n")]
    hidden.id, cell.id = "open", "title"  # fixed: the page shows them
    return new_notebook(cells=[hidden, cell])


def test_one_language_is_taken_out_as_its_cell_result() -> None:
    executed = three_languages()
    nl = language_notebook(executed, "nl")
    outputs = nl.cells[1].outputs
    assert len(outputs) == 1
    assert outputs[0].output_type == "execute_result"
    assert outputs[0].execution_count == 4
    assert outputs[0].data["text/html"] == "<h1>Asielstatistieken</h1>"
    assert LANGUAGE_KEY not in outputs[0].metadata
    assert nl.cells[0].outputs[0].text == "a warning\n"          # unmarked: kept
    assert len(executed.cells[1].outputs) == 3                   # the executed copy untouched


def test_a_language_page_equals_the_notebook_executed_for_that_language_alone() -> None:
    # what the report notebook held when it was executed once per language (the cell's last
    # expression: an execute_result): the page must be the same, byte for byte
    alone = three_languages()
    alone.cells[1].outputs = [new_output("execute_result", execution_count=4,
                                         data={"text/html": "<h1>Asylum statistics</h1>"})]
    body = notebook_body(language_notebook(three_languages(), "en"))
    assert body == notebook_body(alone)
    assert "Asylum statistics" in body and "Statistiques" not in body


def write_page(folder, lang: str, heading: str):
    path = folder / f"{lang}.html"
    path.write_text(page(f"<h1>{heading}</h1><h2>Part</h2><p>Text.</p>", lang, heading),
                    encoding="utf-8")
    return path


@needs_chromium
def test_the_pdfs_are_printed_by_one_browser_process(tmp_path, monkeypatch) -> None:
    from pypdf import PdfReader

    started = []
    real_popen = subprocess.Popen

    def counting_popen(*args, **kwargs):
        started.append(args[0])
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(render.subprocess, "Popen", counting_popen)
    jobs = {lang: (write_page(tmp_path, lang, heading), tmp_path / f"{lang}.pdf")
            for lang, heading in (("fr", "Statistiques"), ("nl", "Asielstatistieken"),
                                  ("en", "Asylum statistics"))}
    jobs["missing"] = (tmp_path / "missing.html", tmp_path / "missing.pdf")
    outcome = html_to_pdfs(jobs, CHROMIUM)
    assert len(started) == 1                                     # one browser for all
    assert "--remote-debugging-pipe" in started[0]
    assert not any("remote-debugging-port" in a for a in started[0])
    assert isinstance(outcome.pop("missing"), RuntimeError)     # the others still printed
    assert outcome == {"fr": None, "nl": None, "en": None}
    assert not (tmp_path / "missing.pdf").exists()
    for lang in ("fr", "nl", "en"):
        reader = PdfReader(tmp_path / f"{lang}.pdf")
        root = reader.trailer["/Root"]
        assert str(root["/Lang"]) == lang
        assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
        width, height = (float(v) for v in reader.pages[0].mediabox[2:])
        assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297  # A4
        assert len(reader.outline) >= 1


@needs_chromium
def test_the_browser_is_gone_once_the_printer_is_closed(tmp_path) -> None:
    printer = PdfPrinter(CHROMIUM)
    with printer:
        printer.print(write_page(tmp_path, "en", "Title"), tmp_path / "en.pdf")
        process = printer._browser.process  # noqa: SLF001 - the process the test watches
    assert process.poll() is not None
    assert (tmp_path / "en.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(RuntimeError, match="not running"):
        printer.print(tmp_path / "en.html", tmp_path / "again.pdf")
