"""A run's ``manifest.json`` (outputs.md, "manifest.json"): what lets an auditor re-do the run.

The keys outputs.md requires — ``run_id``, ``period``, ``as_of``, ``started_at``,
``finished_at``, ``code_version`` (``commit``, ``dirty``), ``lock_sha256``, ``warehouse``
(``url`` without password, ``schema``, ``row_counts``), ``parameters``, ``outputs`` (each file:
``path``, ``bytes``, ``sha256``), ``validation`` — and the workbench's own: ``kind``,
``tables``, ``previous_run_id``, ``revisions`` (docs/audit.md), ``environment`` and
``recovered`` (the staging folders of unfinished runs this run moved to ``failed/``, with the
files it deleted from them: lifecycle.py).

The manifest is written last, once every other file of the run is in its folder (it lists
them all, with their hashes).
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asylstat import paths
from asylstat.lifecycle import Recovered
from asylstat.params import RunParameters, format_as_of
from asylstat.write.files import file_inventory, sha256_file, write_json

MANIFEST = "manifest.json"


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


def utc_text(moment: datetime) -> str:
    """``2026-12-04T05:00:00.123456Z``."""
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RunRecord:
    """What the manifest says of a run besides its files (which it reads from the folder)."""

    run_id: str
    params: RunParameters
    started: datetime
    finished: datetime
    warehouse_url: str
    row_counts: Mapping[str, int]
    tables: Sequence[str]
    validation: Mapping[str, object]
    revisions: Mapping[str, object]
    recovered: Sequence[Recovered] = ()


def manifest_document(record: RunRecord, folder: Path) -> dict[str, object]:
    """The manifest of the run in ``folder`` (every file there is listed with its hash)."""
    params = record.params
    return {
        "run_id": record.run_id, "period": params.period.label, "kind": params.kind,
        "as_of": format_as_of(params.as_of),
        "started_at": utc_text(record.started), "finished_at": utc_text(record.finished),
        "code_version": code_version(), "lock_sha256": sha256_file(paths.lock_file()),
        "warehouse": {"url": record.warehouse_url, "schema": params.schema,
                      "row_counts": dict(record.row_counts)},
        "parameters": params.as_dict(), "tables": list(record.tables),
        "outputs": file_inventory(folder), "validation": dict(record.validation),
        "previous_run_id": (record.revisions.get("previous") or {}).get("run_id"),
        "revisions": record.revisions.get("summary"),
        "environment": {"python": platform.python_version(),
                        "lock_file": paths.lock_file().name},
        "recovered": [r.as_dict() for r in record.recovered],
    }


def write_manifest(record: RunRecord, folder: Path) -> Path:
    path = folder / MANIFEST
    write_json(manifest_document(record, folder), path)
    return path
