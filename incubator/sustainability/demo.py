"""Demo data of sustainability (registered with core.demo). The reminders area fills this in."""
