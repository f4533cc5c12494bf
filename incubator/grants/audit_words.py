"""Grants: audit_words (to be written)."""


# ---- payouts (payouts.py, reconcile.py) -------------------------------------------------------
from incubator.core.audit_words import phrases as _payout_phrases  # noqa: E402

_payout_phrases({
    "grants.tranche.processing": "{actor} started paying {object}",
    "grants.tranche.paid": "{actor} recorded {object} as paid",
    "grants.tranche.failed": "The payout of {object} failed",
    "grants.tranche.retried": "{actor} retried the payout of {object}",
    "grants.tranche.needs_attention": "{object} was flagged for finance: {details[message]}",
})
