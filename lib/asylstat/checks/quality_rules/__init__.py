"""The rule classes of warehouse data quality (:mod:`asylstat.checks.quality` declares one
instance per table and column and runs them)."""

from asylstat.checks.quality_rules.base import (
    MAX_EXAMPLES,
    Context,
    Finding,
    Rule,
    evaluate_rules,
)
from asylstat.checks.quality_rules.codes import (
    LEGAL_BASES_BY_TYPE,
    InvalidCode,
    LegalBasisMismatch,
    PartnerIsBelgium,
    PartnerNotDublinState,
    is_country_code,
)
from asylstat.checks.quality_rules.dates import (
    AgeAbove,
    BirthDateInFuture,
    DateAfterAsOf,
    DateBefore,
    MissingValue,
    UnaccompaniedMinorAdult,
)
from asylstat.checks.quality_rules.lifecycle import (
    OverlappingOpenApplications,
    ReplyIncomplete,
    RequestUnansweredOverdue,
    SubsequentWithoutFinalDecision,
)
from asylstat.checks.quality_rules.references import DuplicateKey, OrphanReference
from asylstat.checks.quality_rules.returns import (
    DepartureOfWithdrawnDecision,
    DepartureToBelgium,
    DublinCitizenReturnDecision,
    UnconfirmedDeparture,
)

__all__ = [
    "LEGAL_BASES_BY_TYPE", "MAX_EXAMPLES", "AgeAbove", "BirthDateInFuture", "Context",
    "DateAfterAsOf", "DateBefore", "DepartureOfWithdrawnDecision", "DepartureToBelgium",
    "DublinCitizenReturnDecision", "DuplicateKey", "Finding", "InvalidCode", "LegalBasisMismatch",
    "MissingValue", "OrphanReference", "OverlappingOpenApplications", "PartnerIsBelgium",
    "PartnerNotDublinState", "ReplyIncomplete", "RequestUnansweredOverdue", "Rule",
    "SubsequentWithoutFinalDecision", "UnaccompaniedMinorAdult", "UnconfirmedDeparture",
    "evaluate_rules",
    "is_country_code",
]
