"""Dashboard panels and navigation links of this domain (registered with core.dashboard)."""
