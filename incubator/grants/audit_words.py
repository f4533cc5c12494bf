"""Grants: audit_words (to be written)."""

# ---- letter area: acceptance, decline, payees (acceptance.py, payees.py) ----------------------
from incubator.core.audit_words import phrases as _letter_phrases  # noqa: E402

_letter_phrases({
    "grants.grant.accepted": "{actor} accepted {object} as {details[name]}",
    "grants.grant.declined": "{actor} declined {object}",
    "grants.payee.changed": "{actor} changed the payee from {details[from]} to {details[to]}",
})
# ---- end letter area ---------------------------------------------------------------------------
