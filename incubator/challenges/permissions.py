"""Who may do what to the objects of this domain (registered with core.permissions)."""
