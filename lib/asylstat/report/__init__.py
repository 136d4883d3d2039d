"""Narrative sentences and charts built from finished tables (never from warehouse rows)."""
