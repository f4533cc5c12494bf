"""Grants: audit_words (to be written)."""
