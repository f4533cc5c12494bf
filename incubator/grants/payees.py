"""Payees (letter area): the grantee's current payee, Stripe Connect Express onboarding, a
manual payee, and `update_from_account(status)` for the account.updated webhook.

One current payee per grantee (a team, or a school for a school's grant; a partial unique
index holds it). A change never edits the old row (the ledger may name it): the old row gets
`replaced_at` and a new row becomes current, audited as `grants.payee.changed` with from/to.
Services flush and never commit; gateway errors (`gateway.GatewayError`) pass to the caller.
"""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for

from incubator.core import audit
from incubator.core.errors import ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants.gateway import AccountStatus, gateway
from incubator.grants.models import REASON_MAX, Grant, Payee
from incubator.grants.states import PayeeKind

NAME_MAX = 200


def _grantee_filter(grant: Grant):
    return Payee.school_id == grant.school_id if grant.school_id else Payee.team_id == grant.team_id


def current_payee(grant: Grant) -> Payee | None:
    """The grantee's current payee (None: none yet)."""
    return db.session.scalar(sa.select(Payee).where(_grantee_filter(grant), Payee.replaced_at.is_(None)))


def describe(payee: Payee | None) -> str:
    """How a payee reads in the audit trail's from/to."""
    if payee is None:
        return "none"
    if PayeeKind(payee.kind) is PayeeKind.stripe:
        return f"Stripe account {payee.stripe_account_id}"
    return f"manual: {payee.name}"


def _replace(grant: Grant, new: Payee, *, actor, now: datetime) -> Payee:
    old = current_payee(grant)
    if old is not None:
        old.replaced_at = now
        db.session.flush()  # the old row stops being current before the new one is
    db.session.add(new)
    db.session.flush()
    audit.record(actor, "grants.payee.changed", new, grant_id=grant.id, **{"from": describe(old), "to": describe(new)})
    return new


def _new_payee(grant: Grant, *, kind: PayeeKind, actor, now: datetime, **values) -> Payee:
    return Payee(organisation_id=grant.organisation_id, team_id=None if grant.school_id else grant.team_id,
                 school_id=grant.school_id, kind=kind, created_by_id=getattr(actor, "id", None), created_at=now,
                 **values)


def external(endpoint: str, **values) -> str:
    """An absolute URL (Stripe sends the person back to it): PUBLIC_URL when set, else the request's host."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)


def start_onboarding(grant: Grant, *, actor) -> str:
    """The Stripe account link the grantee's lead follows to connect a bank account. Reuses the
    grantee's current Stripe account; otherwise creates an Express account through the gateway
    and makes it the current payee (replacing a manual one).

    :raises gateway.NotConfigured: the manual gateway (no STRIPE_SECRET_KEY)
    :raises gateway.TemporaryFailure, gateway.Refused: Stripe did not answer or refused
    """
    gw = gateway()
    payee = current_payee(grant)
    if payee is None or PayeeKind(payee.kind) is not PayeeKind.stripe:
        account_id = gw.create_account(email=actor.email, name=grant.grantee_name)
        payee = _replace(grant, _new_payee(grant, kind=PayeeKind.stripe, actor=actor, now=utcnow(),
                                           stripe_account_id=account_id, name=grant.grantee_name[:NAME_MAX]),
                         actor=actor, now=utcnow())
    return gw.account_link(payee.stripe_account_id, refresh_url=external("grants.payee_refresh", grant_id=grant.id),
                           return_url=external("grants.payee_return", grant_id=grant.id))


def update_from_account(status: AccountStatus, *, now: datetime | None = None) -> Payee | None:
    """Keep the current payee with that Stripe account up to date (the account.updated webhook,
    after re-reading the account from the API). None when no current payee has that account."""
    payee = db.session.scalar(sa.select(Payee).where(Payee.stripe_account_id == status.account_id,
                                                     Payee.replaced_at.is_(None)))
    if payee is None:
        return None
    payee.payouts_enabled = bool(status.payouts_enabled)
    payee.details_submitted = bool(status.details_submitted)
    payee.status_checked_at = now or utcnow()
    db.session.flush()
    return payee


def refresh(payee: Payee) -> Payee:
    """Re-read the payee's Stripe account through the gateway (the person came back from Stripe).

    :raises gateway.GatewayError: as start_onboarding
    """
    if PayeeKind(payee.kind) is not PayeeKind.stripe:
        return payee
    status = gateway().account_status(payee.stripe_account_id)
    return update_from_account(status) or payee


def _clean(text: str | None, *, label: str, limit: int, required: bool, one_line: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise ValidationFailed(f"Give the {label}.")
    if len(value) > limit:
        raise ValidationFailed(f"The {label} must be at most {limit:,} characters.")
    if one_line and has_control_characters(value):
        raise ValidationFailed(f"The {label} contains characters that are not allowed.")
    if not one_line and has_control_characters(value.replace("\r\n", " ").replace("\n", " ")):
        raise ValidationFailed(f"The {label} contains characters that are not allowed.")
    return value


def set_manual(grant: Grant, *, name: str, instructions: str, actor, now: datetime) -> Payee:
    """Finance records a manual payee (paid outside the portal): it becomes the grantee's current
    payee, the old one is kept with replaced_at. The same manual payee again changes nothing.

    :raises ValidationFailed: an empty or too long name, too long instructions, control characters
    """
    name = _clean(name, label="payee name", limit=NAME_MAX, required=True, one_line=True)
    instructions = _clean(instructions, label="payment instructions", limit=REASON_MAX, required=False,
                          one_line=False).replace("\r\n", "\n")
    current = current_payee(grant)
    if (current is not None and PayeeKind(current.kind) is PayeeKind.manual and current.name == name
            and current.instructions == instructions):
        return current
    return _replace(grant, _new_payee(grant, kind=PayeeKind.manual, actor=actor, now=now, name=name,
                                      instructions=instructions), actor=actor, now=now)
