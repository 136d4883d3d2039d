"""asylstat: a reproducible workbench for Belgian asylum and Dublin statistics."""

__version__ = "0.1.0"
