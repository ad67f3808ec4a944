"""Hexad: a self-hostable AI agent ecosystem for managed service providers."""

__version__ = "0.1.0"
