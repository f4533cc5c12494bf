"""The append-only ledger (payouts area): one line per money movement."""
