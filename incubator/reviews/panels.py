"""Dashboard panels of review (none yet)."""
