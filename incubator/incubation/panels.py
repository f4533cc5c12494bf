"""Dashboard panels and navigation links of incubation (registered with core.dashboard)."""
