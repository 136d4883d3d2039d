"""The shared snapshot of a production run on DuckDB (``Snapshot.write_shared``): the shared
derivations computed once into a file that the notebooks attach read-only. Tables built on it
must be exactly the tables each notebook would build on its own, and the file must never
stay in a run that ends (it lies under the run's internal/; a killed run's folder keeps it,
whole, like everything else: tests/test_kill.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from asylstat.domains import all_domains, build_domain
from asylstat.params import RunParameters
from asylstat.run import STAGING, remove_shared_snapshot, share_snapshot
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import SHARED, Snapshot

AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture(scope="module")
def warehouse(synthetic_warehouse) -> str:
    return synthetic_warehouse.url


def test_tables_on_the_shared_snapshot_equal_tables_built_alone(warehouse, tmp_path):
    params = RunParameters.parse(kind="quarterly", period="2024-Q3", dwh_url=warehouse,
                                 as_of=AS_OF)
    domains = all_domains()
    writer = Snapshot(connect(warehouse), params.as_of)
    writer.write_shared(tmp_path / "shared.duckdb")
    writer.detach_shared()
    assert len(SHARED) >= 6  # persons, applications, decisions, withdrawals, closures, Dublin
    for dom in domains:
        alone = build_domain(dom, Snapshot(connect(warehouse), params.as_of), params)
        reader = Snapshot(connect(warehouse), params.as_of,
                          shared_file=tmp_path / "shared.duckdb")
        on_shared = build_domain(dom, reader, params)
        reader.detach_shared()
        assert [t.name for t in on_shared] == [t.name for t in alone]
        for a, b in zip(alone, on_shared, strict=True):
            pd.testing.assert_frame_equal(a.data, b.data, check_exact=True)
            assert len(a.data) > 0 or a.name.startswith("NAT_DUB"), a.name


def test_the_shared_snapshot_path_holds_from_the_notebooks_folder(warehouse, tmp_path,
                                                                  monkeypatch):
    # make quarterly passes OUTPUT_DIR=outputs (relative); the notebooks run in notebooks/
    monkeypatch.chdir(tmp_path)
    params = RunParameters.parse(kind="monthly", period="2024-07", dwh_url=warehouse,
                                 as_of=AS_OF, output_dir=Path("outputs"))
    stage = Path("outputs") / STAGING / "2024-07" / "20260101T000000Z-0123abcd"
    snap = Snapshot(connect(warehouse), params.as_of)
    path = share_snapshot(snap, stage)
    snap.detach_shared()  # one DuckDB instance per file in a process: one attachment at a time
    assert path is not None and path.is_absolute() and path.is_file()
    # warehouse records: only ever under the run's internal/
    assert path == (tmp_path / stage / "internal" / "shared_snapshot.duckdb")
    monkeypatch.chdir(tmp_path.parent)  # from elsewhere, as a notebook kernel would
    Snapshot(connect(warehouse), params.as_of, shared_file=path).detach_shared()
    remove_shared_snapshot(snap, tmp_path / stage)
    assert not path.exists()


def test_a_shared_snapshot_of_another_instant_is_refused(warehouse, tmp_path):
    writer = Snapshot(connect(warehouse), datetime(2026, 6, 30))
    writer.write_shared(tmp_path / "shared.duckdb")
    writer.detach_shared()
    with pytest.raises(ValueError, match="was made for"):
        Snapshot(connect(warehouse), datetime(2025, 12, 31),
                 shared_file=tmp_path / "shared.duckdb")
