"""Embedded backends on one SQLite file in WAL mode."""
