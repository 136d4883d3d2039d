"""End to end: a quarterly run on a small synthetic warehouse leaves the public tables and the
reports in three languages; each HTML report is opened in headless Chromium (Debian's package),
watched over the DevTools protocol: it renders (screenshot not blank, five charts loaded), and
asks for nothing but ``file:`` and ``data:`` URLs; each PDF has pages and is tagged. Every
figure quoted equals the cell of the public workbook, read back with openpyxl."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

pytestmark = pytest.mark.e2e
LANGS = ("fr", "nl", "en")
PERIOD = "2024-Q3"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not "
                                    "installed (make test installs it)")
QUIET = ("--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--no-default-browser-check")


@pytest.fixture(scope="module")
def run_dir(quarterly_run) -> Path:
    return quarterly_run.period_dir


# ---------------------------------------------------------------- a small DevTools client
class Browser:
    """Debian's chromium, headless, driven over the DevTools protocol (websocket-client);
    it records every request a page makes (``Network.requestWillBeSent``)."""

    def __init__(self, profile: Path) -> None:
        import websocket

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", *QUIET,
             "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            assert self.process.poll() is None, "chromium exited"
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message: dict = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not any(e.get("method") == method and e.get("sessionId") == session
                      for e in self.events):
            assert time.monotonic() < deadline, f"no {method}"
            self.events.append(json.loads(self.ws.recv()))

    def open(self, url: str) -> tuple[str, list[str]]:
        """Open ``url`` in a new tab; return the session and the URLs the page requested."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        self.send("Network.enable", session=session)
        self.send("Page.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 1400,
                                                         "deviceScaleFactor": 1,
                                                         "mobile": False}, session)
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        time.sleep(0.3)  # let late requests (none expected) show up
        self.send("Runtime.evaluate", {"expression": "1"}, session)
        requested = [e["params"]["request"]["url"] for e in self.events
                     if e.get("method") == "Network.requestWillBeSent"
                     and e.get("sessionId") == session]
        return session, requested

    def evaluate(self, session: str, expression: str) -> object:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True}, session)
        return result["result"]["value"]

    def screenshot(self, session: str) -> Image.Image:
        data = self.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.ws.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


# ---------------------------------------------------------------- the run's outputs
def test_the_run_leaves_public_tables_and_reports_in_three_languages(run_dir):
    transmission = {p.name for p in (run_dir / "transmission" / "eurostat").glob("*.csv")}
    public = {p.name for p in (run_dir / "public").glob("*.csv")}
    assert transmission and public == transmission
    assert (run_dir / "public" / f"{PERIOD}_public.xlsx").is_file()
    # one executed report notebook (the audit trail) holds the three languages' outputs
    report_notebook = json.loads((run_dir / "notebooks" / "90_report.ipynb").read_text())
    marked = {o["metadata"].get("asylstat_lang") for c in report_notebook["cells"]
              for o in c.get("outputs", [])}
    assert marked == set(LANGS)
    assert not list((run_dir / "notebooks").glob("90_report_*.ipynb"))
    for lang in LANGS:
        assert (run_dir / "reports" / lang / "report.html").is_file()
        if CHROMIUM:
            assert (run_dir / "reports" / lang / "report.pdf").read_bytes()[:5] == b"%PDF-"
    rules = json.loads((run_dir / "validation" / "validation.json").read_text())["rules"]
    ours = {r["rule"] for r in rules if r["rule"].startswith(("report.", "public."))}
    assert ours == {"public.rounding", "report.basis_matches_tables",
                    "report.figures_match_public", "report.self_contained",
                    "report.accessible", "report.pdf"}
    assert all(r["status"] == "pass" for r in rules
               if r["rule"].startswith(("report.", "public.")))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    listed = {o["path"] for o in manifest["outputs"]}
    assert "reports/fr/report.html" in listed and f"public/{PERIOD}_public.xlsx" in listed


def public_cells(run_dir: Path) -> dict[str, dict[tuple[str, ...], int]]:
    """Every cell of the public workbook: sheet → codes (dimensions, period) → value."""
    book = openpyxl.load_workbook(run_dir / "public" / f"{PERIOD}_public.xlsx", read_only=True)
    cells: dict[str, dict[tuple[str, ...], int]] = {}
    units: dict[str, str] = {}
    for sheet in book.worksheets[1:]:
        if sheet.title.startswith("View "):  # the views: the same figures, laid out to read
            continue
        rows = list(sheet.iter_rows(values_only=True))
        units[sheet.title] = str(rows[2][0])
        cells[sheet.title] = {tuple(str(v) for v in row[:-1]): row[-1] for row in rows[5:]
                              if row and row[0] is not None}
    book.close()
    cells["__units__"] = units  # type: ignore[assignment]
    return cells


def quoted_figures(page: str) -> list[tuple[str, str, str, str]]:
    """``(value, table, key, text)`` of every ``<data>`` element with a table (attributes in
    any order: nbconvert may reorder them)."""
    out = []
    for attributes, text in re.findall(r"<data\b([^>]*)>([^<]*)</data>", page):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        if "data-table" in attrs:
            out.append((attrs["value"], attrs["data-table"], attrs["data-key"], text))
    return out


def test_every_figure_in_the_reports_is_a_public_cell(run_dir):
    cells = public_cells(run_dir)
    for lang in LANGS:
        page = (run_dir / "reports" / lang / "report.html").read_text(encoding="utf-8")
        quoted = quoted_figures(page)
        assert len(quoted) > 150, lang
        for value, table, key, shown in quoted:
            expected = cells[table].get(tuple(key.split("/")), 0)
            assert int(value) == expected, (lang, table, key)
            assert int(re.sub(r"\D", "", shown)) == abs(expected), (lang, shown)


def test_no_unrounded_person_count_in_the_public_tables(run_dir):
    cells = public_cells(run_dir)
    units = cells.pop("__units__")
    rounded = [name for name, unit in units.items()  # type: ignore[union-attr]
               if re.match(r"Unit: (PER|APP)\b", unit) and "DUB" not in name]
    assert {"MIGR_ASYAPPCTZM", "MIGR_ASYPENCTZM", "RPT_APPLICANTS"} <= set(rounded)
    for name in rounded:
        bad = {k: v for k, v in cells[name].items() if v % 5}
        assert not bad, (name, list(bad.items())[:3])
    # the same check on the exact transmission finds figures that are not multiples of 5
    exact = (run_dir / "transmission" / "eurostat" / "MIGR_ASYAPPCTZM.csv").read_text()
    assert any(int(line.rsplit(",", 1)[1]) % 5 for line in exact.splitlines()[1:])
    for line in (run_dir / "public" / "MIGR_ASYAPPCTZM.csv").read_text().splitlines()[1:]:
        assert int(line.rsplit(",", 1)[1]) % 5 == 0, line


# ---------------------------------------------------------------- in the browser
@needs_chromium
@pytest.mark.parametrize("lang", LANGS)
def test_each_report_renders_offline_in_chromium(run_dir, browser, lang, tmp_path):
    page = run_dir / "reports" / lang / "report.html"
    session, requested = browser.open(page.as_uri())
    # nothing but the page itself and its embedded data
    assert requested, "the request watcher saw nothing"
    assert all(u.startswith(("file:", "data:")) for u in requested), requested
    state = browser.evaluate(session, """JSON.stringify({
        lang: document.documentElement.lang, title: document.title,
        h1: document.querySelectorAll('h1').length, h2: document.querySelectorAll('h2').length,
        tables: document.querySelectorAll('table caption').length,
        images: Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt.length]),
        height: document.body.scrollHeight})""")
    info = json.loads(str(state))
    assert info["lang"] == lang and info["h1"] == 1 and info["h2"] >= 7
    assert info["tables"] >= 6
    assert len(info["images"]) == 5                 # the five charts
    assert all(done and width > 300 and alt > 40 for done, width, alt in info["images"])
    assert info["height"] > 3000
    shot = browser.screenshot(session)
    shot.save(tmp_path / f"report_{lang}.png")
    dark = sum(shot.convert("L").histogram()[:200]) / (shot.width * shot.height)
    colours = len(shot.getcolors(maxcolors=1 << 16) or [])
    assert 0.01 < dark < 0.6, dark                   # text on a white page, not blank
    assert colours > 50                              # more than a couple of flat colours


@needs_chromium
def test_the_request_watcher_sees_a_page_that_reaches_outside(browser, tmp_path):
    # a page that would fetch an image and a stylesheet from elsewhere: the watcher must see
    # both (host names resolve to nothing, so nothing leaves the machine)
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html lang="en"><head><link rel="stylesheet" '
                      'href="https://cdn.example.invalid/x.css"></head><body>'
                      '<img src="http://report-canary.invalid/x.png" alt="x"></body></html>')
    _, requested = browser.open(canary.as_uri())
    outside = [u for u in requested if not u.startswith(("file:", "data:"))]
    assert "http://report-canary.invalid/x.png" in outside
    assert "https://cdn.example.invalid/x.css" in outside


@needs_chromium
@pytest.mark.parametrize("lang", LANGS)
def test_each_pdf_has_pages_and_is_tagged(run_dir, lang):
    from pypdf import PdfReader

    reader = PdfReader(run_dir / "reports" / lang / "report.pdf")
    assert len(reader.pages) >= 3
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])          # a tagged PDF
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == lang
    assert len(reader.outline) >= 1                    # bookmarks from the headings
    first = reader.pages[0].extract_text()
    assert {"fr": "Statistiques", "nl": "Asielstatistieken", "en": "Asylum statistics"}[
        lang] in first
