"""Grants: demo (to be written)."""
