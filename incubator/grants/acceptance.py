"""The grantee's answer to an offer (letter area): accept (full name, the agreement, the
SHA-256 of the exact letter read) or decline."""
