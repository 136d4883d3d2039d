"""The breakdowns shared by the dataflows (statistics.md, "Common rules" and "Cells"), and the
one place that says how margins are coded: ``TOTAL`` for every breakdown but ``sex``, whose
Eurostat code list has ``T`` (:func:`margin_code`)."""

from __future__ import annotations

from asylstat.cube import Dimension
from asylstat.declaration import TOTAL, NotAbove

#: the margin code of ``sex`` (Eurostat code list SEX: F, M, UNK, T)
SEX_TOTAL = "T"

_LT18 = {"Y_LT14": ("Y_LT18",), "Y14-17": ("Y_LT18",)}

CITIZEN = Dimension("citizen")
SEX = Dimension("sex", total=SEX_TOTAL)
#: Y_LT18 is a sub-total of Y_LT14 and Y14-17
AGE = Dimension("age", parents=_LT18)
#: MIGR_ASYUNAA: Y_LT14, Y14-15, Y16-17, UNK, TOTAL (no Y_LT18)
AGE_UNAA = Dimension("age")
#: base codes FRST, SSEQ and NONE (neither: counted in TOTAL only); not a partition
APPLICANT = Dimension("applicant", hidden=frozenset({"NONE"}), partition=False)
#: what holds instead of a partition: FRST + SSEQ <= TOTAL
FIRST_AND_SUBSEQUENT_WITHIN_TOTAL = NotAbove(APPLICANT.name, ("FRST", "SSEQ"), TOTAL)

# national breakdowns
LEGAL_TYPE = Dimension("legal_type")
CHANNEL = Dimension("channel")
UAM = Dimension("uam")
#: a stratum: each step is a separate count of persons
STEP = Dimension("step", total=None,
                 reading_order=("PRESENTED", "REGISTERED", "LODGED", "BACKLOG"))

#: the breakdowns whose margin is not ``TOTAL`` (a test checks every declared dimension)
_OWN_TOTALS = {SEX.name: SEX_TOTAL}


def margin_code(dimension: str) -> str:
    """The code of the margin (all units) of the breakdown named ``dimension`` in any table:
    ``T`` for ``sex``, ``TOTAL`` otherwise. For readers of finished tables, which carry
    dimension names only; ``tests/test_declarations.py`` checks it against every declared
    dimension."""
    return _OWN_TOTALS.get(dimension, TOTAL)


def margins(dimensions: tuple[str, ...] | list[str], **fixed: str) -> dict[str, str]:
    """``{dimension: code}``: ``fixed`` codes where given, else each dimension's margin."""
    return {dim: fixed.get(dim, margin_code(dim)) for dim in dimensions}
