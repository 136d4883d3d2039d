"""The statistics on Apache Spark in local mode, byte for byte as on DuckDB.

The session's synthetic warehouse is copied into a local Spark session
(``spark://local?warehouse=…``: Parquet files declared as tables of the ``dwh`` database), Ibis'
PySpark backend builds the tables of a quarterly run, and the SDMX-CSV (and national CSV) text
must equal DuckDB's. Every run compares the representative tables (``helpers.REPRESENTATIVE``:
their queries use every operation any table's query uses); ``make test-full`` (marker ``full``)
compares every quarterly table of every domain. Moving to a cluster is then a URL
(``spark://host:7077``), not code (docs/engines.md). Skipped, with the reason, when PySpark or
Java is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from asylstat.domains import all_domains, build_domain
from asylstat.params import RunParameters
from asylstat.warehouse.connect import Warehouse, WarehouseUnreachable, connect, spark_master
from asylstat.warehouse.snapshot import Snapshot
from helpers import REPRESENTATIVE, REPRESENTATIVE_MADE, run_texts, text_of

AS_OF = "2026-06-30T00:00:00Z"
#: PySpark 4.0 calls pandas with an argument pandas 3 deprecates (harmless, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


def test_spark_urls_name_local_mode_or_a_cluster_master():
    assert spark_master("spark://local") == "local[2]"
    assert spark_master("spark://local?cores=1&warehouse=/x.duckdb") == "local[1]"
    assert spark_master("spark://local?cores=*") == "local[*]"
    assert spark_master("spark://spark-master.example:7077") == "spark://spark-master.example:7077"
    with pytest.raises(WarehouseUnreachable):
        spark_master("spark://local?cores=two")


@pytest.fixture(scope="module")
def small_dwh(synthetic_warehouse) -> Path:
    return synthetic_warehouse.path


@pytest.fixture(scope="module")
def spark(synthetic_warehouse, tmp_path_factory) -> Iterator[Warehouse]:
    pytest.importorskip("pyspark", reason="PySpark is not installed")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on this machine (Spark needs one: apt-get install "
                    "default-jre-headless)")
    # the Parquet export opens the file with plain DuckDB settings: from a copy of its own
    source = synthetic_warehouse.copy(tmp_path_factory.mktemp("spark") / "warehouse.duckdb")
    warehouse = connect(f"spark://local?warehouse={source}")
    yield warehouse
    warehouse.con.disconnect()


@pytest.fixture(scope="module")
def params(small_dwh) -> RunParameters:
    return RunParameters.parse(kind="quarterly", period="2024-Q3",
                               dwh_url=f"duckdb:///{small_dwh}", as_of=AS_OF)


def test_the_spark_warehouse_passes_the_contract_check(spark):
    # connect() checked every table and column type; the copy holds every row version
    person = spark.raw("person").count().to_pyarrow().as_py()
    assert person > 0
    assert spark.con.name == "pyspark"


def test_the_representative_quarterly_tables_are_byte_identical_on_spark(spark, small_dwh,
                                                                        params):
    on_spark = run_texts(Snapshot(spark, params.as_of), params, REPRESENTATIVE)
    on_duckdb = run_texts(Snapshot(connect(f"duckdb:///{small_dwh}"), params.as_of), params,
                          REPRESENTATIVE)
    # a quarterly run makes 12 of them (the Dublin ones under their national names)
    assert sorted(on_duckdb) == sorted(REPRESENTATIVE_MADE["quarterly"])
    assert sorted(on_spark) == sorted(on_duckdb)
    differing = [name for name in on_duckdb if on_spark[name] != on_duckdb[name]]
    assert not differing, f"differ on Spark: {differing}"
    empty = [name for name, text in on_duckdb.items() if text.count("\n") <= 1]
    assert not empty, f"no cell to compare in {empty}"


@pytest.mark.full
@pytest.mark.parametrize("domain_name", [d.name for d in all_domains()])
def test_every_quarterly_table_is_byte_identical_on_spark(spark, small_dwh, params,
                                                          domain_name):
    dom = next(d for d in all_domains() if d.name == domain_name)
    on_spark = {t.name: text_of(t)
                for t in build_domain(dom, Snapshot(spark, params.as_of), params)}
    on_duckdb = {t.name: text_of(t) for t in build_domain(
        dom, Snapshot(connect(f"duckdb:///{small_dwh}"), params.as_of), params)}
    assert sorted(on_spark) == sorted(on_duckdb)
    differing = [name for name in on_duckdb if on_spark[name] != on_duckdb[name]]
    assert not differing, f"differ on Spark: {differing}"
    assert any(text.count("\n") > 1 for text in on_duckdb.values())  # not all empty
