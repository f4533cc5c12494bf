"""Demo data of review (none yet)."""
