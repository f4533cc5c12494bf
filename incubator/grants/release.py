"""Releasing a tranche (finance area): staff request, finance approves (never the requester),
cancel before processing, record an outside payment to a manual payee."""
