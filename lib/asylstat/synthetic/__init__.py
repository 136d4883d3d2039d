"""Synthetic eMigration warehouse: deterministic, contract-conformant, with planted faults.

See docs/synthetic.md for the model and the exact definitions of the planted fault counts.
"""

from .build import SyntheticReport, build_warehouse

__all__ = ["SyntheticReport", "build_warehouse"]
