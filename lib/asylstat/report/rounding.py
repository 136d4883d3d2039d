"""Rounding for dissemination — the one place where public figures are rounded.

statistics.md, "Dissemination": public tables and the figures quoted in public reports are
rounded to the nearest multiple of 5 (2 → 0, 3 → 5, 12 → 10, 13 → 15), each cell rounded
independently, so that a rounded total need not equal the sum of its rounded parts; national
person counts are rounded the same way; Dublin figures are published unrounded; rates and shares
are computed from exact figures and published with one decimal.

Counts are whole numbers, so "nearest" never ties: the remainder of a count divided by 5 is 0, 1
or 2 (rounded down) or 3 or 4 (rounded up). Rates are kept as whole tenths of a percent (the
``PCT1`` unit of :class:`asylstat.tables.Table`), rounded half away from zero from the exact
integers, never through a binary float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral

#: the rounding base of statistics.md, "Dissemination"
BASE = 5


def round_to_base(count: int) -> int:
    """``count`` rounded to the nearest multiple of 5: remainders 0, 1, 2 go down, 3 and 4 up.

    Only whole, non-negative counts are rounded; anything else (a float, even ``12.0``, a bool,
    a negative number) is a programming error upstream and raises ``ValueError``.
    """
    if isinstance(count, bool) or not isinstance(count, Integral):
        raise ValueError(f"only whole counts are rounded, not {count!r} "
                         f"({type(count).__name__})")
    number = int(count)
    if number < 0:
        raise ValueError(f"a count cannot be negative: {number}")
    remainder = number % BASE
    return number - remainder if remainder < (BASE + 1) // 2 else number + BASE - remainder


def tenths_of_percent(numerator: int, denominator: int) -> int | None:
    """``100 * numerator / denominator`` in whole tenths of a percent (43.2 % → 432), rounded
    half away from zero from the exact integers; ``None`` when the denominator is 0. A
    negative numerator gives a negative rate (a fall)."""
    if denominator == 0:
        return None
    exact = Decimal(1000 * int(numerator)) / Decimal(int(denominator))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def change_tenths(current: int, earlier: int) -> int | None:
    """The relative change from ``earlier`` to ``current`` in tenths of a percent (``None``
    when ``earlier`` is 0: no meaningful change)."""
    return tenths_of_percent(current - earlier, earlier)
