"""Grants: audit_words (to be written)."""


# ---- payouts (payouts.py, reconcile.py) -------------------------------------------------------
from incubator.core.audit_words import phrases as _payout_phrases  # noqa: E402

_payout_phrases({
    "grants.tranche.needs_attention": "{object} was flagged for finance: {details[message]}",
})
