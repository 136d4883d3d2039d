"""docs/data-requirements.md (issue 15, item 6): read from the compiled queries, and complete —
a query that reads a column the document does not list fails here (run make requirements)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from asylstat import paths
from asylstat.domains import all_specs
from asylstat.requirements import all_needs, columns_read, listed_columns, requirements_markdown
from asylstat.warehouse.connect import connect
from asylstat.warehouse.snapshot import Snapshot

DOCUMENT = paths.project_root() / "docs" / "data-requirements.md"


def test_columns_read_by_hand(snapshot_of):
    snap = snapshot_of({"withdrawal": [
        {"withdrawal_id": 1, "application_id": 1, "withdrawal_date": date(2024, 7, 3)}]})
    view = snap.view("withdrawal")  # the as-of view: versions by withdrawal_id, recorded_at
    explicit = view.filter(view.kind == "EXPLICIT")
    expr = explicit.group_by("withdrawal_date").aggregate(n=explicit.count())
    # read: the key and the version columns (the as-of view), kind (the filter) and
    # withdrawal_date (the group); application_id is selected by the view but used by no
    # outer query: not read
    assert columns_read(expr, snap.warehouse.database) == {"withdrawal": frozenset({
        "withdrawal_id", "recorded_at", "retired_at", "kind", "withdrawal_date"})}


def test_a_join_reads_its_keys(snapshot_of):
    snap = snapshot_of({"person": [{"person_id": 1}]})
    app, person = snap.view("application"), snap.view("person")
    joined = app.join(person, app.person_id == person.person_id)
    expr = joined.group_by("sex").aggregate(n=joined.count())
    assert columns_read(expr, snap.warehouse.database) == {
        "application": frozenset({"application_id", "person_id", "recorded_at", "retired_at"}),
        "person": frozenset({"person_id", "sex", "recorded_at", "retired_at"})}


@pytest.fixture(scope="module")
def needs(synthetic_warehouse):
    snap = Snapshot(connect(synthetic_warehouse.url), datetime(2030, 1, 1), materialise=False)
    return all_needs(snap)


def test_document_lists_every_column_every_query_reads(needs):
    listed = listed_columns(DOCUMENT.read_text(encoding="utf-8"))
    missing = [f"{n.table}: {table}.{col}" for n in needs for table, cols in n.reads.items()
               for col in sorted(cols) if (table, col) not in listed.get(n.table, set())]
    assert not missing, ("docs/data-requirements.md does not list what these queries read "
                         "(make requirements): " + "; ".join(missing[:20]))


def test_document_describes_every_declared_table(needs):
    assert {n.table for n in needs} == {spec.name for spec in all_specs()}
    text = requirements_markdown(needs)
    assert set(listed_columns(text)) == {n.table for n in needs}
