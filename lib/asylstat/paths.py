"""Where the project's own files are: the one place that knows the checkout's layout."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout holding ``pyproject.toml`` and ``notebooks/`` (``ASYLSTAT_HOME`` wins)."""
    if os.environ.get("ASYLSTAT_HOME"):
        return Path(os.environ["ASYLSTAT_HOME"]).resolve()
    return Path(__file__).resolve().parents[2]


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def demo_warehouse() -> Path:
    """The embedded demonstration warehouse, built on first use."""
    return project_root() / "data" / "demo.duckdb"


def lock_file() -> Path:
    return project_root() / "requirements.lock"


def defaults() -> dict:
    """``parameters/defaults.toml``: the run's default parameters."""
    import tomllib

    with (project_root() / "parameters" / "defaults.toml").open("rb") as handle:
        return tomllib.load(handle)
