"""A thin wrapper over scrapbook, the one place that knows how tables travel out of an
executed notebook (toolchain-notes.md: scrapbook 0.5 is old; keep it swappable)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import scrapbook as sb

from asylstat.tables import Table

_META = "__meta"


def glue_tables(tables: Sequence[Table]) -> None:
    """Record each table (aggregates only) in the executing notebook's outputs."""
    for table in tables:
        sb.glue(table.name, table.data, encoder="pandas")
        meta = {"title": table.title, "definition": table.definition, "kind": table.kind,
                "freq": table.freq, "unit": table.unit, "dimensions": list(table.dimensions),
                "disclosure": table.disclosure, "query": table.query}
        sb.glue(table.name + _META, json.dumps(meta), encoder="text")


def read_tables(notebook: Path) -> list[Table]:
    """The tables glued in an executed notebook, in the order they were glued."""
    scraps = sb.read_notebook(str(notebook)).scraps
    tables = []
    for name, scrap in scraps.items():
        if name.endswith(_META):
            continue
        meta = json.loads(scraps[name + _META].data)
        data: pd.DataFrame = scrap.data
        dims = tuple(meta["dimensions"])
        for col in (*dims, "TIME_PERIOD"):
            data[col] = data[col].astype(str).astype(object)
        data["OBS_VALUE"] = data["OBS_VALUE"].astype("int64")
        tables.append(Table(name=name, title=meta["title"], definition=meta["definition"],
                            kind=meta["kind"], freq=meta["freq"], unit=meta["unit"],
                            dimensions=dims, data=data.reset_index(drop=True),
                            disclosure=meta.get("disclosure", "rounded"),
                            query=meta.get("query", "")))
    return tables
