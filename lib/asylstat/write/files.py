"""National CSV tables, validation reports and the manifest."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from asylstat.checks import RuleResult
from asylstat.tables import Table
from asylstat.write.sdmx import code_sort_key, table_cells, write_bytes_atomically


def national_csv_text(table: Table) -> str:
    """A national table as CSV: the dimensions, ``TIME_PERIOD``, ``OBS_VALUE``; exact,
    non-zero cells, sorted as the transmission files are."""
    cells = sorted(table_cells(table), key=lambda c: code_sort_key(c[0]))
    lines = [",".join([*table.dimensions, "TIME_PERIOD", "OBS_VALUE"])]
    lines += [",".join([*codes, str(value)]) for codes, value in cells]
    return "\n".join(lines) + "\n"


def write_text(text: str, path: Path) -> None:
    write_bytes_atomically(text.encode("utf-8"), path)


def write_json(data: Any, path: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_inventory(root: Path, exclude: Sequence[str] = ("manifest.json",)) -> list[dict]:
    """Every file under ``root`` (sorted): ``path`` (relative), ``bytes``, ``sha256``."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel in exclude:
            continue
        out.append({"path": rel, "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    return out


def validation_html(results: Sequence[RuleResult], title: str,
                    context: Mapping[str, str]) -> str:
    """A page a person reads: failed rules first, then the rest."""
    order = sorted(results, key=lambda r: (r.status != "fail", r.severity != "error", r.rule))
    rows = "\n".join(
        f"<tr class='{r.status} {r.severity}'><td>{html.escape(r.rule)}</td>"
        f"<td>{r.severity}</td><td>{r.status}</td><td>{r.count}</td>"
        f"<td>{html.escape(r.message)}"
        + ("".join(f"<br><small>{html.escape(e)}</small>" for e in r.examples))
        + "</td></tr>" for r in order)
    ctx = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in context.items())
    failed = sum(r.status == "fail" for r in results)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
tr.fail.error{{background:#fdd}} tr.fail.warning{{background:#ffd}}</style></head>
<body><h1>{html.escape(title)}</h1><ul>{ctx}</ul>
<p>{len(results)} rules, {failed} failed.</p>
<table><thead><tr><th>rule</th><th>severity</th><th>status</th><th>count</th><th>message</th>
</tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""
