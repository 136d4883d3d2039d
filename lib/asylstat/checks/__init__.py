"""Validation results: one shape for output validation and warehouse data quality."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
Status = Literal["pass", "fail"]


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: ``count`` is the number of failing cells or records."""

    rule: str
    severity: Severity
    status: Status
    count: int
    message: str
    table: str = ""
    #: a few failing cells (aggregates only, never warehouse records)
    examples: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["examples"] = list(self.examples)
        return out


def summarise(results: Iterable[RuleResult]) -> dict[str, dict[str, int]]:
    """Counts by severity and status, for the manifest."""
    counts: Counter[tuple[str, str]] = Counter((r.severity, r.status) for r in results)
    out: dict[str, dict[str, int]] = {}
    for (severity, status), n in sorted(counts.items()):
        out.setdefault(severity, {})[status] = n
    return out


def blocking(results: Sequence[RuleResult]) -> list[RuleResult]:
    """The failed rules of severity *error*: they block transmission."""
    return [r for r in results if r.severity == "error" and r.status == "fail"]
