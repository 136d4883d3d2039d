"""From the executed report notebook to a self-contained HTML page and a PDF.

* **HTML**: nbconvert's ``basic`` template renders the cells' outputs only (code hidden:
  ``exclude_input``; cells tagged ``remove-cell``, ``parameters`` or ``injected-parameters``
  dropped, outputs of cells tagged ``remove-output`` dropped, by ``TagRemovePreprocessor``),
  and this module wraps them in its own page: ``<html lang=…>``, a title, an inline stylesheet.
  Nothing is loaded from elsewhere: no script, no MathJax, no web font; charts are ``data:``
  URLs. :func:`external_references` finds any reference that would leave the machine.
* **PDF**: Debian's ``chromium`` prints the page (``--headless --print-to-pdf``), started with
  a fresh profile and the flags that stop it connecting anywhere by itself; host names resolve
  to nothing (``--host-resolver-rules``), so even a stray reference cannot reach the network.
  Recent Chromium writes a tagged PDF (structure tree) by default; the outline (bookmarks)
  comes from the headings (``--generate-pdf-document-outline``).
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from asylstat import paths

log = logging.getLogger(__name__)

REPORT_NOTEBOOK = "90_report.ipynb"
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
def execute_report_notebook(lang: str, run_dir: Path, target: Path) -> Path:
    """Execute the report notebook for one language on the staged run ``run_dir``; the
    executed copy (``target``) is kept with the domain notebooks as the audit trail."""
    import papermill as pm

    target.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(paths.notebooks_dir() / REPORT_NOTEBOOK), str(target),
        parameters={"lang": lang, "run_dir": str(Path(run_dir).resolve())},
        kernel_name="python3", cwd=str(paths.notebooks_dir()), progress_bar=False,
        log_output=False)
    return target


def notebook_body(notebook: Path) -> str:
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
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return str(body)


def page(body: str, lang: str, title: str) -> str:
    """A whole, self-contained HTML document around ``body``."""
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def notebook_to_html(notebook: Path, lang: str) -> str:
    """The report page of an executed report notebook; its title is its first heading."""
    body = notebook_body(notebook)
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


def html_to_pdf(html_file: Path, pdf_file: Path, chromium: str) -> None:
    """Print ``html_file`` to ``pdf_file`` (A4, no header or footer, tagged, with an outline).
    Raises ``RuntimeError`` when Chromium fails or writes no PDF."""
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="asylstat-chromium-") as profile:
        command = chromium_command(
            chromium, Path(profile), "--no-pdf-header-footer",
            "--generate-pdf-document-outline", f"--print-to-pdf={pdf_file.resolve()}",
            html_file.resolve().as_uri())
        done = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S,
                              check=False)
    if done.returncode != 0 or not pdf_file.is_file() or \
            not pdf_file.read_bytes()[:5] == b"%PDF-":
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise RuntimeError(f"chromium exited with {done.returncode} and no PDF: "
                           + " | ".join(tail))
    log.info("printed %s (%d bytes)", pdf_file, pdf_file.stat().st_size)
