"""The notebooks in a real JupyterLab (issue 15, item 5): ``scripts/lab.sh`` (what ``make lab``
runs, as root too) starts the server headless; each domain notebook is opened through the
Jupyter server's REST API, run cell by cell in a fresh kernel over the kernel's websocket,
with its default parameters, and must end without error showing each table's section; then a
headless Chromium takes a screenshot of one executed notebook as JupyterLab renders it, which
must not be blank.

The withdrawals notebook (the quickest) runs by default; every domain notebook with
``--full``. The notebooks run on a copy of the session's synthetic warehouse placed where
their default ``dwh_url`` looks (``../data/demo.duckdb``)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import papermill as pm
import pytest
import requests

from asylstat import paths
from asylstat.domains import all_domains
from asylstat.params import RUN_KIND_FREQ
from asylstat.periods import Period
from asylstat.report.render import QUIET_FLAGS, find_chromium
from asylstat.sections import SECTION_ID, SQL_ID

pytestmark = pytest.mark.e2e

QUICK = "30_withdrawals.ipynb"
NOTEBOOKS = [pytest.param(d.notebook, marks=() if d.notebook == QUICK else pytest.mark.full)
             for d in all_domains()]
CELL_TIMEOUT_S = 600
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path  # the folder it serves

    def api(self, method: str, path: str, **kw) -> requests.Response:
        response = requests.request(method, f"{self.url}/api/{path}", timeout=60,
                                    headers={"Authorization": f"token {self.token}"}, **kw)
        response.raise_for_status()
        return response


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, synthetic_warehouse) -> Iterator[Lab]:
    """``scripts/lab.sh`` serving a copy of notebooks/ beside the synthetic warehouse."""
    root = tmp_path_factory.mktemp("jupyterlab")
    shutil.copytree(paths.notebooks_dir(), root / "notebooks")
    synthetic_warehouse.copy(root / "data" / "demo.duckdb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "LAB_NOTEBOOK_DIR": str(root / "notebooks"), "LAB_PORT": str(port),
           "LAB_TOKEN": token, "LAB_BROWSER": "0",
           "JUPYTER": str(Path(os.sys.executable).parent / "jupyter")}
    log = (root / "lab.log").open("wb")
    server = subprocess.Popen([str(paths.project_root() / "scripts" / "lab.sh")], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root / "notebooks")
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                lab.api("GET", "status")
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("JupyterLab did not start: "
                                         + (root / "lab.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        first = (root / "lab.log").read_text().splitlines()[0]
        assert first == f"JupyterLab: http://127.0.0.1:{port}/lab?token={token}"
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _message(code: str, session: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "username": "test", "session": session,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": datetime.now(UTC).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}


def execute(lab: Lab, name: str) -> dict:
    """Open ``name`` through the server, run every code cell in a fresh kernel of its own
    session, save the executed notebook back and return it (nbformat JSON)."""
    import websocket

    notebook = lab.api("GET", f"contents/{name}", params={"content": 1}).json()["content"]
    session = lab.api("POST", "sessions", json={
        "path": name, "type": "notebook", "name": name,
        "kernel": {"name": "python3"}}).json()
    kernel = session["kernel"]["id"]
    ws = websocket.create_connection(
        f"{lab.url.replace('http', 'ws')}/api/kernels/{kernel}/channels",
        header=[f"Authorization: token {lab.token}"], timeout=CELL_TIMEOUT_S)
    try:
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            request = _message(cell["source"], session["id"])
            ws.send(json.dumps(request))
            outputs: list[dict] = []
            while True:
                reply = json.loads(ws.recv())
                if reply.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                kind, content = reply["msg_type"], reply["content"]
                if reply["channel"] != "iopub":
                    continue
                if kind == "status" and content["execution_state"] == "idle":
                    break
                if kind == "execute_input":
                    cell["execution_count"] = content["execution_count"]
                if kind in ("stream", "display_data", "execute_result", "error"):
                    outputs.append({"output_type": kind, **content})
            cell["outputs"] = outputs
            if any(o["output_type"] == "error" for o in outputs):
                break
    finally:
        ws.close()
        lab.api("DELETE", f"sessions/{session['id']}")
    lab.api("PUT", f"contents/{name}", json={"type": "notebook", "format": "json",
                                             "content": notebook})
    return notebook


def _due(name: str) -> list[str]:
    """The tables the notebook makes with its default parameters."""
    declared = pm.inspect_notebook(str(paths.notebooks_dir() / name))
    kind = json.loads(declared["kind"]["default"])
    period = Period.parse(json.loads(declared["period"]["default"]), RUN_KIND_FREQ[kind])
    dom = next(d for d in all_domains() if d.notebook == name)
    return [spec.name for spec in dom.due(period)]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_with_its_defaults(lab, name):
    executed = execute(lab, name)
    errors = [o for c in executed["cells"] for o in c.get("outputs", [])
              if o["output_type"] == "error"]
    assert not errors, "\n".join(f"{e['ename']}: {e['evalue']}" for e in errors)
    outputs = [o.get("data", {}) for c in executed["cells"] for o in c.get("outputs", [])]
    html = "".join(o.get("text/html", "") for o in outputs)
    listings = "".join(o.get("text/markdown", "") for o in outputs)
    for table in _due(name):
        section = html[html.index(f"id='{SECTION_ID.format(name=table)}'"):]
        section = section[:section.index("</section>")]
        # each section: definition, pivot, validation, changes; then its SQL, collapsed
        for part in ("<h2>", "class=\"dataframe pivot\"", "<h3>Validation</h3>",
                     "<h3>Changes since the published run</h3>"):
            assert part in section, (table, part)
        sql = listings[listings.index(f"id='{SQL_ID.format(name=table)}'"):]
        assert sql.index("```sql\n") < sql.index("GROUP BY") < sql.index("</details>")


def test_screenshot_of_a_notebook_in_jupyterlab_is_not_blank(lab, tmp_path):
    from PIL import Image, ImageStat

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium (make test installs Debian's)")
    if not any(c.get("outputs") for c in json.loads((lab.root / QUICK).read_text())["cells"]):
        execute(lab, QUICK)
    shot = tmp_path / "notebook.png"
    # the quiet flags, but the loopback address reachable (the server is there)
    flags = [f for f in QUIET_FLAGS if not f.startswith("--host-resolver-rules")]
    browse = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}", *flags,
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
              "--window-size=1400,1800", "--virtual-time-budget=30000"]
    page = f"{lab.url}/lab/tree/{QUICK}?token={lab.token}&reset"
    # JupyterLab rendered the executed notebook: its first table's section is in the page (a
    # loaded machine may need more than one try for the application to load in the budget)
    wanted = SECTION_ID.format(name=_due(QUICK)[0])
    for _attempt in range(3):
        dom = subprocess.run([*browse, "--dump-dom", page], check=True, capture_output=True,
                             text=True, timeout=180).stdout
        if wanted in dom:
            break
    assert wanted in dom, dom[-2000:]
    subprocess.run([*browse, f"--screenshot={shot}", page], check=True, capture_output=True,
                   timeout=180)
    if os.environ.get("ASYLSTAT_SCREENSHOT_DIR"):  # kept for a human to look at
        shutil.copy(shot, Path(os.environ["ASYLSTAT_SCREENSHOT_DIR"]) / shot.name)
    image = Image.open(shot).convert("L")
    assert image.size == (1400, 1800)
    # not blank: many distinct grey levels (text, tables) and a spread of brightness
    histogram = image.histogram()
    assert sum(1 for n in histogram if n) > 32
    assert ImageStat.Stat(image).stddev[0] > 10
