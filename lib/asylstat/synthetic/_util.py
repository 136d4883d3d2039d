"""Small pure helpers: integer dates, calendar arithmetic, coded columns, load timestamps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import params as P

NA_DATE = np.int32(np.iinfo(np.int32).min)  # NULL date
NA_ID = np.int64(-1)  # NULL identifier
NA_CODE = np.int16(-1)  # NULL code
NA_BOOL = np.int8(-1)  # NULL in a nullable boolean column held as int8 (1 true, 0 false)
NO_TIME = np.int64(np.iinfo(np.int64).max)  # "no such event" / "known from the first version"

Columns = dict[str, np.ndarray]


@dataclass
class World:
    """All synthetic entities, one row per key (plus planted extra rows), before versioning.

    ``tables[name]`` maps column name to a NumPy array. Columns named as in the contract hold
    values (dates as int32 days since 1970-01-01, ``NA_DATE`` for NULL; identifiers int64,
    ``NA_ID`` for NULL; code columns int16 indices into ``vocab[(table, column)]``, ``NA_CODE``
    for NULL; a NOT NULL boolean is bool, a nullable one int8 with ``NA_BOOL`` for NULL).
    Columns starting with ``_`` drive versioning (see ``_write``).
    """

    tables: dict[str, Columns] = field(default_factory=dict)
    vocab: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def code(self, table: str, column: str, value: str) -> int:
        """Index of ``value`` in the vocabulary of a code column, appended when new."""
        words = self.vocab.setdefault((table, column), [])
        if value not in words:
            words.append(value)
        return words.index(value)

    def encode(self, table: str, column: str, values: Sequence[str]) -> np.ndarray:
        """Indices of several values (vectorised helper for small category lists)."""
        return np.array([self.code(table, column, v) for v in values], dtype=np.int16)

    def decode(self, table: str, column: str) -> np.ndarray:
        """The column as an object array of strings / None (slow; for tests and faults)."""
        words = np.array([*self.vocab[(table, column)], None], dtype=object)
        return words[self.tables[table][column]]


def choice_codes(
    rng: np.random.Generator, world: World, table: str, column: str,
    weights: dict[str, float], n: int,
) -> np.ndarray:
    """Draw ``n`` codes from a weighted dictionary (keys in the dict's fixed literal order)."""
    keys = list(weights)
    probs = np.array([weights[k] for k in keys], dtype=float)
    codes = world.encode(table, column, keys)
    return codes[rng.choice(len(keys), size=n, p=probs / probs.sum())]


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1–12) and day (1–31) arrays of integer dates."""
    d = np.asarray(days).astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    dom = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


def age_at(birth: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Age in completed years (statistics.md rule) of integer birth dates at integer dates."""
    by, bm, bd = ymd(birth)
    ry, rm, rd = ymd(ref)
    return ry - by - ((rm * 100 + rd) < (bm * 100 + bd)).astype(np.int64)


def add_months(days: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    """Calendar "+ n months": same day number, or the last day of a shorter month."""
    d = np.asarray(days).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.asarray(n).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64)
    out = target.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")
    return out.astype(np.int64)


def uniform_days(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    """Integer delays uniform in ``[lo, hi]``."""
    return rng.integers(lo, hi + 1, size=n)


def load_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Timestamp (seconds since epoch, UTC) when an event of that date reached the warehouse.

    Nightly loads a few days later (1–6 days, 02:00–05:00 UTC); 0.5 % are late loads
    (30–80 days); never after 2026-03-31.
    """
    n = len(days)
    lag = rng.integers(1, 7, size=n)
    late = rng.random(n) < 0.005
    lag = np.where(late, rng.integers(30, 81, size=n), lag)
    ts = (np.asarray(days, dtype=np.int64) + lag) * 86400 + 7200 + rng.integers(0, 10800, n)
    return np.minimum(ts, P.LOAD_END_TS - 7200)


def month_starts() -> np.ndarray:
    """Integer dates of the first day of each month of the event span."""
    months = np.arange(
        np.datetime64(f"{P.FIRST_YEAR}-01"), np.datetime64(f"{P.LAST_YEAR + 1}-01"))
    return months.astype("datetime64[D]").astype(np.int64)


def concat(parts: Sequence[Columns]) -> Columns:
    """Row-wise concatenation of column dicts sharing the same keys."""
    keys = list(parts[0])
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def take(cols: Columns, idx: np.ndarray) -> Columns:
    """Rows ``idx`` of a column dict."""
    return {k: v[idx] for k, v in cols.items()}
