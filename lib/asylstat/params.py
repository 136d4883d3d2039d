"""The run's parameters: parsed and validated once, at the boundary, into a frozen object.

outputs.md, "Starting a run": ``PERIOD`` of the kind the target asks for, ``DWH_URL``,
``DWH_SCHEMA``, ``AS_OF`` (``YYYY-MM-DD`` = midnight UTC, or an ISO instant with an optional
``Z`` or offset; without offset it is UTC), ``OUTPUT_DIR``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from asylstat.periods import Frequency, Period, PeriodError

RunKind = Literal["monthly", "quarterly", "annual"]
RUN_KIND_FREQ: dict[str, Frequency] = {"monthly": "M", "quarterly": "Q", "annual": "A"}
DEFAULT_SCHEMA = "dwh"

_AS_OF = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?)?$")
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_URL = re.compile(r"^(duckdb:///.+|postgres(ql)?://.+|spark://.+)$")


class ParameterError(ValueError):
    """A run parameter is missing or malformed. The message says what to write instead."""


def parse_as_of(text: str) -> datetime:
    """Parse an ``AS_OF`` text into a naive UTC datetime (the warehouse's timestamps are UTC)."""
    if not isinstance(text, str) or not _AS_OF.match(text.strip()):
        raise ParameterError(
            f"AS_OF={text!r} is not an instant: write YYYY-MM-DD (midnight UTC) or "
            "YYYY-MM-DDTHH:MM:SS[.ffffff] with an optional Z or +HH:MM offset")
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParameterError(f"AS_OF={text!r} is not a valid date or time: {exc}") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def format_as_of(value: datetime) -> str:
    """The canonical text of an as-of instant, as recorded in the manifest (UTC, ``Z``)."""
    return value.isoformat(timespec="microseconds") + "Z"


def parse_period(text: str, kind: RunKind) -> Period:
    try:
        return Period.parse(text, RUN_KIND_FREQ[kind])
    except PeriodError as exc:
        raise ParameterError(f"PERIOD: {exc} for a {kind} run") from None


def check_url(url: str) -> str:
    if not isinstance(url, str) or not _URL.match(url):
        raise ParameterError(
            f"DWH_URL={redact_url(str(url))!r} is not a warehouse URL: write "
            "duckdb:///relative/path.duckdb, duckdb:////absolute/path.duckdb, "
            "postgresql://user@host:port/dbname or spark://local (docs/engines.md)")
    return url


def absolute_url(url: str) -> str:
    """A ``duckdb:///relative`` URL made absolute against the working directory (the
    notebooks run elsewhere); other URLs unchanged."""
    prefix = "duckdb:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str((Path.cwd() / url[len(prefix):]).resolve())
    return url


def redact_url(url: str) -> str:
    """The URL without its password (never written to any output)."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass(frozen=True)
class RunParameters:
    """Everything that determines a run's figures and where it is written."""

    kind: RunKind
    period: Period
    dwh_url: str
    schema: str
    as_of: datetime
    output_dir: Path

    @classmethod
    def parse(cls, *, kind: str, period: str, dwh_url: str, schema: str = DEFAULT_SCHEMA,
              as_of: str | None = None, output_dir: str | Path = "outputs",
              now: datetime | None = None) -> RunParameters:
        """Validate raw texts (from the command line or Python) into a frozen object."""
        if kind not in RUN_KIND_FREQ:
            raise ParameterError(f"unknown run kind {kind!r}: use monthly, quarterly or annual")
        if not period:
            raise ParameterError(f"PERIOD is required for a {kind} run "
                                 f"(e.g. make {kind} PERIOD={_example(kind)})")
        parsed_period = parse_period(period, kind)  # type: ignore[arg-type]
        if not isinstance(schema, str) or not _SCHEMA.match(schema):
            raise ParameterError(f"DWH_SCHEMA={schema!r} is not a schema name (letters, digits "
                                 "and underscores)")
        instant = (parse_as_of(as_of) if as_of else
                   (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None))
        return cls(kind=kind, period=parsed_period, dwh_url=absolute_url(check_url(dwh_url)),  # type: ignore[arg-type]
                   schema=schema, as_of=instant, output_dir=Path(output_dir))

    def as_dict(self) -> dict[str, str]:
        """The parameters as recorded in the manifest (no password)."""
        return {"kind": self.kind, "period": self.period.label,
                "dwh_url": redact_url(self.dwh_url), "schema": self.schema,
                "as_of": format_as_of(self.as_of), "output_dir": str(self.output_dir)}


def _example(kind: str) -> str:
    return {"monthly": "2024-07", "quarterly": "2024-Q3", "annual": "2024"}[kind]
