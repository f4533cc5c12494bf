"""Grants: audit_words (to be written)."""


# ---- offers: offering, withdrawing, expiring; tranches made due (offers area) ------------------
from incubator.core.audit_words import phrases as _offers_phrases  # noqa: E402

_offers_phrases({
    "grants.grant.offered": "{actor} offered {object}",
    "grants.grant.withdrawn": "{actor} withdrew the offer {object}",
    "grants.grant.expired": "The offer {object} expired unanswered",
    "grants.tranche.due": "{object} became due",
})
