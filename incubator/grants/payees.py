"""Payees (letter area): the grantee's current payee, Stripe Connect Express onboarding, a
manual payee, and `update_from_account(status)` for the account.updated webhook."""
