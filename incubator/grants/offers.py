"""Making and withdrawing offers, and expiring them (offers area)."""
