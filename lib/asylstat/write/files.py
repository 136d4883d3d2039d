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
from asylstat.write.cells import cells_csv_text
from asylstat.write.sdmx import write_bytes_atomically


def national_csv_text(table: Table) -> str:
    """A national table as CSV: the dimensions, ``TIME_PERIOD``, ``OBS_VALUE``; exact, sorted
    as the transmission files are; a table of counts omits its zero cells (a measure such as
    a median of 0 days keeps them)."""
    return cells_csv_text(table.cells.select(drop_zeros=table.is_count,
                                             allow_negative=not table.is_count))


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


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _rule_rows(results: Sequence[RuleResult]) -> str:
    return "\n".join(
        f"<tr class='{r.status} {r.severity}'><td><code>{_esc(r.rule)}</code></td>"
        f"<td>{_esc(r.table)}</td><td class='n'>{r.count}</td><td>{_esc(r.message)}"
        + "".join(f"<br><small>{_esc(e)}</small>" for e in r.examples)
        + "</td></tr>" for r in results)


def _rule_table(results: Sequence[RuleResult]) -> str:
    return ("<table><thead><tr><th>rule</th><th>table</th><th>count</th><th>message</th>"
            f"</tr></thead><tbody>\n{_rule_rows(results)}\n</tbody></table>")


def _quality_section(findings: Sequence[Mapping[str, Any]]) -> str:
    order = sorted(findings, key=lambda f: (f["status"] != "fail", f["rule"]))
    rows = "\n".join(
        f"<tr class='{_esc(f['status'])} {_esc(f['severity'])}'><td><code>{_esc(f['rule'])}"
        f"</code></td><td>{_esc(f['severity'])}</td><td class='n'>{f['count']}</td>"
        f"<td>{_esc(f['unit'])}</td><td>{_esc(f['reference_date'])}</td>"
        f"<td>{_esc(f['time_limit'])}</td><td>{_esc(f['message'])}</td></tr>"
        for f in order)
    failed = sum(f["status"] == "fail" for f in findings)
    return (f"<p>{len(findings)} rules on the warehouse as of the run's as_of; {failed} found "
            "faulty records. Faults never block transmission: each affected record is counted "
            "under UNK or left out as statistics.md says. Example record keys for ICT are in "
            "<code>internal/data_quality.json</code> (not for distribution).</p>"
            "<table><thead><tr><th>rule</th><th>severity</th><th>count</th><th>unit</th>"
            "<th>reference date</th><th>time limit</th><th>what it means, what to correct"
            f"</th></tr></thead><tbody>\n{rows}\n</tbody></table>")


def _completeness_section(rows: Sequence[Mapping[str, Any]]) -> str:
    def pct(value: object) -> str:
        return "–" if value is None else f"{value:.1f} %"

    body = "\n".join(
        f"<tr><td>{_esc(r['period'])}</td><td class='n'>{r['applicants']}</td>"
        f"<td class='n'>{r['person_missing']}</td>"
        + "".join(f"<td class='n'>{r[f'missing_{c}']}</td><td class='n'>"
                  f"{pct(r[f'complete_{c}_pct'])}</td>"
                  for c in ("sex", "birth_date", "citizenship"))
        + "</tr>" for r in rows)
    return ("<p>Unit: persons who lodged an application (any channel) in the month, as the "
            "statistics see them (the as-of view). Missing: NULL in the person record, or no "
            "person record at all; the unknown-citizenship code XXX is a value, not missing."
            "</p><table><thead><tr><th>month</th><th>applicants</th><th>no person record</th>"
            "<th>sex missing</th><th>sex complete</th><th>birth date missing</th>"
            "<th>birth date complete</th><th>citizenship missing</th>"
            "<th>citizenship complete</th></tr></thead><tbody>\n"
            f"{body}\n</tbody></table>")


def _signed_pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f} %"


def _comparison_section(rows: Sequence[Mapping[str, Any]]) -> str:
    order = sorted(rows, key=lambda c: (not c["flagged"], c["table"], c["period"],
                                        c["against"]))
    body = "\n".join(
        f"<tr class='{'fail warning' if c['flagged'] else 'pass'}'><td>{_esc(c['table'])}</td>"
        f"<td>{_esc(c['period'])}</td><td class='n'>{c['value']}</td>"
        f"<td>{_esc(c['against'])} ({_esc(c['compared_period'])})</td>"
        f"<td class='n'>{c['previous']}</td><td class='n'>{c['change']:+d}</td>"
        f"<td class='n'>{_signed_pct(c['change_pct'])}</td>"
        f"<td>{'flagged' if c['flagged'] else ''}</td></tr>" for c in order)
    threshold = rows[0]["threshold"] if rows else ""
    return (f"<p>Headline totals (every dimension at its margin) against the previous period "
            f"and the same period a year earlier, recomputed on the same warehouse and as_of. "
            f"A change is flagged when it is {_esc(threshold)}.</p>"
            "<table><thead><tr><th>table</th><th>period</th><th>total</th><th>against</th>"
            "<th>earlier total</th><th>change</th><th>change %</th><th></th></tr></thead>"
            f"<tbody>\n{body}\n</tbody></table>")


def validation_html(results: Sequence[RuleResult], title: str,
                    context: Mapping[str, str], *,
                    data_quality: Mapping[str, Any] | None = None,
                    comparisons: Sequence[Mapping[str, Any]] | None = None) -> str:
    """A page a statistician reads: errors (they block transmission), warnings on the
    outputs, the warehouse's data quality with units and reference dates, completeness per
    month, the plausibility comparisons, then every rule that passed."""
    quality_ids = {f["rule"] for f in (data_quality or {}).get("findings", [])}
    output_rules = [r for r in results if r.rule not in quality_ids]
    errors = sorted((r for r in output_rules if r.severity == "error" and r.status == "fail"),
                    key=lambda r: r.rule)
    warnings = sorted((r for r in output_rules
                       if r.severity == "warning" and r.status == "fail"), key=lambda r: r.rule)
    passed = sorted((r for r in output_rules if r.status == "pass"), key=lambda r: r.rule)
    ctx = "".join(f"<li>{_esc(k)}: {_esc(v)}</li>" for k, v in context.items())
    failed = sum(r.status == "fail" for r in results)
    verdict = (f"<p class='verdict fail'>{len(errors)} error(s): transmission is blocked.</p>"
               if errors else "<p class='verdict pass'>No error: nothing blocks transmission."
               "</p>")
    sections = [
        "<h2>Errors</h2>" + (_rule_table(errors) if errors else
                             "<p>None. Every invariant that holds by construction holds.</p>"),
        "<h2>Warnings on the outputs</h2>" + (
            _rule_table(warnings) if warnings else "<p>None.</p>"),
    ]
    if comparisons:
        sections.append("<h2>Plausibility against earlier periods</h2>"
                        + _comparison_section(comparisons))
    if data_quality is not None:
        sections.append("<h2>Data quality of the warehouse</h2>"
                        + _quality_section(data_quality.get("findings", [])))
        sections.append("<h2>Completeness per month</h2>"
                        + _completeness_section(data_quality.get("completeness", [])))
    sections.append(f"<h2>Rules that passed</h2><details><summary>{len(passed)} output rules "
                    f"passed (show)</summary>{_rule_table(passed)}</details>")
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}}
tr.fail.error{{background:#fdd}} tr.fail.warning{{background:#ffd}}
p.verdict{{font-weight:bold}} p.verdict.fail{{color:#a00}}</style></head>
<body><h1>{_esc(title)}</h1><ul>{ctx}</ul>
<p>{len(results)} rules, {failed} failed.</p>
{verdict}
{body}
</body></html>
"""
