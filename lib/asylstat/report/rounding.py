"""Rounding for dissemination — the one place where public figures are rounded.

statistics.md, "Dissemination": public tables and the figures quoted in public reports are
rounded to the nearest multiple of 5 (2 → 0, 3 → 5, 12 → 10, 13 → 15), each cell rounded
independently, so that a rounded total need not equal the sum of its rounded parts; national
person counts are rounded the same way; Dublin figures are published unrounded; rates and shares
are computed from exact figures and published with one decimal.

Counts are whole numbers, so "nearest" never ties: the remainder of a count divided by 5 is 0, 1
or 2 (rounded down) or 3 or 4 (rounded up). Rates are not rounded here: they are computed from
the exact figures by :func:`asylstat.rates.tenths_of_percent`, the one rate function.
"""

from __future__ import annotations

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
