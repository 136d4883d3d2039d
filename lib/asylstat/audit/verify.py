"""``verify``: re-do the published run of a period and compare (outputs.md, "verify").

1. Read ``<OUTPUT_DIR>/<PERIOD>/manifest.json`` and check that every published file still has
   the size and SHA-256 the manifest lists (a published run is never edited).
2. Restore the recorded code: a clean checkout of the recorded commit (``git clone --shared``
   of this project into the scratch folder, then ``git checkout`` of the commit), when the
   manifest records a commit of a clean checkout that this repository holds. Otherwise (no
   commit, a *dirty* checkout, a commit unknown here) the current code is used, and the report
   says so.
3. Restore the environment: when the recorded ``lock_sha256`` is the current lock file's, the
   current environment is used (with ``PYTHONPATH`` and ``ASYLSTAT_HOME`` pointing at the
   checkout); otherwise a virtual environment is built in the scratch folder from the checkout's
   lock file; when that is impossible the current environment is used and the report says so.
4. Re-run the period with the recorded kind, period, schema and ``as_of`` (and the recorded
   warehouse URL, whose password was never recorded: credentials come from the environment,
   e.g. ``PGPASSWORD``), through the command line of the restored code, into
   ``<scratch>/outputs`` — never into the published run or the archive.
5. Compare every transmission file and every national table CSV byte for byte (listing the
   differing cells when the bytes differ) and the workbook cell by cell
   (:func:`asylstat.write.workbook.read_workbook_cells`), skipping the run-specific metadata block
   ("Run": run id, code version…) of the About sheet.

Exit status: 0 identical; 1 differences (or a published file that no longer matches the
manifest); 2 bad parameters or no published run of the period; 3 the warehouse cannot be used;
4 the re-run crashed or the code could not be prepared. The report (JSON) is written to
``<scratch>/verify.json``; :func:`report_text` renders it for a person.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from asylstat import paths
from asylstat.audit.cells import (
    NATIONAL_DIR,
    TRANSMISSION_DIRS,
    CellFileError,
    TableCells,
    national_file_cells,
    sdmx_file_cells,
)
from asylstat.audit.revisions import compare_table
from asylstat.periods import Period, PeriodError
from asylstat.write.files import sha256_file, write_json
from asylstat.write.workbook import ABOUT_SHEET, read_workbook_cells

log = logging.getLogger(__name__)

EXIT_IDENTICAL, EXIT_DIFFERENT, EXIT_PARAMETERS, EXIT_WAREHOUSE, EXIT_CRASHED = 0, 1, 2, 3, 4
#: at most this many differing cells per file in the report (the count is always complete)
MAX_CELLS_PER_FILE = 500
_KIND_OF_FREQ = {"M": "monthly", "Q": "quarterly", "A": "annual"}
_REDACTED_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:/@]+):\*\*\*@")


class VerifyError(Exception):
    """verify cannot start or cannot re-run; ``exit_code`` says which."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_period(text: str) -> Period:
    """A period of any kind: ``YYYY-MM``, ``YYYY-Qn`` (``q`` accepted) or ``YYYY``."""
    for freq in ("M", "Q", "A"):
        try:
            return Period.parse(text, freq)  # type: ignore[arg-type]
        except PeriodError:
            continue
    raise VerifyError(f"PERIOD={text!r} is not a period: write YYYY-MM, YYYY-Qn or YYYY",
                      EXIT_PARAMETERS)


def read_manifest(run: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VerifyError(f"there is no published run at {run} (no manifest.json): nothing to "
                          "verify", EXIT_PARAMETERS) from None
    except (OSError, ValueError) as exc:
        raise VerifyError(f"the manifest of {run} cannot be read: {exc}",
                          EXIT_PARAMETERS) from None
    missing = [k for k in ("run_id", "period", "as_of", "parameters") if k not in manifest]
    if missing:
        raise VerifyError(f"the manifest of {run} lacks {', '.join(missing)}: the run cannot be "
                          "re-done", EXIT_PARAMETERS)
    return manifest


def published_integrity(run: Path, manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Published files that no longer have the size and hash the manifest lists, and files
    the manifest does not list (``manifest.json`` excepted)."""
    problems: list[dict[str, Any]] = []
    listed = {o["path"]: o for o in manifest.get("outputs", [])}
    for rel, entry in sorted(listed.items()):
        path = run / rel
        if not path.is_file():
            problems.append({"path": rel, "problem": "listed in the manifest, missing"})
        elif path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry.get("sha256"):
            problems.append({"path": rel, "problem": "changed since publication (size or "
                                                     "SHA-256 differs from the manifest)"})
    for path in sorted(p for p in run.rglob("*") if p.is_file()):
        rel = path.relative_to(run).as_posix()
        if rel != "manifest.json" and rel not in listed:
            problems.append({"path": rel, "problem": "not listed in the manifest"})
    return problems


# --- the code -------------------------------------------------------------------------------

def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class CodePlan:
    """Which code re-runs the period: ``commit`` to check out, or ``None`` (current code)."""

    commit: str | None
    note: str


def plan_code(code_version: Mapping[str, Any] | None, repo: Path) -> CodePlan:
    """A clean checkout of the recorded commit when it can be restored, else the current code
    and why."""
    commit = (code_version or {}).get("commit")
    dirty = (code_version or {}).get("dirty")
    current = "the current code is used instead, so a difference may come from the code"
    if not commit:
        return CodePlan(None, f"the manifest records no commit: {current}")
    if dirty is not False:
        what = "uncommitted changes" if dirty else "an unknown state"
        return CodePlan(None, f"the run was made from a checkout of {commit} with {what}: that "
                              f"code cannot be restored exactly; {current}")
    if _git(["cat-file", "-e", f"{commit}^{{commit}}"], repo).returncode != 0:
        return CodePlan(None, f"commit {commit} is not in the repository {repo}: {current}")
    return CodePlan(commit, f"clean checkout of the recorded commit {commit}")


def checkout(repo: Path, commit: str, target: Path) -> Path:
    """A clean checkout of ``commit`` at ``target`` (a clone sharing ``repo``'s objects; the
    repository itself is not modified)."""
    for args, cwd in ((["clone", "--quiet", "--shared", "--no-checkout", str(repo), str(target)],
                       repo),
                      (["checkout", "--quiet", "--detach", commit], target)):
        done = _git(args, cwd)
        if done.returncode != 0:
            raise VerifyError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()}",
                              EXIT_CRASHED)
    return target


# --- the environment ------------------------------------------------------------------------

@dataclass(frozen=True)
class EnvPlan:
    python: str
    note: str


def prepare_python(recorded_lock: str | None, code_root: Path, scratch: Path,
                   current_lock: Path) -> EnvPlan:
    """The interpreter of the re-run: the current one when the recorded lock is the current
    lock; else a new virtual environment from the checkout's lock, when it can be built."""
    here = sys.executable
    current = sha256_file(current_lock) if current_lock.is_file() else None
    if recorded_lock and recorded_lock == current:
        return EnvPlan(here, "the recorded lock file is the current one: the current "
                             "environment is used")
    if not recorded_lock:
        return EnvPlan(here, "the manifest records no lock file hash: the current environment "
                             "is used, so a difference may come from a package version")
    lock = code_root / "requirements.lock"
    if not lock.is_file() or sha256_file(lock) != recorded_lock:
        return EnvPlan(here, "the recorded lock file differs from the current one and the "
                             "checkout holds no lock file with the recorded hash: the current "
                             "environment is used, so a difference may come from a package "
                             "version")
    venv = scratch / "venv"
    python = venv / "bin" / "python"
    log.info("building an environment from the recorded lock in %s (a few minutes)", venv)
    steps = ([sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", "-r", str(lock)])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            why = done.stderr.strip()[-300:]
            return EnvPlan(here, "the recorded lock differs from the current one, and an "
                                 f"environment could not be built from it ({why}): the current "
                                 "environment is used, so a difference may come from a package "
                                 "version")
    return EnvPlan(str(python), f"environment built from the recorded lock ({recorded_lock})")


# --- the re-run -----------------------------------------------------------------------------

def warehouse_url(manifest: Mapping[str, Any]) -> str:
    """The recorded warehouse URL with the password placeholder removed: the driver then takes
    the password from the environment (``PGPASSWORD``, a pgpass file)."""
    url = str(manifest.get("parameters", {}).get("dwh_url")
              or manifest.get("warehouse", {}).get("url") or "")
    return _REDACTED_PASSWORD.sub(r"\1@", url)


def rerun_command(manifest: Mapping[str, Any], python: str, out: Path,
                  dwh_url: str) -> list[str]:
    params = manifest["parameters"]
    kind = manifest.get("kind") or params.get("kind")
    return [python, "-m", "asylstat.cli", "run", str(kind), "--period", str(manifest["period"]),
            "--dwh-url", dwh_url, "--schema", str(params.get("schema") or "dwh"),
            "--as-of", str(manifest["as_of"]), "--output-dir", str(out)]


def rerun(command: Sequence[str], code_root: Path, scratch: Path) -> tuple[int, str]:
    """Run ``command`` with the checkout's library first on the path; its exit status and the
    end of its messages."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(code_root / "lib"),
                                         *filter(None, [os.environ.get("PYTHONPATH")])])
    env["ASYLSTAT_HOME"] = str(code_root)
    log.info("re-running: %s", " ".join(command))
    done = subprocess.run(list(command), cwd=scratch, env=env, capture_output=True, text=True,
                          check=False)
    (scratch / "rerun.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return done.returncode, (done.stdout + done.stderr)[-2000:]


def rerun_folder(out: Path, period: str) -> Path | None:
    """Where the re-run left its outputs: published, or kept in ``failed/`` when blocked."""
    if (out / period / "manifest.json").is_file():
        return out / period
    failed = sorted((out / "failed" / period).glob("*")) if (out / "failed").is_dir() else []
    return failed[-1] if failed else None


# --- the comparison -------------------------------------------------------------------------

def _csv_files(run: Path) -> list[str]:
    return sorted(p.relative_to(run).as_posix()
                  for folder in (*TRANSMISSION_DIRS, NATIONAL_DIR)
                  for p in (run / folder).glob("*.csv"))


def csv_differences(published: Path, rerun_run: Path) -> list[dict[str, Any]]:
    """Every transmission file and national CSV that is not byte-identical, with its cells."""
    out: list[dict[str, Any]] = []
    old_files, new_files = set(_csv_files(published)), set(_csv_files(rerun_run))
    for rel in sorted(old_files | new_files):
        if rel not in new_files:
            out.append({"path": rel, "problem": "missing from the re-run"})
        elif rel not in old_files:
            out.append({"path": rel, "problem": "missing from the published run"})
        elif (published / rel).read_bytes() != (rerun_run / rel).read_bytes():
            entry: dict[str, Any] = {"path": rel, "problem": "bytes differ"}
            try:
                old = run_cells_of(published / rel)
                new = run_cells_of(rerun_run / rel)
                cells = compare_table(old, new).cells
                entry["cells_differing"] = len(cells)
                entry["cells"] = [
                    {"key": dict(zip(c.columns, c.key, strict=True)), "published": c.old,
                     "rerun": c.new, "difference": c.difference}
                    for c in cells[:MAX_CELLS_PER_FILE]]
            except CellFileError as exc:
                entry["note"] = f"cells cannot be listed: {exc}"
            out.append(entry)
    return out


def run_cells_of(path: Path) -> TableCells:
    """The cells of one transmission file or national CSV."""
    return (national_file_cells(path) if path.parent.name == NATIONAL_DIR.name
            else sdmx_file_cells(path))


def _metadata_rows(rows: Sequence[tuple]) -> set[int]:
    """Row indexes of the About sheet's "Run" block (run id, code version…): they differ from
    run to run by design and are not compared."""
    skip: set[int] = set()
    inside = False
    for i, row in enumerate(rows):
        first = row[0] if row else None
        if first == "Run":
            inside = True
            continue
        if inside:
            if first == "Contents" or not any(v is not None for v in row):
                break
            skip.add(i)
    return skip


def workbook_differences(published: Path, rerun_book: Path) -> list[dict[str, Any]]:
    """Cell by cell: every sheet, every row, every column (A1 references)."""
    old, new = read_workbook_cells(published), read_workbook_cells(rerun_book)
    out: list[dict[str, Any]] = []
    if list(old) != [s for s in new if s in old] or set(old) != set(new):
        out.append({"sheet": None, "problem": "sheets differ", "published": list(old),
                    "rerun": list(new)})
    for sheet in [s for s in old if s in new]:
        a, b = old[sheet], new[sheet]
        skip = _metadata_rows(a) | _metadata_rows(b) if sheet == ABOUT_SHEET else set()
        for r in range(max(len(a), len(b))):
            if r in skip:
                continue
            ra = a[r] if r < len(a) else ()
            rb = b[r] if r < len(b) else ()
            for c in range(max(len(ra), len(rb))):
                va = ra[c] if c < len(ra) else None
                vb = rb[c] if c < len(rb) else None
                if va != vb:
                    out.append({"sheet": sheet, "cell": f"{get_column_letter(c + 1)}{r + 1}",
                                "published": va, "rerun": vb})
    return out


def compare_run_folders(published: Path, rerun_run: Path, period: str) -> dict[str, Any]:
    """The byte and cell comparison of two runs of ``period``."""
    book = Path("tables") / f"{period}_tables.xlsx"
    files = csv_differences(published, rerun_run)
    cells: list[dict[str, Any]] = []
    if not (published / book).is_file() or not (rerun_run / book).is_file():
        files.append({"path": book.as_posix(), "problem": "missing from the "
                      + ("published run" if not (published / book).is_file() else "re-run")})
    elif (published / book).read_bytes() != (rerun_run / book).read_bytes():
        cells = workbook_differences(published / book, rerun_run / book)
        if cells:
            # every sheet with a difference is named, even when the listed cells are capped
            sheets = list(dict.fromkeys(c["sheet"] for c in cells if c["sheet"] is not None))
            files.append({"path": book.as_posix(), "problem": "cells differ",
                          "cells_differing": len(cells), "sheets_differing": sheets,
                          "cells": cells[:MAX_CELLS_PER_FILE]})
    compared = sorted(set(_csv_files(published)) | set(_csv_files(rerun_run))) + [book.as_posix()]
    return {"files_compared": compared, "differences": files}


# --- the whole ------------------------------------------------------------------------------

@dataclass
class VerifyReport:
    period: str
    published: str
    exit_code: int = EXIT_IDENTICAL
    identical: bool = False
    scratch: str = ""
    run_id: str | None = None
    as_of: str | None = None
    code: str = ""
    environment: str = ""
    warehouse: str = ""
    rerun_exit: int | None = None
    rerun_folder: str | None = None
    integrity: list[dict[str, Any]] = field(default_factory=list)
    files_compared: list[str] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def verify_period(period: str, output_dir: Path | str = "outputs", *,
                  scratch: Path | None = None, dwh_url: str | None = None,
                  repo: Path | None = None) -> VerifyReport:
    """Re-do the published run of ``period`` in ``scratch`` and compare; never raises for an
    expected failure (the report's ``exit_code`` and ``message`` say what happened)."""
    output_dir = Path(output_dir)
    report = VerifyReport(period=period, published="")
    try:
        label = parse_period(period).label
        published = output_dir / label
        report.period, report.published = label, str(published)
        manifest = read_manifest(published)
        report.run_id, report.as_of = manifest["run_id"], manifest["as_of"]
        scratch = empty_scratch(scratch, f"asylstat-verify-{label}")
        report.scratch = str(scratch)
        _verify(report, manifest, published, scratch, dwh_url, repo or paths.project_root())
    except VerifyError as exc:
        report.exit_code, report.message = exc.exit_code, str(exc)
    if report.scratch:
        write_json(report.as_dict(), Path(report.scratch) / "verify.json")
    log.info("verify %s: exit %d", report.period, report.exit_code)
    return report


def _verify(report: VerifyReport, manifest: Mapping[str, Any], published: Path, scratch: Path,
            dwh_url: str | None, repo: Path) -> None:
    report.integrity = published_integrity(published, manifest)
    url = dwh_url or warehouse_url(manifest)
    report.warehouse = (f"{url} (given on the command line, not the recorded one)" if dwh_url
                        else url)
    out = scratch / "outputs"
    code, tail = rerun_recorded_code(
        report, manifest, repo, scratch,
        lambda python: rerun_command(manifest, python, out, url))
    report.rerun_exit = code
    folder = rerun_folder(out, report.period)
    report.rerun_folder = str(folder) if folder else None
    if code == EXIT_WAREHOUSE:
        raise VerifyError(f"the re-run cannot use the warehouse {url}: {tail.strip()[-600:]}",
                          EXIT_WAREHOUSE)
    if folder is None or code not in (0, 1):
        raise VerifyError(f"the re-run failed (exit {code}); its log is {scratch / 'rerun.log'}:"
                          f" {tail.strip()[-600:]}", EXIT_CRASHED)
    compared = compare_run_folders(published, folder, report.period)
    report.files_compared = compared["files_compared"]
    report.differences = compared["differences"]
    report.identical = not report.differences and not report.integrity
    report.exit_code = EXIT_IDENTICAL if report.identical else EXIT_DIFFERENT
    report.message = _summary(report)


def empty_scratch(scratch: Path | str | None, prefix: str) -> Path:
    """The folder a re-run works in: ``scratch`` when given (created; it must be empty), else
    a new temporary folder named ``<prefix>-<UTC time>-…``."""
    folder = Path(scratch) if scratch else Path(tempfile.mkdtemp(
        prefix=f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-"))
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise VerifyError(f"the scratch folder {folder} is not empty", EXIT_PARAMETERS)
    return folder


def rerun_recorded_code(report: Any, manifest: Mapping[str, Any], repo: Path, scratch: Path,
                        command: Callable[[str], Sequence[str]]) -> tuple[int, str]:
    """Re-run ``command(python)`` with the code and lock the manifest records, when they can
    be restored (a clean checkout of the commit, a virtualenv from the lock), else with the
    current ones; says which in ``report.code`` and ``report.environment``. The checkout and
    the virtualenv are removed afterwards. Shared by ``verify`` of runs and of answers."""
    plan = plan_code(manifest.get("code_version"), repo)
    code_root = repo
    if plan.commit:
        try:
            code_root = checkout(repo, plan.commit, scratch / "code")
        except VerifyError as exc:
            plan = CodePlan(None, f"the recorded commit {plan.commit} could not be checked out "
                                  f"({exc}): the current code is used instead, so a difference "
                                  "may come from the code")
            shutil.rmtree(scratch / "code", ignore_errors=True)
    report.code = plan.note
    env = prepare_python(manifest.get("lock_sha256"), code_root, scratch, paths.lock_file())
    report.environment = env.note
    try:
        return rerun(command(env.python), code_root, scratch)
    finally:
        if plan.commit:
            shutil.rmtree(scratch / "code", ignore_errors=True)
        if (scratch / "venv").exists():
            shutil.rmtree(scratch / "venv", ignore_errors=True)


def _summary(report: VerifyReport) -> str:
    if report.identical:
        return (f"The published run {report.run_id} of {report.period} was re-done ({report.code}"
                f"; {report.environment}) and all {len(report.files_compared)} files compared "
                f"are identical. Details: {report.scratch}/verify.json.")
    parts = []
    if report.rerun_exit == 1:
        parts.append("the re-run was blocked by a validation error (it wrote no transmission "
                     "file; see validation/validation.html in its folder)")
    if report.integrity:
        parts.append(f"{len(report.integrity)} published file(s) do not match the manifest")
    if report.differences:
        parts.append(f"{len(report.differences)} file(s) differ: "
                     + ", ".join(d["path"] for d in report.differences[:10])
                     + (", …" if len(report.differences) > 10 else ""))
    return (f"The re-run of {report.period} (published run {report.run_id}, as of "
            f"{report.as_of}) is NOT identical: {'; '.join(parts)}. Code: {report.code}. "
            f"Re-run outputs and the full list in {report.scratch} (verify.json).")


def report_text(report: VerifyReport, limit: int = 20) -> str:
    """What ``asylstat verify`` prints: the verdict, how the run was re-done, every differing
    file and up to ``limit`` differing cells per file."""
    lines = [report.message]
    if report.code:
        lines += [f"  code:        {report.code}", f"  environment: {report.environment}",
                  f"  warehouse:   {report.warehouse}, as of {report.as_of}",
                  f"  re-run:      exit {report.rerun_exit}, outputs in {report.rerun_folder}"]
    for item in report.integrity:
        lines.append(f"  published file {item['path']}: {item['problem']}")
    for diff in report.differences:
        lines.append(f"  {diff['path']}: {diff['problem']}"
                     + (f" ({diff['cells_differing']} cells)" if "cells_differing" in diff
                        else ""))
        for cell in diff.get("cells", [])[:limit]:
            if "sheet" in cell:
                where = (f"{cell['sheet']}!{cell['cell']}" if cell.get("cell")
                         else "sheets")
            else:
                where = ",".join(cell["key"].values())
            lines.append(f"      {where}: published {cell['published']!r}, "
                         f"re-run {cell['rerun']!r}")
        hidden = diff.get("cells_differing", 0) - min(limit, len(diff.get("cells", [])))
        if hidden > 0:
            lines.append(f"      … {hidden} more in verify.json")
    return "\n".join(lines) + "\n"
