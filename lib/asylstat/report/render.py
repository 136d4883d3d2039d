"""From the executed report notebook to a self-contained HTML page and a PDF.

* **HTML**: nbconvert's ``basic`` template renders the cells' outputs only (code hidden:
  ``exclude_input``; cells tagged ``remove-cell``, ``parameters`` or ``injected-parameters``
  dropped, outputs of cells tagged ``remove-output`` dropped, by ``TagRemovePreprocessor``),
  and this module wraps them in its own page: ``<html lang=…>``, a title, an inline stylesheet.
  Nothing is loaded from elsewhere: no script, no MathJax, no web font; charts are ``data:``
  URLs. :func:`external_references` finds any reference that would leave the machine.
* **PDF**: one Debian ``chromium`` process (headless) prints every page, driven over the
  DevTools protocol through a pair of pipes (``--remote-debugging-pipe``, no TCP port):
  ``Page.printToPDF`` with the parameters of ``--print-to-pdf`` (:data:`PRINT_PARAMETERS`).
  It is started with a fresh profile and the flags that stop it connecting anywhere by
  itself; host names resolve to nothing (``--host-resolver-rules``), so even a stray
  reference cannot reach the network. The PDF is tagged (structure tree); the outline
  (bookmarks) comes from the headings.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from asylstat import paths

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from asylstat.report.narrative import Report

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "90_report.ipynb"
#: the key of a report output's metadata that says its language (:func:`show_each`)
LANGUAGE_KEY = "asylstat_lang"
#: ``ASYLSTAT_CHROMIUM``: the browser to print PDFs with (empty: none, HTML only)
CHROMIUM_ENV = "ASYLSTAT_CHROMIUM"
PDF_TIMEOUT_S = 180

#: flags that keep Chromium from making connections of its own (toolchain-notes.md)
QUIET_FLAGS = ("--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--no-default-browser-check",
               "--host-resolver-rules=MAP * ~NOTFOUND")

STYLE = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a;
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .3rem; color: #003865; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 2px solid #003865; color: #003865; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
header p { color: #444; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .85rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .45rem; vertical-align: top; }
thead th { border-bottom: 2px solid #555; text-align: right; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; }
td { text-align: right; white-space: nowrap; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #444; }
details summary { cursor: pointer; color: #003865; }
dt { font-weight: bold; margin-top: .5rem; } dd { margin-left: 1rem; }
data { font-variant-numeric: tabular-nums; }
@page { size: A4; margin: 15mm 14mm; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               figure, table { break-inside: avoid; } }
"""


# ---------------------------------------------------------------- notebook
def show_each(reports: Mapping[str, Report], section: str) -> None:
    """In the report notebook: one section in every language, each output marked with its
    language (output metadata :data:`LANGUAGE_KEY`), so that one executed notebook holds
    every language's document (:func:`language_notebook` takes one back out)."""
    from IPython.display import display

    from asylstat.report.narrative import show

    for lang, report in reports.items():
        display(show(report, section), metadata={LANGUAGE_KEY: lang})


def execute_report_notebook(languages: Sequence[str], run_dir: Path, target: Path) -> Path:
    """Execute the report notebook once, for every language, on the staged run ``run_dir``;
    the executed copy (``target``) is kept with the domain notebooks as the audit trail."""
    import papermill as pm

    target.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(paths.notebooks_dir() / REPORT_NOTEBOOK), str(target),
        parameters={"languages": list(languages), "run_dir": str(Path(run_dir).resolve())},
        kernel_name="python3", cwd=str(paths.notebooks_dir()), progress_bar=False,
        log_output=False)
    return target


def language_notebook(notebook: NotebookNode, lang: str) -> NotebookNode:
    """The executed notebook as if it had been executed for ``lang`` alone: in each cell, the
    outputs marked with another language are left out, and the one of ``lang`` is the cell's
    result (as a cell's last expression shows it). Outputs marked with no language stay."""
    import copy

    single = copy.deepcopy(notebook)
    for cell in single.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            marked = output.get("metadata", {}).get(LANGUAGE_KEY)
            if marked is None:
                kept.append(output)
            elif marked == lang:
                output.output_type = "execute_result"
                output.execution_count = cell.get("execution_count")
                del output.metadata[LANGUAGE_KEY]
                kept.append(output)
        cell.outputs = kept
    return single


def notebook_body(notebook: NotebookNode) -> str:
    """The outputs of the executed notebook as HTML (nbconvert, code and tagged cells
    removed)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "parameters",
                                                     "injected-parameters"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config, template_name="basic")
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    return str(body)


def page(body: str, lang: str, title: str) -> str:
    """A whole, self-contained HTML document around ``body``."""
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def notebook_to_html(notebook: Path, lang: str) -> str:
    """The report page in ``lang`` of the executed report notebook; its title is its first
    heading."""
    import nbformat

    executed = nbformat.read(str(notebook), as_version=4)
    body = notebook_body(language_notebook(executed, lang))
    outline = inspect_html(body)
    return page(body, lang, outline.h1 or "Report")


# ---------------------------------------------------------------- inspection
@dataclass
class PageOutline:
    """What a page holds, for the checks: language, first heading, headings, images (with their
    alt text), quoted figures (``<data>`` attributes and text) and URL-valued attributes."""

    lang: str = ""
    h1: str = ""
    headings: list[tuple[str, str]] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    tables: int = 0


class _Outliner(HTMLParser):
    URL_ATTRIBUTES = ("src", "href", "srcset", "action", "poster", "data", "formaction")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = PageOutline()
        self._heading: str | None = None
        self._text: list[str] = []
        self._data: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name in self.URL_ATTRIBUTES:
            if name in values:
                self.out.urls.append(values[name])
        if "style" in values:
            self.out.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", values["style"])
        if tag == "html":
            self.out.lang = values.get("lang", "")
        elif tag in ("h1", "h2", "h3", "h4"):
            self._heading, self._text = tag, []
        elif tag == "img":
            self.out.images.append(values)
        elif tag == "data":
            self._data = {**values, "text": ""}
        elif tag == "table":
            self.out.tables += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            text = "".join(self._text).strip()
            self.out.headings.append((tag, text))
            if tag == "h1" and not self.out.h1:
                self.out.h1 = text
            self._heading = None
        elif tag == "data" and self._data is not None:
            self.out.figures.append(self._data)
            self._data = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)
        if self._data is not None:
            self._data["text"] += data


def inspect_html(text: str) -> PageOutline:
    parser = _Outliner()
    parser.feed(text)
    parser.close()
    outline = parser.out
    for css in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S | re.I):
        outline.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
        outline.urls += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return outline


def external_references(text: str) -> list[str]:
    """Every URL the page would fetch or link to that is not inside the page: anything but
    ``data:`` URLs and ``#fragments`` (``http:``, ``https:``, ``//host``, ``file:``, relative
    paths...)."""
    return [u for u in inspect_html(text).urls
            if not (u.startswith("data:") or u.startswith("#"))]


# ---------------------------------------------------------------- PDF
def find_chromium() -> str | None:
    """Debian's ``chromium`` (or ``$ASYLSTAT_CHROMIUM``; set it empty to make no PDF)."""
    if CHROMIUM_ENV in os.environ:
        chosen = os.environ[CHROMIUM_ENV].strip()
        return (shutil.which(chosen) or None) if chosen else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_command(chromium: str, profile: Path, *extra: str) -> list[str]:
    """A headless Chromium with a fresh profile that connects nowhere by itself."""
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={profile}", *QUIET_FLAGS, *extra]


#: Page.printToPDF as ``chromium --headless --print-to-pdf --no-pdf-header-footer
#: --generate-pdf-document-outline`` prints: the page's own size (``@page { size: A4 }``), no
#: header or footer, backgrounds, a tagged PDF (structure tree, language) with an outline
PRINT_PARAMETERS = {"displayHeaderFooter": False, "printBackground": True,
                    "preferCSSPageSize": True, "generateTaggedPDF": True,
                    "generateDocumentOutline": True, "transferMode": "ReturnAsBase64"}
#: the shell that gives Chromium the two pipes of ``--remote-debugging-pipe`` as its file
#: descriptors 3 (commands in) and 4 (replies out), from our stdin and stdout
_PIPE_SHELL = 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null'


class DevToolsPipe:
    """One headless Chromium driven over the DevTools protocol through a pair of pipes
    (``--remote-debugging-pipe``: JSON messages ended by a NUL byte). No TCP port is opened,
    so no other process on the machine can drive the browser while it prints."""

    def __init__(self, chromium: str, profile: Path, timeout: float = PDF_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._stderr = (profile / "chromium.log").open("wb")
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()
        try:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", _PIPE_SHELL,
                 *chromium_command(chromium, profile / "profile", "--remote-debugging-pipe")],
                stdin=commands_in, stdout=replies_out, stderr=self._stderr)
        finally:
            os.close(commands_in)
            os.close(replies_out)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _receive(self, deadline: float) -> dict:
        import json
        import select
        import time

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("chromium did not answer in time")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium exited ({self.process.poll()}): "
                                       + self.log_tail())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its reply (events meanwhile kept in ``events``)."""
        import json
        import time

        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"chromium refused {method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> None:
        import time

        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == method and e.get("sessionId") == session
                      for e in self.events):
            self.events.append(self._receive(deadline))

    def print_pdf(self, html_file: Path) -> bytes:
        """``html_file`` printed to PDF in a new tab (closed afterwards)."""
        import base64

        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        try:
            self.send("Page.enable", session=session)
            opened = self.send("Page.navigate", {"url": html_file.resolve().as_uri()}, session)
            if opened.get("errorText"):
                raise RuntimeError(f"chromium cannot open {html_file}: {opened['errorText']}")
            self.wait_for("Page.loadEventFired", session)
            data = self.send("Page.printToPDF", PRINT_PARAMETERS, session)["data"]
        finally:
            self.send("Target.closeTarget", {"targetId": target})
            self.events = [e for e in self.events if e.get("sessionId") != session]
        return base64.b64decode(data)

    def log_tail(self) -> str:
        self._stderr.flush()
        text = Path(self._stderr.name).read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-3:])

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        finally:
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            os.close(self._commands)
            os.close(self._replies)
            self._stderr.close()


class PdfPrinter:
    """The one browser process that prints a run's PDFs. The browser is started when the
    printer is made and boots while the caller does other work (rendering the HTML); each
    :meth:`print` uses it; :meth:`close` (or leaving the ``with`` block) ends it and removes
    its profile."""

    def __init__(self, chromium: str) -> None:
        self.chromium = chromium
        self._profile = tempfile.TemporaryDirectory(prefix="asylstat-chromium-")
        self._browser: DevToolsPipe | None = None
        self._error: Exception | None = None
        try:
            self._browser = DevToolsPipe(chromium, Path(self._profile.name))
        except OSError as exc:
            self._error = exc

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def print(self, html_file: Path, pdf_file: Path) -> None:
        """Print ``html_file`` to ``pdf_file`` (A4, no header or footer, tagged, with an
        outline). Raises ``RuntimeError`` (or ``OSError``) when the browser cannot."""
        if self._browser is None or self._browser.process.poll() is not None:
            raise RuntimeError(f"chromium is not running: {self._error or 'it exited'}")
        data = self._browser.print_pdf(html_file)
        if data[:5] != b"%PDF-":
            raise RuntimeError("chromium printed no PDF: " + self._browser.log_tail())
        pdf_file.parent.mkdir(parents=True, exist_ok=True)
        pdf_file.write_bytes(data)
        log.info("printed %s (%d bytes)", pdf_file, len(data))

    def close(self) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = None
            self._profile.cleanup()


def html_to_pdfs(jobs: Mapping[str, tuple[Path, Path]], chromium: str | PdfPrinter
                 ) -> dict[str, Exception | None]:
    """Print each ``html_file`` to its ``pdf_file`` with one browser process (``chromium``,
    or a printer already started); per job, ``None`` or the error that stopped it."""
    outcome: dict[str, Exception | None] = {}
    printer = chromium if isinstance(chromium, PdfPrinter) else PdfPrinter(chromium)
    try:
        for name, (html_file, pdf_file) in jobs.items():
            try:
                printer.print(html_file, pdf_file)
                outcome[name] = None
            except (RuntimeError, OSError) as exc:
                outcome[name] = exc
    finally:
        if printer is not chromium:
            printer.close()
    return outcome


def html_to_pdf(html_file: Path, pdf_file: Path, chromium: str) -> None:
    """Print ``html_file`` to ``pdf_file`` (:func:`html_to_pdfs` for one page). Raises
    ``RuntimeError`` when Chromium fails or writes no PDF."""
    error = html_to_pdfs({"page": (html_file, pdf_file)}, chromium)["page"]
    if error is not None:
        raise RuntimeError(str(error)) from error
