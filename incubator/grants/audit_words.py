"""Grants: audit_words (to be written)."""


# ---- stripe area: the webhook (webhooks.py) ------------------------------------------------------
from incubator.core.audit_words import phrases as _stripe_phrases  # noqa: E402

_stripe_phrases({
    "grants.tranche.flagged": "Stripe's webhook flagged {object} for finance: {details[reason]}",
})
# ---- end of the stripe area ----------------------------------------------------------------------
# ---- payouts (payouts.py, reconcile.py) -------------------------------------------------------
from incubator.core.audit_words import phrases as _payout_phrases  # noqa: E402

_payout_phrases({
    "grants.tranche.needs_attention": "{object} was flagged for finance: {details[message]}",
# ---- offers: offering, withdrawing, expiring; tranches made due (offers area) ------------------
from incubator.core.audit_words import phrases as _offers_phrases  # noqa: E402

_offers_phrases({
    "grants.grant.offered": "{actor} offered {object}",
    "grants.grant.withdrawn": "{actor} withdrew the offer {object}",
    "grants.grant.expired": "The offer {object} expired unanswered",
    "grants.tranche.due": "{object} became due",
})
# ---- letter area: acceptance, decline, payees (acceptance.py, payees.py) ----------------------
from incubator.core.audit_words import phrases as _letter_phrases  # noqa: E402

_letter_phrases({
    "grants.grant.accepted": "{actor} accepted {object} as {details[name]}",
    "grants.grant.declined": "{actor} declined {object}",
    "grants.payee.changed": "{actor} changed the payee from {details[from]} to {details[to]}",
})
# ---- end letter area ---------------------------------------------------------------------------
# --- finance area: releasing tranches and closing grants -------------------------------------
from incubator.core.audit_words import phrases  # noqa: E402

phrases({
    "grants.tranche.requested": "{actor} requested the release of {object}",
    "grants.tranche.approved": "{actor} approved the release of {object}",
    "grants.tranche.cancelled": "{actor} cancelled {object}: {details[reason]}",
    "grants.grant.closed": "{actor} closed {object}: every tranche paid or cancelled",
})
# --- end finance area ------------------------------------------------------------------------
