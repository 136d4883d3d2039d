"""Deliberately planted warehouse faults (placeholder)."""

from __future__ import annotations

import numpy as np

from ._util import World


def plant_faults(rng: np.random.Generator, world: World) -> dict[str, int]:
    """Plant faults; returns exact counts per class."""
    return {}
