"""A warehouse file may have any name and any folder (issue 11, "Safe together"): DuckDB names
a file's catalog after the file, so ``dwh.duckdb`` is catalog ``dwh`` beside the schema
``dwh``, which made both the generator and the connection fail with an ambiguous reference;
and ``asylstat demo-dwh`` on a fresh clone (no ``data/`` folder) failed to open its temporary
file. Tiny scale: a few seconds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from asylstat.cli import main
from asylstat.domains import build_domain, domain
from asylstat.params import RunParameters
from asylstat.synthetic import build_warehouse
from asylstat.warehouse.connect import connect
from asylstat.warehouse.contract import contract_tables
from asylstat.warehouse.snapshot import Snapshot

SCALE = 0.002
AS_OF = "2026-06-30T00:00:00Z"


def digests(path: Path) -> dict[str, str]:
    """Every contract table's rows, hashed; the catalog is named explicitly (it is the file's
    stem), so that ``dwh.duckdb`` is read without ambiguity too."""
    catalog = path.name.split(".")[0]
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: hashlib.sha256(repr(con.execute(
                    f'SELECT * FROM "{catalog}".dwh.{t} ORDER BY ALL').fetchall()).encode()
                ).hexdigest() for t in contract_tables()}


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("names")
    named_dwh, other = folder / "dwh.duckdb", folder / "other.duckdb"
    assert build_warehouse(named_dwh, scale=SCALE) == build_warehouse(other, scale=SCALE)
    return named_dwh, other


def test_a_warehouse_named_dwh_duckdb_is_built_whole(pair):
    named_dwh, other = pair
    assert named_dwh.is_file() and not list(named_dwh.parent.glob("*.tmp-*"))
    # the same scale and seed give the same rows whatever the file is called
    assert digests(named_dwh) == digests(other)
    assert len(digests(named_dwh)) == len(contract_tables())


def test_a_warehouse_named_dwh_duckdb_is_read_like_any_other(pair):
    named_dwh, other = pair
    params = RunParameters.parse(kind="quarterly", period="2024-Q3",
                                 dwh_url=f"duckdb:///{named_dwh}", as_of=AS_OF)
    snaps = [Snapshot(connect(f"duckdb:///{p}"), params.as_of) for p in (named_dwh, other)]
    for name in contract_tables():
        counts = [int(s.view(name).count().to_pyarrow().as_py()) for s in snaps]
        assert counts[0] == counts[1], name
    assert int(snaps[0].view("person").count().to_pyarrow().as_py()) > 0
    built = [build_domain(domain("applications"), s, params) for s in snaps]
    assert [t.name for t in built[0]] == [t.name for t in built[1]] and built[0]
    for a, b in zip(*built, strict=True):
        pd.testing.assert_frame_equal(a.data, b.data, check_exact=True)


def test_demo_dwh_creates_the_missing_folder(tmp_path):
    # a fresh clone has no data/: the command creates it (and the folders above it)
    out = tmp_path / "fresh-clone" / "data" / "demo.duckdb"
    assert main(["demo-dwh", "--out", str(out), "--scale", str(SCALE)]) == 0
    assert out.is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["demo.duckdb"]
    assert connect(f"duckdb:///{out}").raw("person").count().to_pyarrow().as_py() > 0
