"""Demo data of incubation (registered with core.demo)."""
