"""Warehouse orchestration: the raw-data generator, Dagster definitions, reports and alerts."""
