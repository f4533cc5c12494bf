"""Grants: panels (to be written)."""
from incubator.grants import notify as _notify  # noqa: F401  (registers the grants' kinds of mail)
