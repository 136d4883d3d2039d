"""The notebook's parameters (issue 15, items 3 and 4): the user's, with the command line's
defaults; ``tables`` limits the build; the production-only ``shared_snapshot`` is not among
them; a warehouse that cannot be read gives one clear message."""

from __future__ import annotations

from datetime import date

import nbformat
import papermill as pm
import pytest

from asylstat import notebook as nb
from asylstat import paths
from asylstat.dataflows.withdrawals import ASYWITHM, NAT_WAIVED
from asylstat.params import RunParameters

NOTEBOOKS = sorted(p for p in paths.notebooks_dir().glob("[0-8]*.ipynb"))
USER_PARAMETERS = {"kind", "period", "dwh_url", "schema", "as_of", "output_dir", "tables"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_the_users_parameters_only(path):
    declared = pm.inspect_notebook(str(path))
    assert set(declared) == USER_PARAMETERS
    # the command line's defaults: as_of now (empty), the demo warehouse, every table
    assert declared["as_of"]["default"] == '""'
    assert declared["dwh_url"]["default"] == '"duckdb:///../data/demo.duckdb"'
    assert declared["tables"]["default"] == '"all"'
    cells = nbformat.read(path, as_version=4).cells
    hidden = [c for c in cells if "production-only" in c.metadata.get("tags", [])]
    # shared_snapshot is preset empty in a hidden cell above the parameters cell, where
    # papermill's injected cell (after the parameters cell) overrides it in production
    assert len(hidden) == 1 and hidden[0].metadata["jupyter"]["source_hidden"] is True
    assert 'shared_snapshot = ""' in hidden[0].source
    assert cells.index(hidden[0]) < next(
        i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert any(c.cell_type == "markdown" and c.source.startswith("## How to iterate")
               for c in cells[:3])
    assert any("nb.sections(run, " in c.source for c in cells if c.cell_type == "code")


def _run(snapshot, tables=()):
    params = RunParameters.parse(kind="quarterly", period="2024-Q3",
                                 dwh_url=snapshot.warehouse.url, as_of="2030-01-01")
    return nb.NotebookRun(params=params, snapshot=snapshot, tables=tuple(tables))


ROWS = {"person": [{"person_id": 1}],
        "application": [{"application_id": 1, "person_id": 1, "lodged_date": date(2024, 6, 1)}],
        "withdrawal": [{"withdrawal_id": 1, "application_id": 1,
                        "withdrawal_date": date(2024, 7, 3)}]}


def test_tables_parameter_builds_the_named_tables_only(snapshot_of):
    snap = snapshot_of(ROWS)
    built = nb.build(_run(snap, [ASYWITHM.name]), "withdrawals")
    assert [t.name for t in built] == [ASYWITHM.name]
    assert built[0].query.startswith("-- the query that counted the table")
    every = nb.build(_run(snap), "withdrawals")
    assert [t.name for t in every] == [ASYWITHM.name, NAT_WAIVED.name]


def test_unknown_table_is_refused_with_the_domains_tables(snapshot_of):
    with pytest.raises(nb.NotebookStartError, match=f"not in the withdrawals domain.*"
                                                    f"{ASYWITHM.name}"):
        nb.build(_run(snapshot_of(ROWS), ["MIGR_NOPE"]), "withdrawals")


def test_tables_parameter_is_all_or_names():
    assert nb._table_names("all") == ()
    assert nb._table_names([ASYWITHM.name]) == (ASYWITHM.name,)
    assert nb._table_names(ASYWITHM.name) == (ASYWITHM.name,)


def test_missing_warehouse_gives_one_clear_message(tmp_path):
    with pytest.raises(nb.NotebookStartError) as caught:
        nb.start(kind="quarterly", period="2024-Q3",
                 dwh_url=f"duckdb:///{tmp_path}/absent.duckdb", schema="dwh")
    text = "\n".join(caught.value._render_traceback_())
    assert "The warehouse cannot be read" in text and "absent.duckdb" in text
    assert "make demo-dwh" in text


@pytest.mark.parametrize("kw,says", [
    ({"period": "2024-Q5"}, "PERIOD"),
    ({"as_of": "yesterday"}, "AS_OF"),
    ({"shared_snapshot": "/nonexistent/shared.duckdb"}, "shared_snapshot"),
])
def test_bad_parameter_gives_one_clear_message(kw, says, synthetic_warehouse):
    args = {"kind": "quarterly", "period": "2024-Q3", "dwh_url": synthetic_warehouse.url,
            "schema": "dwh", **kw}
    with pytest.raises(nb.NotebookStartError, match=f"Bad parameter: .*{says}"):
        nb.start(**args)


def test_as_of_defaults_to_now_and_output_dir_to_the_command_lines(synthetic_warehouse):
    run = nb.start(kind="quarterly", period="2024-Q3", dwh_url=synthetic_warehouse.url,
                   schema="dwh")
    from datetime import UTC, datetime

    assert abs((datetime.now(UTC).replace(tzinfo=None) - run.params.as_of).total_seconds()) < 60
    assert run.params.output_dir == paths.project_root() / "outputs"
