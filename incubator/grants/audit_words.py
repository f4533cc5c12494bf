"""Grants: audit_words (to be written)."""


# ---- stripe area: the webhook (webhooks.py) ------------------------------------------------------
from incubator.core.audit_words import phrases as _stripe_phrases  # noqa: E402

_stripe_phrases({
    "grants.tranche.flagged": "Stripe's webhook flagged {object} for finance: {details[reason]}",
})
# ---- end of the stripe area ----------------------------------------------------------------------
