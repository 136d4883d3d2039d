"""A production run (outputs.md) as a recipe of seven steps, each a function returning a typed
result and timed as a step event (:mod:`asylstat.events`: the log, the progress display and the
benchmark read them):

1. **check the warehouse** — connect, check the contract's structure, open the as-of snapshot;
2. **snapshot** — on DuckDB, the derivations every notebook shares, computed once;
3. **domain tables** — the domain notebooks executed in the staging folder, their tables
   collected; alongside, in the run's own process: row counts, data quality, report tables;
4. **validation** — the output rules, the plausibility warnings, the data-quality findings;
5. **dissemination** — public tables and narrative reports (skipped when validation blocks);
6. **write** — transmission files (only when nothing blocks), national CSVs, workbook,
   validation, revisions, and the manifest last (:mod:`asylstat.manifest`);
7. **publish** — the run moves to ``<OUTPUT_DIR>/<PERIOD>/`` (or, blocked, to ``failed/``).

The run's folder, from staging to published, archived or failed, and the lock that keeps two
runs of one period apart, are :mod:`asylstat.lifecycle`'s.

Exit statuses: 0 published; 1 blocked by a validation error (kept in ``failed/``); 2 bad
parameters, or another run of the period in progress in the output folder (nothing written);
3 warehouse unreachable or breaking the contract (nothing written); 4 the run crashed (kept in
``failed/``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asylstat import events, paths
from asylstat.audit.revisions import compared_months, earlier_month_revisions, write_revisions
from asylstat.checks import RuleResult, blocking, summarise
from asylstat.checks.outputs import validate_outputs
from asylstat.checks.quality import DataQualityReport, check_warehouse
from asylstat.checks.warnings import WarningReport, output_warnings
from asylstat.domains import (
    all_domains,
    domain,
    earlier_month_tables,
    earlier_months,
    spec_of,
)
from asylstat.lifecycle import (
    LOCK_PATIENCE_S,
    SHARED_SNAPSHOT,
    STAGING,
    PeriodLock,
    Recovered,
    RunInProgress,
    fail,
    published_run_id,
    recover_stale_staging,
    remove_shared_snapshot_files,
    shared_snapshot_file,
    staging_folder,
)
from asylstat.lifecycle import publish as publish_folder
from asylstat.manifest import RunRecord, code_version, utc_text, write_manifest
from asylstat.params import RunParameters, format_as_of, redact_url
from asylstat.scraps import read_tables
from asylstat.tables import Table
from asylstat.warehouse.connect import Warehouse, WarehouseError, connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import SHARED, Snapshot
from asylstat.write.files import national_csv_text, validation_html, write_json, write_text
from asylstat.write.recipient_workbook import RevisedCell, write_recipient_workbook
from asylstat.write.sdmx import write_sdmx_csv
from asylstat.write.workbook import write_workbook

__all__ = ["EXIT_BLOCKED", "EXIT_CRASHED", "EXIT_OK", "EXIT_PARAMETERS", "EXIT_WAREHOUSE",
           "SHARED_SNAPSHOT", "STAGING", "STEPS", "RunOutcome", "code_version",
           "recover_stale_staging", "run_production"]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_BLOCKED, EXIT_PARAMETERS, EXIT_WAREHOUSE, EXIT_CRASHED = 0, 1, 2, 3, 4
#: the run's steps, in order (the events carry their number and name)
STEPS = ("check the warehouse", "snapshot", "domain tables", "validation", "dissemination",
         "write", "publish")
(CHECK, SNAPSHOT, DOMAIN_TABLES, VALIDATION, DISSEMINATION, WRITE, PUBLISH) = range(1, 8)


def _step(number: int, run_id: str | None) -> AbstractContextManager[events.StepCounts]:
    """Step ``number`` of :data:`STEPS`, timed (:func:`events.step`)."""
    return events.step(STEPS[number - 1], number, len(STEPS), run_id=run_id)


def _alongside(part: str, run_id: str | None) -> AbstractContextManager[events.StepCounts]:
    """A part of the run's own work beside step 3 (the domain notebooks), timed."""
    return events.step(part, DOMAIN_TABLES, len(STEPS), run_id=run_id, track="alongside")


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    message: str
    path: Path | None = None


def new_run_id(now: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxxxx`` (UTC start time, 8 random hex digits)."""
    import secrets

    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


# --------------------------------------------------------------------- 1. the warehouse

@dataclass(frozen=True)
class CheckedWarehouse:
    warehouse: Warehouse
    snapshot: Snapshot


def check_the_warehouse(params: RunParameters, run_id: str) -> CheckedWarehouse:
    """Connect and check the contract's structure (:class:`WarehouseError` when unusable)."""
    with _step(CHECK, run_id) as counts:
        log.info("checking the warehouse %s as of %s", redact_url(params.dwh_url),
                 format_as_of(params.as_of))
        warehouse = connect(params.dwh_url, params.schema)
        snap = Snapshot(warehouse, params.as_of)
        counts["contract tables"] = len(contract_tables())
    return CheckedWarehouse(warehouse=warehouse, snapshot=snap)


# ---------------------------------------------------------------------- 2. the snapshot

@dataclass(frozen=True)
class SharedSnapshot:
    path: Path | None  # None: not a DuckDB warehouse, each notebook derives for itself


def share_snapshot(snap: Snapshot, staging: Path) -> Path | None:
    """On a DuckDB warehouse, compute the shared derivations once into a DuckDB file that
    every domain notebook attaches read-only (``Snapshot.write_shared``); other engines keep
    them in each notebook's session. The file holds resolved warehouse records, so it lies in
    the run's ``internal/``; the run removes it once the notebooks and its own tables are done
    (:func:`remove_shared_snapshot`), so that no published, archived or blocked run keeps it;
    a killed run's copy is deleted when the next run recovers its folder (lifecycle.py)."""
    if snap.warehouse.con.name != "duckdb":
        return None
    all_domains()  # every module declaring a shared derivation is imported
    path = shared_snapshot_file(staging)
    path.parent.mkdir(parents=True, exist_ok=True)
    snap.write_shared(path)
    return path


def remove_shared_snapshot(snap: Snapshot, staging: Path) -> None:
    """Stop using the shared snapshot and remove it (a cache, recomputable from the
    warehouse: no output and no evidence of the run)."""
    snap.detach_shared()
    remove_shared_snapshot_files(staging)


def snapshot_step(snap: Snapshot, staging: Path, run_id: str) -> SharedSnapshot:
    with _step(SNAPSHOT, run_id) as counts:
        path = share_snapshot(snap, staging)
        counts["shared derivations"] = len(SHARED) if path is not None else 0
    return SharedSnapshot(path=path)


# ----------------------------------------------------------------- 3. the domain tables

@dataclass(frozen=True)
class DomainTables:
    tables: list[Table]
    row_counts: dict[str, int]  # the warehouse's, as of as_of (for the manifest)
    quality: DataQualityReport
    basis: list[Table]  # the report's own tables
    #: recipient tables recomputed for the months before a monthly run's own (revisions)
    earlier: list[Table] = field(default_factory=list)


def row_counts(snap: Snapshot) -> dict[str, int]:
    """Rows of every contract table in the as-of view (resolved: one per key)."""
    return {name: int(snap.view(name).count().to_pyarrow().as_py())
            for name in contract_tables()}


def warehouse_work(snap: Snapshot, params: RunParameters, run_id: str | None = None
                   ) -> tuple[dict[str, int], DataQualityReport, list[Table], list[Table]]:
    """What the run asks of the warehouse itself, done in the run's process while the domain
    notebooks execute in theirs (it needs none of their tables, and the notebooks leave a
    core idle while kernels start and when the last one runs alone): the row counts for the
    manifest, the data-quality rules, the report's own tables, and the recipient tables of
    the months before a monthly run's own (:func:`asylstat.domains.earlier_month_tables`).
    Only this thread uses ``snap``'s connection until it returns. Each part is timed on the
    ``alongside`` track."""
    from asylstat.report.stage import report_basis

    with _alongside("row counts", run_id) as counts:
        found = row_counts(snap)
        counts["warehouse tables"] = len(found)
    with _alongside("data quality", run_id) as counts:
        quality = check_warehouse(snap, params.period.months())
        counts["rules"] = len(quality.results)
    with _alongside("report tables", run_id) as counts:
        basis = report_basis(snap, params.period)
        counts["tables"] = len(basis)
    earlier: list[Table] = []
    if earlier_months(params.period):
        with _alongside("earlier months", run_id) as counts:
            earlier = earlier_month_tables(snap, params.period)
            counts["tables"] = len(earlier)
    return found, quality, basis, earlier


def execute_notebook(domain_name: str, params: RunParameters, out_dir: Path,
                     shared_snapshot: Path | None = None) -> Path:
    """Execute one domain notebook with papermill; the executed copy is the audit trail.

    The notebook gets the run's parameters, its output folder (absolute: the notebook runs in
    ``notebooks/``; each table's section compares it with the period's published run) and,
    production's alone, the shared snapshot file: not in the notebook's parameters cell (a
    hidden cell presets it empty), papermill injects it with the others (asylstat.notebook)."""
    import papermill as pm

    dom = domain(domain_name)
    target = out_dir / dom.notebook
    pm.execute_notebook(
        str(paths.notebooks_dir() / dom.notebook), str(target),
        parameters={"kind": params.kind, "period": params.period.label,
                    "dwh_url": params.dwh_url, "schema": params.schema,
                    "as_of": format_as_of(params.as_of),
                    "output_dir": str(params.output_dir.resolve()),
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


def domain_tables(params: RunParameters, snap: Snapshot, staging: Path,
                  shared: SharedSnapshot, run_id: str) -> DomainTables:
    with _step(DOMAIN_TABLES, run_id) as counts:
        with ThreadPoolExecutor(max_workers=1) as alongside:
            warehouse_side = alongside.submit(warehouse_work, snap, params, run_id)
            tables = run_notebooks(params, staging / "notebooks", shared.path)
            found, quality, basis, earlier = warehouse_side.result()
        counts["notebooks"] = len(all_domains())
        counts["tables"] = len(tables)
    return DomainTables(tables=tables, row_counts=found, quality=quality, basis=basis,
                        earlier=earlier)


# -------------------------------------------------------------------- 4. the validation

@dataclass(frozen=True)
class Validation:
    results: list[RuleResult]
    warnings: WarningReport

    @property
    def blocking(self) -> list[RuleResult]:
        return blocking(self.results)


def validation_step(built: DomainTables, snap: Snapshot, run_id: str) -> Validation:
    with _step(VALIDATION, run_id) as counts:
        results = validate_outputs(built.tables, spec_of)
        warnings = output_warnings(built.tables, snap, spec_of)
        results = [*results, *warnings.results, *built.quality.results]
        counts["rules"] = len(results)
        counts["errors"] = len(blocking(results))
    return Validation(results=results, warnings=warnings)


# ----------------------------------------------------------------- 5. the dissemination

@dataclass(frozen=True)
class Dissemination:
    results: list[RuleResult]  # its own checks (public tables, report pages, PDFs)
    skipped: bool  # validation blocked: nothing public is made


def dissemination_step(staging: Path, params: RunParameters, built: DomainTables,
                       validation: Validation, metadata: dict[str, str],
                       run_id: str) -> Dissemination:
    with _step(DISSEMINATION, run_id) as counts:
        if validation.blocking:
            counts["skipped (validation errors)"] = 1
            return Dissemination(results=[], skipped=True)
        from asylstat.report.stage import make_dissemination

        results = make_dissemination(staging, params.period, built.basis, built.tables,
                                     metadata)
        counts["rules"] = len(results)
    return Dissemination(results=results, skipped=False)


# ------------------------------------------------------------------------- 6. the write

@dataclass(frozen=True)
class Written:
    results: list[RuleResult]  # every rule of the run
    manifest: Path


def write_recipient_workbooks(staging: Path, params: RunParameters, tables: list[Table],
                              as_of: str, revised: list[RevisedCell] | None,
                              compared: list[str]) -> None:
    """Each domain's recipient workbook (the EPS workbook) in ``transmission/<kind>/``, of the
    run's tables of that recipient, with the revised cells of the earlier months (``None``:
    the run recomputed none) and what each month was ``compared`` with."""
    by_name = {t.name: t for t in tables}
    for dom in all_domains():
        book = dom.workbook
        if book is None:
            continue
        mine = [by_name[s.name] for s in dom.tables
                if s.name in by_name and by_name[s.name].kind == book.kind]
        if not mine:  # an annual run makes no monthly recipient table
            continue
        names = {t.name for t in mine}
        earlier = book.earlier_months(params.period)
        write_recipient_workbook(
            book, mine, staging / "transmission" / book.kind, period=params.period.label,
            months=[m.label for m in params.period.months()], as_of=as_of,
            revised=(None if revised is None or not earlier else
                     [c for c in revised if c.table in names]),
            earlier=[line for line in compared
                     if line.split(":")[0] in {m.label for m in earlier}])


def write_outputs(staging: Path, params: RunParameters, tables: list[Table],
                  results: list[RuleResult], metadata: dict[str, str], *,
                  quality: DataQualityReport | None = None,
                  warnings: WarningReport | None = None,
                  revised: list[RevisedCell] | None = None,
                  compared: list[str] | None = None) -> None:
    """Everything but the manifest. Transmission files (and the recipients' workbooks) only
    when nothing blocks. The data-quality record keys go to ``internal/`` only."""
    period = params.period.label
    if not blocking(results):
        for table in tables:
            if table.transmitted:
                write_sdmx_csv(table,
                               staging / "transmission" / table.kind / f"{table.name}.csv")
        write_recipient_workbooks(staging, params, tables, metadata["as_of"], revised,
                                  compared or [])
    for table in tables:
        if table.kind == "national":
            write_text(national_csv_text(table), staging / "tables" / "national" /
                       f"{table.name}.csv")
    write_workbook(tables, staging / "tables" / f"{period}_tables.xlsx",
                   title=f"Asylum statistics, Belgium, {period}", metadata=metadata,
                   definitions=True, views=exact_views(tables, period))
    quality_public = quality.public() if quality is not None else None
    comparisons = warnings.public()["comparisons"] if warnings is not None else None
    write_json({"period": period, "as_of": metadata["as_of"],
                "summary": summarise(results), "rules": [r.as_dict() for r in results],
                **({"data_quality": quality_public} if quality_public is not None else {}),
                **({"plausibility": comparisons} if comparisons is not None else {})},
               staging / "validation" / "validation.json")
    write_text(validation_html(results, f"Validation of the run {metadata['run_id']}",
                               metadata, data_quality=quality_public,
                               comparisons=comparisons),
               staging / "validation" / "validation.html")
    if quality is not None:
        write_json(quality.internal(), staging / "internal" / "data_quality.json")


def write_step(staging: Path, params: RunParameters, checked: CheckedWarehouse,
               built: DomainTables, validation: Validation, dissemination: Dissemination,
               metadata: dict[str, str], *, run_id: str, started: datetime,
               recovered: Sequence[Recovered]) -> Written:
    with _step(WRITE, run_id) as counts:
        results = [*validation.results, *dissemination.results]
        earlier, revised = None, None
        months = earlier_months(params.period)
        if months:
            earlier, revised = earlier_month_revisions(built.earlier, params.output_dir, months)
        write_outputs(staging, params, built.tables, results, metadata,
                      quality=built.quality, warnings=validation.warnings, revised=revised,
                      compared=compared_months(earlier) if earlier is not None else None)
        revisions = write_revisions(staging, built.tables,
                                    params.output_dir / params.period.label,
                                    period=params.period.label, run_id=run_id,
                                    as_of=format_as_of(params.as_of), earlier=earlier)
        manifest = write_manifest(RunRecord(
            run_id=run_id, params=params, started=started, finished=datetime.now(UTC),
            warehouse_url=checked.warehouse.url, row_counts=built.row_counts,
            tables=[t.name for t in built.tables], validation=summarise(results),
            revisions=revisions, recovered=tuple(recovered)), staging)
        counts["files"] = sum(1 for p in staging.rglob("*") if p.is_file())
    return Written(results=results, manifest=manifest)


def exact_views(tables: Sequence[Table], period: str) -> Callable[[Sequence[str]], list]:
    """The audited workbook's first view of each table (:mod:`asylstat.report.readable`, in
    English, exact figures) before its long form."""
    from asylstat.report.i18n import Translator
    from asylstat.report.readable import declared_dimensions, view_writers

    return lambda names: view_writers(tables, names, Translator("en"), declared_dimensions,
                                      lambda _table: False, period)


# ----------------------------------------------------------------------- 7. the publish

def publish_step(staging: Path, params: RunParameters, written: Written,
                 run_id: str) -> RunOutcome:
    """Publish (the previous run to the archive), or keep a blocked run in ``failed/``."""
    with _step(PUBLISH, run_id) as counts:
        errors = blocking(written.results)
        label, out = params.period.label, params.output_dir
        if errors:
            where = fail(staging, out, label, run_id)
            counts["blocked by errors"] = len(errors)
            return RunOutcome(EXIT_BLOCKED, blocked_message(errors, where), where)
        where = publish_folder(staging, out, label, run_id, published_run_id(out / label))
        counts["published"] = 1
    flagged = [r for r in written.results if r.severity == "warning" and r.status == "fail"]
    return RunOutcome(EXIT_OK, f"Run {run_id} of {label} published in {where}"
                      + (f"; {len(flagged)} warning(s) and data-quality finding(s) to read in "
                         "validation/validation.html there (record keys for ICT in "
                         "internal/data_quality.json)." if flagged else "."), where)


# ------------------------------------------------------------------------------ the run

def run_production(params: RunParameters) -> RunOutcome:
    """The whole run. Never raises for an expected failure: the outcome says what happened."""
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    try:
        checked = check_the_warehouse(params, run_id)
    except WarehouseError as exc:
        return RunOutcome(EXIT_WAREHOUSE, f"The warehouse cannot be used: {exc}. Nothing was "
                          "written. Check DWH_URL and DWH_SCHEMA, or ask ICT whether the "
                          "warehouse is up and follows the contract (dwh-contract.md).")
    lock = PeriodLock(params.output_dir, params.period.label)
    try:
        lock.acquire(run_id, utc_text(started), patience_s=LOCK_PATIENCE_S)
    except RunInProgress as busy:
        return RunOutcome(EXIT_PARAMETERS, in_progress_message(busy))
    try:
        return _run_locked(params, checked, lock, run_id=run_id, started=started)
    finally:
        lock.release()


def _run_locked(params: RunParameters, checked: CheckedWarehouse, lock: PeriodLock, *,
                run_id: str, started: datetime) -> RunOutcome:
    """Steps 2 to 7, holding the period's lock."""
    recovered = recover_stale_staging(params.output_dir, holding=lock)
    # absolute: the notebooks run in notebooks/, and OUTPUT_DIR may be relative
    staging = staging_folder(params.output_dir.resolve(), params.period.label, run_id)
    staging.mkdir(parents=True)
    snap = checked.snapshot
    metadata = {"run_id": run_id, "period": params.period.label, "kind": params.kind,
                "as_of": format_as_of(params.as_of), "warehouse": checked.warehouse.url,
                "schema": params.schema, "code_version": str(code_version().get("commit"))}
    try:
        shared = snapshot_step(snap, staging, run_id)
        built = domain_tables(params, snap, staging, shared, run_id)
        validation = validation_step(built, snap, run_id)
        dissemination = dissemination_step(staging, params, built, validation, metadata,
                                           run_id)
        remove_shared_snapshot(snap, staging)  # before the manifest lists the files
        written = write_step(staging, params, checked, built, validation, dissemination,
                             metadata, run_id=run_id, started=started, recovered=recovered)
    except Exception as exc:  # a crash: keep the evidence whole
        log.exception("the run crashed")
        remove_shared_snapshot(snap, staging)
        where = fail(staging, params.output_dir, params.period.label, run_id)
        return RunOutcome(EXIT_CRASHED, f"The run crashed: {type(exc).__name__}: {exc}. "
                          f"Everything it made is kept in {where}; the executed notebooks "
                          "there show the failing cell. The published run of "
                          f"{params.period.label}, if any, is untouched.", where)
    return publish_step(staging, params, written, run_id)


def in_progress_message(busy: RunInProgress) -> str:
    """The paragraph of a run refused because another run of its period is in progress."""
    return (f"Another run of {busy.period} is in progress in {busy.output_dir}: "
            f"{busy.holder.describe()}. Nothing was written, and its staging folder is left "
            "alone. Wait until it ends (its process exits), then start this run again; or "
            "give this run another --output-dir.")


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
