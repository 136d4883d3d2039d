"""The breakdowns shared by the dataflows (statistics.md, "Common rules" and "Cells")."""

from __future__ import annotations

from asylstat.cube import Dimension

_LT18 = {"Y_LT14": ("Y_LT18",), "Y14-17": ("Y_LT18",)}

CITIZEN = Dimension("citizen")
SEX = Dimension("sex", total="T")
#: Y_LT18 is a sub-total of Y_LT14 and Y14-17
AGE = Dimension("age", parents=_LT18)
#: MIGR_ASYUNAA: Y_LT14, Y14-15, Y16-17, UNK, TOTAL (no Y_LT18)
AGE_UNAA = Dimension("age")
#: base codes FRST, SSEQ and NONE (neither: counted in TOTAL only); not a partition
APPLICANT = Dimension("applicant", hidden=frozenset({"NONE"}), partition=False)

# national breakdowns
LEGAL_TYPE = Dimension("legal_type")
CHANNEL = Dimension("channel")
UAM = Dimension("uam")
#: a stratum: each step is a separate count of persons
STEP = Dimension("step", total=None)
