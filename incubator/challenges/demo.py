"""Demo data of this domain, registered with core.demo.seeder (must be safe to run twice)."""
