"""A production run (outputs.md): validate → check the warehouse → execute the domain
notebooks in a staging folder → collect their tables → validate → write → publish atomically.

Exit statuses: 0 published; 1 blocked by a validation error (kept in ``failed/``); 2 bad
parameters (nothing written); 3 warehouse unreachable or breaking the contract (nothing
written); 4 the run crashed (kept in ``failed/``).
"""

from __future__ import annotations

import logging
import os
import platform
import secrets
import subprocess
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asylstat import paths
from asylstat.audit.revisions import write_revisions
from asylstat.checks import RuleResult, blocking, summarise
from asylstat.checks.outputs import validate_outputs
from asylstat.checks.quality import DataQualityReport, check_warehouse
from asylstat.checks.warnings import WarningReport, output_warnings
from asylstat.domains import all_domains, domain, spec_of
from asylstat.params import RunParameters, format_as_of, redact_url
from asylstat.scraps import read_tables
from asylstat.tables import Table
from asylstat.warehouse.connect import WarehouseError, connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot
from asylstat.write.files import (
    file_inventory,
    national_csv_text,
    sha256_file,
    validation_html,
    write_json,
    write_text,
)
from asylstat.write.sdmx import write_sdmx_csv
from asylstat.write.workbook import write_workbook

log = logging.getLogger(__name__)

EXIT_OK, EXIT_BLOCKED, EXIT_PARAMETERS, EXIT_WAREHOUSE, EXIT_CRASHED = 0, 1, 2, 3, 4
STAGING = ".staging"
#: in a run's staging folder: its shared snapshot, warehouse records, so under internal/
SHARED_SNAPSHOT = "internal/shared_snapshot.duckdb"


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    message: str
    path: Path | None = None


def new_run_id(now: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxxxx`` (UTC start time, 8 random hex digits)."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def code_version() -> dict[str, object]:
    """The checkout's commit and whether it has uncommitted changes."""
    root = paths.project_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=root, capture_output=True, text=True,
                                    check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def row_counts(snap: Snapshot) -> dict[str, int]:
    """Rows of every contract table in the as-of view (resolved: one per key)."""
    return {name: int(snap.view(name).count().to_pyarrow().as_py())
            for name in contract_tables()}


def shared_snapshot_file(stage: Path) -> Path:
    """Absolute: the notebooks run in notebooks/, and OUTPUT_DIR may be relative."""
    return (stage / SHARED_SNAPSHOT).resolve()


def share_snapshot(snap: Snapshot, stage: Path) -> Path | None:
    """On a DuckDB warehouse, compute the shared derivations once into a DuckDB file that
    every domain notebook attaches read-only (``Snapshot.write_shared``); other engines keep
    them in each notebook's session. The file holds resolved warehouse records, so it lies in
    the run's ``internal/``; the run removes it once the notebooks and its own tables are done
    (:func:`remove_shared_snapshot`), so that no published, archived or blocked run keeps it.
    A killed run's staging folder keeps it, whole, like everything else."""
    if snap.warehouse.con.name != "duckdb":
        return None
    all_domains()  # every module declaring a shared derivation is imported
    path = shared_snapshot_file(stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("[2/5] computing the snapshot the notebooks share")
    snap.write_shared(path)
    return path


def remove_shared_snapshot(snap: Snapshot, stage: Path) -> None:
    """Stop using the shared snapshot and remove it (a cache, recomputable from the
    warehouse: no output and no evidence of the run)."""
    snap.detach_shared()
    path = shared_snapshot_file(stage)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def warehouse_work(snap: Snapshot, params: RunParameters
                   ) -> tuple[dict[str, int], DataQualityReport, list[Table]]:
    """What the run asks of the warehouse itself, done in the run's process while the domain
    notebooks execute in theirs (it needs none of their tables, and the notebooks leave a
    core idle while kernels start and when the last one runs alone): the row counts for the
    manifest, the data-quality rules, and the report's own tables. Only this thread uses
    ``snap``'s connection until it returns."""
    from asylstat.report.stage import report_basis

    log.info("[2/5] alongside: counting the warehouse's rows")
    counts = row_counts(snap)
    log.info("[2/5] alongside: checking the warehouse's data quality as of %s",
             format_as_of(params.as_of))
    quality = check_warehouse(snap, params.period.months())
    log.info("[2/5] alongside: the report's own tables")
    basis = report_basis(snap, params.period)
    log.info("[2/5] alongside: done")
    return counts, quality, basis


def recover_stale_staging(output_dir: Path) -> None:
    """Move staging folders left by crashed or killed runs to ``failed/`` (kept whole)."""
    staging_root = output_dir / STAGING
    if not staging_root.is_dir():
        return
    for period_dir in sorted(p for p in staging_root.iterdir() if p.is_dir()):
        for run_dir in sorted(p for p in period_dir.iterdir() if p.is_dir()):
            target = output_dir / "failed" / period_dir.name / run_dir.name
            target.parent.mkdir(parents=True, exist_ok=True)
            log.warning("an earlier run did not finish: moving %s to %s", run_dir, target)
            os.replace(run_dir, _unused(target))


def _unused(path: Path) -> Path:
    """``path`` itself, or ``path.2``, ``path.3``… so that nothing is ever overwritten."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def execute_notebook(domain_name: str, params: RunParameters, out_dir: Path,
                     shared_snapshot: Path | None = None) -> Path:
    """Execute one domain notebook with papermill; the executed copy is the audit trail."""
    import papermill as pm

    dom = domain(domain_name)
    target = out_dir / dom.notebook
    pm.execute_notebook(
        str(paths.notebooks_dir() / dom.notebook), str(target),
        parameters={"kind": params.kind, "period": params.period.label,
                    "dwh_url": params.dwh_url, "schema": params.schema,
                    "as_of": format_as_of(params.as_of),
                    "shared_snapshot": str(shared_snapshot or "")},
        kernel_name="python3", cwd=str(paths.notebooks_dir()), progress_bar=False,
        log_output=False)
    return target


def run_notebooks(params: RunParameters, out_dir: Path,
                  shared_snapshot: Path | None = None) -> list[Table]:
    """Execute the domain notebooks (in parallel processes) and collect their tables."""
    out_dir.mkdir(parents=True, exist_ok=True)
    domains = all_domains()
    with ProcessPoolExecutor(max_workers=min(2, len(domains))) as pool:
        futures = [(dom, pool.submit(execute_notebook, dom.name, params, out_dir,
                                     shared_snapshot))
                   for dom in domains]
        executed = []
        for dom, future in futures:
            executed.append(future.result())
            log.info("notebook %s executed", dom.notebook)
    return [table for notebook in executed for table in read_tables(notebook)]


def write_outputs(stage: Path, params: RunParameters, tables: list[Table],
                  results: list[RuleResult], metadata: dict[str, str], *,
                  quality: DataQualityReport | None = None,
                  warnings: WarningReport | None = None) -> None:
    """Everything but the manifest. Transmission files only when nothing blocks. The
    data-quality record keys go to ``internal/`` only."""
    period = params.period.label
    if not blocking(results):
        for table in tables:
            if table.kind == "eurostat":
                write_sdmx_csv(table, stage / "transmission" / "eurostat" / f"{table.name}.csv")
    for table in tables:
        if table.kind == "national":
            write_text(national_csv_text(table), stage / "tables" / "national" /
                       f"{table.name}.csv")
    write_workbook(tables, stage / "tables" / f"{period}_tables.xlsx",
                   title=f"Asylum statistics, Belgium, {period}", metadata=metadata)
    quality_public = quality.public() if quality is not None else None
    comparisons = warnings.public()["comparisons"] if warnings is not None else None
    write_json({"period": period, "as_of": metadata["as_of"],
                "summary": summarise(results), "rules": [r.as_dict() for r in results],
                **({"data_quality": quality_public} if quality_public is not None else {}),
                **({"plausibility": comparisons} if comparisons is not None else {})},
               stage / "validation" / "validation.json")
    write_text(validation_html(results, f"Validation of the run {metadata['run_id']}",
                               metadata, data_quality=quality_public,
                               comparisons=comparisons),
               stage / "validation" / "validation.html")
    if quality is not None:
        write_json(quality.internal(), stage / "internal" / "data_quality.json")


def publish(stage: Path, params: RunParameters, run_id: str) -> Path:
    """Move the complete run to ``<OUTPUT_DIR>/<PERIOD>/``, the previous one to the archive."""
    out = params.output_dir
    target = out / params.period.label
    if target.exists():
        previous_id = _manifest_run_id(target) or f"unknown-{run_id}"
        archived = _unused(out / "archive" / params.period.label / previous_id)
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, archived)
        log.info("previous run of %s archived to %s", params.period.label, archived)
    os.replace(stage, target)
    return target


def _manifest_run_id(folder: Path) -> str | None:
    import json

    try:
        return str(json.loads((folder / "manifest.json").read_text())["run_id"])
    except (OSError, ValueError, KeyError):
        return None


def fail(stage: Path, params: RunParameters, run_id: str) -> Path:
    target = _unused(params.output_dir / "failed" / params.period.label / run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(stage, target)
    return target


def run_production(params: RunParameters) -> RunOutcome:
    """The whole run. Never raises for an expected failure: the outcome says what happened."""
    started = datetime.now(UTC)
    log.info("[1/5] checking the warehouse %s as of %s", redact_url(params.dwh_url),
             format_as_of(params.as_of))
    try:
        warehouse = connect(params.dwh_url, params.schema)
        snap = Snapshot(warehouse, params.as_of)
    except WarehouseError as exc:
        return RunOutcome(EXIT_WAREHOUSE, f"The warehouse cannot be used: {exc}. Nothing was "
                          "written. Check DWH_URL and DWH_SCHEMA, or ask ICT whether the "
                          "warehouse is up and follows the contract (dwh-contract.md).")
    run_id = new_run_id(started)
    recover_stale_staging(params.output_dir)
    stage = params.output_dir / STAGING / params.period.label / run_id
    stage.mkdir(parents=True)
    metadata = {"run_id": run_id, "period": params.period.label, "kind": params.kind,
                "as_of": format_as_of(params.as_of), "warehouse": warehouse.url,
                "schema": params.schema, "code_version": str(code_version().get("commit"))}
    try:
        shared_file = share_snapshot(snap, stage)
        log.info("[2/5] executing the domain notebooks (run %s)", run_id)
        with ThreadPoolExecutor(max_workers=1) as alongside:
            warehouse_side = alongside.submit(warehouse_work, snap, params)
            tables = run_notebooks(params, stage / "notebooks", shared_file)
            counts, quality, basis = warehouse_side.result()
        log.info("[3/5] validating %d tables", len(tables))
        results = validate_outputs(tables, spec_of)
        warnings = output_warnings(tables, snap, spec_of)
        results = [*results, *warnings.results, *quality.results]
        if not blocking(results):
            from asylstat.report.stage import make_dissemination

            log.info("[4/5] public tables and narrative reports")
            results = [*results, *make_dissemination(stage, params.period, basis, tables,
                                                     metadata)]
        remove_shared_snapshot(snap, stage)  # before the manifest lists the files
        log.info("[4/5] writing the outputs")
        write_outputs(stage, params, tables, results, metadata, quality=quality,
                      warnings=warnings)
        revisions = write_revisions(stage, tables, params.output_dir / params.period.label,
                                    period=params.period.label, run_id=run_id,
                                    as_of=format_as_of(params.as_of))
        manifest = {
            "run_id": run_id, "period": params.period.label, "kind": params.kind,
            "as_of": format_as_of(params.as_of),
            "started_at": started.isoformat().replace("+00:00", "Z"),
            "finished_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "code_version": code_version(), "lock_sha256": sha256_file(paths.lock_file()),
            "warehouse": {"url": warehouse.url, "schema": params.schema, "row_counts": counts},
            "parameters": params.as_dict(), "tables": [t.name for t in tables],
            "outputs": file_inventory(stage), "validation": summarise(results),
            "previous_run_id": (revisions["previous"] or {}).get("run_id"),
            "revisions": revisions["summary"],
            "environment": {"python": platform.python_version(), "lock_file":
                            paths.lock_file().name}}
        write_json(manifest, stage / "manifest.json")
    except Exception as exc:  # a crash: keep the evidence whole
        log.exception("the run crashed")
        remove_shared_snapshot(snap, stage)
        where = fail(stage, params, run_id)
        return RunOutcome(EXIT_CRASHED, f"The run crashed: {type(exc).__name__}: {exc}. "
                          f"Everything it made is kept in {where}; the executed notebooks "
                          "there show the failing cell. The published run of "
                          f"{params.period.label}, if any, is untouched.", where)
    errors = blocking(results)
    if errors:
        where = fail(stage, params, run_id)
        return RunOutcome(EXIT_BLOCKED, blocked_message(errors, where), where)
    log.info("[5/5] publishing")
    where = publish(stage, params, run_id)
    flagged = [r for r in results if r.severity == "warning" and r.status == "fail"]
    return RunOutcome(EXIT_OK, f"Run {run_id} of {params.period.label} published in {where}"
                      + (f"; {len(flagged)} warning(s) and data-quality finding(s) to read in "
                         "validation/validation.html there (record keys for ICT in "
                         "internal/data_quality.json)." if flagged else "."), where)


def blocked_message(errors: list[RuleResult], where: Path) -> str:
    """The one paragraph of a blocked run: which rule failed, on which table, what it says,
    and where the details are."""
    first = errors[0]
    names = ", ".join(r.rule for r in errors[:5]) + (", …" if len(errors) > 5 else "")
    on = f" on table {first.table}" if first.table else ""
    cells = f" (first cell: {first.examples[0]})" if first.examples else ""
    return (f"Validation found {len(errors)} error(s) ({names}): the figures break an "
            "invariant that holds by construction, so no transmission file was written. "
            f"First: rule {first.rule}{on}: {first.message}{cells}. The run is kept in "
            f"{where}; every failed rule with its cells is in validation/validation.html "
            "(and validation.json) there, and the executed notebooks show how each table was "
            "made.")
