"""Grants: panels (to be written)."""
