"""Seeing what Hexad does: the audit log, metrics, traces and structured logs."""
