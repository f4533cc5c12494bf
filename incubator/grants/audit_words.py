"""Grants: audit_words (to be written)."""

# --- finance area: releasing tranches and closing grants -------------------------------------
from incubator.core.audit_words import phrases  # noqa: E402

phrases({
    "grants.tranche.requested": "{actor} requested the release of {object}",
    "grants.tranche.approved": "{actor} approved the release of {object}",
    "grants.tranche.cancelled": "{actor} cancelled {object}: {details[reason]}",
    "grants.grant.closed": "{actor} closed {object}: every tranche paid or cancelled",
})
# --- end finance area ------------------------------------------------------------------------
