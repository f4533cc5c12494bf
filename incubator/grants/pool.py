"""A challenge's grant pool (offers area): budget, committed, paid, available."""
