"""Dashboard panels and navigation links of sustainability (registered with core.dashboard).
The reminders area fills this in."""
