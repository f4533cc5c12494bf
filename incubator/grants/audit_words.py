"""How the grants domain's audit events read (see incubator/core/audit_words.py).

The mail area writes this header, the names of grants, tranches, payees and ledger lines, and
the phrases of the moves of `grants.lifecycle` (`grants.grant.*`, `grants.tranche.*`), payee
changes and ledger lines. Other areas append their own phrases below, each in a block marked
with its area, never rewriting another's lines.

A phrase that needs a detail its event lacks falls back to a plain sentence (core), so a
function phrase here reads details with `_detail`, which leaves out what is not there.
"""
import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from incubator.applications.models import Application, Team
from incubator.core.audit_words import Named, Words, names, phrases
from incubator.core.money import format_cents
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche
from incubator.grants.states import GrantKind
from incubator.incubation.models import School


def _grantee(school: str | None, application_school: str | None, team: str | None) -> str:
    return school or application_school or team or "a grantee"


def _grant_columns():
    return (Grant.kind, Grant.amount_cents, School.name, Application.school_name, Team.name)


def _with_grantee(query):
    return (query.outerjoin(School, School.id == Grant.school_id)
            .outerjoin(Application, Application.id == Grant.application_id)
            .outerjoin(Team, Team.id == Grant.team_id))


def _grant_label(kind, amount_cents, school, application_school, team) -> str:
    return (f"the {GrantKind(kind).label.lower()} of {format_cents(amount_cents)} to "
            f"{_grantee(school, application_school, team)}")


@names("Grant")
def _grants(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(_with_grantee(sa.select(Grant.id, *_grant_columns()).where(Grant.id.in_(ids))))
    return {i: Named(_grant_label(*rest), url_for("grants.grant", grant_id=i)) for i, *rest in rows}


@names("Tranche")
def _tranches(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(_with_grantee(
        sa.select(Tranche.id, Tranche.position, Tranche.amount_cents, Tranche.grant_id, *_grant_columns())
        .join(Grant, Grant.id == Tranche.grant_id).where(Tranche.id.in_(ids))))
    return {i: Named(f"tranche {position} ({format_cents(cents)}) of {_grant_label(*rest)}",
                     url_for("grants.grant", grant_id=grant_id))
            for i, position, cents, grant_id, *rest in rows}


@names("Payee")
def _payees(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Payee.id, Payee.kind, Payee.name, Payee.stripe_account_id, School.name, Team.name)
        .outerjoin(School, School.id == Payee.school_id).outerjoin(Team, Team.id == Payee.team_id)
        .where(Payee.id.in_(ids)))
    named = {}
    for i, kind, name, account, school, team in rows:
        whose = school or team or "a grantee"
        what = f"the Stripe account {account}" if kind.value == "stripe" else f"the manual payee \u201c{name or whose}\u201d"
        named[i] = Named(f"{what} of {whose}")
    return named


@names("LedgerEntry")
def _ledger_lines(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(_with_grantee(
        sa.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.grant_id, *_grant_columns())
        .join(Grant, Grant.id == LedgerEntry.grant_id).where(LedgerEntry.id.in_(ids))))
    return {i: Named(f"the ledger line of {format_cents(cents)} ({kind.label.lower()}) of {_grant_label(*rest)}",
                     url_for("grants.grant", grant_id=grant_id))
            for i, kind, cents, grant_id, *rest in rows}


# ---- phrase helpers --------------------------------------------------------------------------

def _detail(words: Words, key: str) -> Markup | None:
    value = words["details"].get(key)
    return value if value not in (None, "", "None") else None


def _money(words: Words, key: str = "amount_cents") -> str | None:
    value = _detail(words, key)
    try:
        return escape(format_cents(int(str(value)))) if value is not None else None
    except ValueError:
        return None


def _because(words: Words, *keys: str) -> str:
    for key in keys:
        value = _detail(words, key)
        if value is not None:
            return f": \u201c{value}\u201d"
    return ""


def _with(template: str, *keys: str):
    """A phrase `template` (over actor and object) followed by the first of `keys` the event has."""
    def phrase(words: Words) -> str:
        return template.format(actor=words["actor"], object=words["object"]) + _because(words, *keys)
    return phrase


# ---- grants: offered, answered, expired, withdrawn, closed (grants.lifecycle) --------------------
phrases({
    "grants.grant.offered": "{actor} offered {object}",
    "grants.grant.accepted": "{actor} accepted {object}",
    "grants.grant.declined": _with("{actor} declined {object}", "reason", "end_reason"),
    "grants.grant.expired": "{object} expired without an answer",
    "grants.grant.withdrawn": _with("{actor} withdrew {object}", "reason", "end_reason"),
    "grants.grant.closed": "{actor} closed {object}",
})


# ---- tranches: due, requested, approved, paid or failed, retried, cancelled (grants.lifecycle) ----

def _paid(words: Words) -> str:
    sentence = f"{words['actor']} recorded {words['object']} as paid"
    if words["actor"] == Markup("The system"):
        sentence = f"{words['object']} was paid"
    transfer, reference = _detail(words, "transfer_id"), _detail(words, "reference") or _detail(
        words, "manual_reference")
    if transfer is not None:
        sentence += f" by the Stripe transfer {transfer}"
    elif reference is not None:
        sentence += f" outside the portal (reference {reference})"
    return sentence


def _failed(words: Words) -> str:
    return f"The payout of {words['object']} failed" + _because(words, "message", "failure_message")


phrases({
    "grants.tranche.due": "{object} became due",
    "grants.tranche.requested": "{actor} requested the release of {object}",
    "grants.tranche.approved": "{actor} approved the release of {object}",
    "grants.tranche.processing": "{actor} began the payout of {object}",
    "grants.tranche.paid": _paid,
    "grants.tranche.failed": _failed,
    "grants.tranche.retried": "{actor} retried the payout of {object}",
    "grants.tranche.cancelled": _with("{actor} canceled {object}", "reason", "cancel_reason"),
})


# ---- payees and the ledger --------------------------------------------------------------------

def _payee_changed(words: Words) -> str:
    return f"{words['actor']} changed the payee to {words['object']}" + (
        f" (it replaces {_detail(words, 'replaced')})" if _detail(words, "replaced") is not None else "")


def _ledger(verb: str):
    def phrase(words: Words) -> str:
        amount = _money(words)
        sentence = f"{words['actor']} {verb} {words['object']}"
        if amount is not None and "ledger line" not in str(words["object"]):
            sentence += f" ({amount})"
        for key, label in (("transfer_id", "transfer"), ("reference", "reference")):
            if _detail(words, key) is not None:
                sentence += f", {label} {_detail(words, key)}"
        return sentence
    return phrase


phrases({
    "grants.payee.changed": _payee_changed,
    "grants.ledger.recorded": _ledger("wrote to the ledger"),
    "grants.ledger.transfer": _ledger("wrote to the ledger the Stripe transfer of"),
    "grants.ledger.manual_payment": _ledger("wrote to the ledger the outside payment of"),
    "grants.ledger.reversal": _ledger("wrote to the ledger a reversal of"),
})

# ---- other areas: append your blocks below this line ---------------------------------------------

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
})
# ---- end of payouts -----------------------------------------------------------------------------
