"""Rates and shares: the one function every notebook, report and public table computes them with.

statistics.md, "Dissemination": rates and shares are computed from exact figures and published
with one decimal. A rate here is ``100 * numerator / denominator`` kept as a whole number of
*tenths of a percent* (43.2 % → 432, the ``PCT1`` unit of :class:`asylstat.tables.Table`),
computed as an exact rational (:class:`fractions.Fraction`, never a binary float, never a
decimal division of limited precision) and rounded by one rule, **half away from zero**:
6.25 % → 6.3 %, −6.25 % → −6.3 %, 6.249… % → 6.2 % (docs/methodology.md, "Rates and shares").
A rate whose denominator is 0 is ``None`` ("not applicable"), never 0 and never an error.

Formatting is not done here: a rate is shown by :meth:`asylstat.report.i18n.Translator.percent`
(Babel, one decimal, the language's percent sign), the one formatter of notebooks and reports.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Integral

#: tenths of a percent in a whole (100 % = 1000 tenths)
TENTHS_PER_WHOLE = 1000


def _whole(value: int, what: str) -> int:
    """``value`` as an ``int`` (numpy integers accepted); a float or a bool is refused: a rate
    is computed from counts, and a float count would already have lost exactness."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"a rate is computed from whole counts; the {what} is {value!r} "
                         f"({type(value).__name__})")
    return int(value)


def round_half_away(exact: Fraction) -> int:
    """``exact`` rounded to a whole number, halves away from zero (2.5 → 3, −2.5 → −3)."""
    magnitude = abs(exact)
    whole = int(magnitude + Fraction(1, 2))  # int() truncates: floor for a non-negative value
    return whole if exact >= 0 else -whole


def tenths_of_percent(numerator: int, denominator: int) -> int | None:
    """``100 * numerator / denominator`` in whole tenths of a percent (43.2 % → 432): exact
    rational arithmetic, rounded half away from zero (docs/methodology.md, "Rates and
    shares"); ``None`` when the denominator is 0. A negative numerator gives a negative rate
    (a fall). Both arguments are whole counts (``int`` or a numpy integer)."""
    num, den = _whole(numerator, "numerator"), _whole(denominator, "denominator")
    if den == 0:
        return None
    return round_half_away(Fraction(TENTHS_PER_WHOLE * num, den))


def change_tenths(current: int, earlier: int) -> int | None:
    """The relative change from ``earlier`` to ``current`` in tenths of a percent, by
    :func:`tenths_of_percent` (``None`` when ``earlier`` is 0: no meaningful change)."""
    return tenths_of_percent(_whole(current, "current value") - _whole(earlier, "earlier value"),
                             earlier)


def as_percent(tenths: int | None) -> float | None:
    """A rate in tenths of a percent as a number of percent (432 → 43.2), for a data frame
    shown to an analyst: ``tenths / 10`` is the binary float nearest to the one-decimal value,
    so it prints with that decimal; it is never rounded again. ``None`` stays ``None``."""
    return None if tenths is None else tenths / 10
