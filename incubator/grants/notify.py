"""Who is told what by mail (mail area), in wording each organisation edits (core.mail_templates).

Every function queues mail in the caller's transaction and sends nothing itself: each person is
told through core.digests (now, or in their daily digest, as they chose), with Reply-To the
organisation's contact, and each notice goes out once per event and person (core.notices: the
event is named in the notice's subject, e.g. `tranche-7-attempt-2-failed`), so a service or a
job that calls twice tells nobody twice. Links are absolute (PUBLIC_URL), so a job can mail.

    offer_made(grant)          the grantee team's members: the amount, the expiry, the accept link
    grant_answered(grant)      the staff member who offered and the organisation's program staff
    release_requested(tranche) the organisation's finance users other than the requester
    payout_paid(tranche)       the grantee team's members
    payout_failed(tranche)     the organisation's finance users: Stripe's message, or what needs attention
"""
import re
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import Membership, Role, User
from incubator.core import digests, mail_templates, notices
from incubator.core.money import format_cents
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.grants.states import GrantStatus, TrancheStatus

OFFER_MADE = "grants.offer_made"
GRANT_ACCEPTED = "grants.grant_accepted"
GRANT_DECLINED = "grants.grant_declined"
RELEASE_REQUESTED = "grants.release_requested"
PAYOUT_PAID = "grants.payout_paid"
PAYOUT_FAILED = "grants.payout_failed"
PAYOUT_NEEDS_ATTENTION = "grants.payout_needs_attention"

GRANT_PLACEHOLDERS = ("grantee", "team", "organization", "kind", "amount", "challenge", "link")
TRANCHE_PLACEHOLDERS = GRANT_PLACEHOLDERS + ("tranche", "tranche_amount")

_SIGNED = "\n\nIf you have a question, reply to this email.\n\n\u2014 The program team"

DEFAULTS = {
    OFFER_MADE: (
        "Grants: an offer to the grantee", GRANT_PLACEHOLDERS + ("expires", "timezone", "tranches"),
        "{organization} offers {grantee} a {kind} of {amount}",
        "Hello {team},\n\n{organization} offers {grantee} a {kind} of {amount} from {challenge}, paid in "
        "tranches:\n\n{tranches}\n\nYour team lead can read the award letter and accept the offer (or decline it) "
        "here:\n{link}\n\nThe offer can be accepted until the end of {expires} ({timezone} time)." + _SIGNED),
    GRANT_ACCEPTED: (
        "Grants: an offer accepted (to staff)", GRANT_PLACEHOLDERS + ("person",),
        "{grantee} accepted the {kind} of {amount}",
        "Hello,\n\n{person} accepted, for {grantee}, the {kind} of {amount} from {challenge}. Its tranches on "
        "acceptance are due: request their release on the grant's page.\n\n{link}"),
    GRANT_DECLINED: (
        "Grants: an offer declined (to staff)", GRANT_PLACEHOLDERS + ("person", "reason"),
        "{grantee} declined the {kind} of {amount}",
        "Hello,\n\n{person} declined, for {grantee}, the {kind} of {amount} from {challenge}. The amount is back "
        "in the challenge's grant pool.\n\nThe reason given:\n{reason}\n\n{link}"),
    RELEASE_REQUESTED: (
        "Grants: a release awaits approval (to finance)", TRANCHE_PLACEHOLDERS + ("requester",),
        "Approval needed: {tranche_amount} to {grantee}",
        "Hello,\n\n{requester} asks for the release of {tranche} ({tranche_amount}) of the {kind} of {amount} to "
        "{grantee}. A finance user other than {requester} approves it on the grant's page, with a recent "
        "two-factor code:\n\n{link}"),
    PAYOUT_PAID: (
        "Grants: a tranche paid (to the grantee)", TRANCHE_PLACEHOLDERS + ("date", "how"),
        "{organization} paid {tranche_amount} of your {kind}",
        "Hello {team},\n\n{organization} paid {tranche} of your {kind}: {tranche_amount}, on {date} ({how}).\n\n"
        "The grant's page shows every tranche and payment:\n{link}" + _SIGNED),
    PAYOUT_FAILED: (
        "Grants: a payout failed (to finance)", TRANCHE_PLACEHOLDERS + ("message",),
        "Payout failed: {tranche_amount} to {grantee}",
        "Hello,\n\nThe payout of {tranche} ({tranche_amount}) of the {kind} to {grantee} failed. The payment "
        "service said:\n\n{message}\n\nNothing was paid. Once the cause is fixed, retry the payout on the "
        "grant's page:\n{link}"),
    PAYOUT_NEEDS_ATTENTION: (
        "Grants: a payout needs attention (to finance)", TRANCHE_PLACEHOLDERS + ("message",),
        "Payout needs attention: {tranche_amount} to {grantee}",
        "Hello,\n\nThe payout of {tranche} ({tranche_amount}) of the {kind} to {grantee} could not be settled "
        "by itself, and will not be paid again until someone in finance looks:\n\n{message}\n\n{link}"),
}

for _key, (_label, _placeholders, _subject, _body) in DEFAULTS.items():
    mail_templates.register(_key, _label, subject=_subject, body=_body, placeholders=_placeholders)


# ---- the five notices ---------------------------------------------------------------------------

def offer_made(grant) -> None:
    """The grantee's team: an offer to read and accept by its expiry."""
    tz = grant.organisation.timezone
    tranches = "\n".join(f"- {format_cents(t.amount_cents)} {_condition(t)}" for t in grant.tranches)
    values = _grant_values(grant, link=digests.external_link("grants.accept", grant_id=grant.id))
    values.update(expires=f"{grant.expires_on:%A %-d %B %Y}", timezone=tz, tranches=tranches)
    _tell(_team_members(grant), OFFER_MADE, f"grant-{grant.id}-offered", grant.organisation, values)


def grant_answered(grant) -> None:
    """The staff member who offered (and the organisation's program staff): accepted or declined."""
    status = GrantStatus(grant.status)
    if status not in (GrantStatus.accepted, GrantStatus.declined):
        return
    values = _grant_values(grant)
    if status is GrantStatus.accepted:
        key = GRANT_ACCEPTED
        values["person"] = grant.accepted_name or _name(grant.accepted_by_id) or "The grantee"
    else:
        key = GRANT_DECLINED
        values["person"] = _name(grant.ended_by_id) or "The grantee"
        values["reason"] = grant.end_reason.strip() or "(none given)"
    people = _with_role(grant.organisation_id, Role.program_staff)
    if grant.offered_by_id and all(p.id != grant.offered_by_id for p in people):
        offered_by = db.session.get(User, grant.offered_by_id)
        people = ([offered_by] if offered_by else []) + people
    _tell(people, key, f"grant-{grant.id}-{status.value}", grant.organisation, values)


def release_requested(tranche) -> None:
    """The organisation's finance users other than the requester: a release awaits approval."""
    grant = tranche.grant
    values = _tranche_values(tranche)
    values["requester"] = _name(tranche.requested_by_id) or "Program staff"
    people = [p for p in _with_role(grant.organisation_id, Role.finance) if p.id != tranche.requested_by_id]
    _tell(people, RELEASE_REQUESTED, f"tranche-{tranche.id}-requested", grant.organisation, values)


def payout_paid(tranche) -> None:
    """The grantee's team: a tranche was paid."""
    grant = tranche.grant
    if TrancheStatus(tranche.status) is not TrancheStatus.paid:
        return
    values = _tranche_values(tranche)
    values["date"] = f"{local(tranche.paid_at or utcnow(), grant.organisation.timezone):%-d %B %Y}"
    if tranche.transfer_id:
        values["how"] = "a transfer to your connected Stripe account"
    elif tranche.manual_reference:
        values["how"] = f"paid outside the portal, reference {tranche.manual_reference}"
    else:
        values["how"] = "paid outside the portal"
    _tell(_team_members(grant), PAYOUT_PAID, f"tranche-{tranche.id}-paid", grant.organisation, values)


def payout_failed(tranche) -> None:
    """The organisation's finance users: a payout failed (Stripe's message), or needs attention."""
    grant = tranche.grant
    failed = TrancheStatus(tranche.status) is TrancheStatus.failed
    message = (tranche.failure_message if failed else tranche.needs_attention) or tranche.needs_attention
    if not failed and not tranche.needs_attention:
        return
    key = PAYOUT_FAILED if failed else PAYOUT_NEEDS_ATTENTION
    values = _tranche_values(tranche)
    values["message"] = (message or "(the payment service gave no reason)").strip()
    event = f"tranche-{tranche.id}-attempt-{tranche.payout_attempt}-{'failed' if failed else 'attention'}"
    _tell(_with_role(grant.organisation_id, Role.finance), key, event, grant.organisation, values)


# ---- helpers -----------------------------------------------------------------------------------

def _tell(people, key: str, event: str, organisation, values: dict, now: datetime | None = None) -> int:
    """Tell each active person once about `event`, in the organisation's wording of `key`."""
    now = now or utcnow()
    subject, body = mail_templates.render(mail_templates.template_for(organisation.id, key), values)
    body = re.sub(r"\n{3,}", "\n\n", body)
    told, seen = 0, set()
    for person in people:
        if person is None or person.id in seen or not person.is_active:
            continue
        seen.add(person.id)
        if not notices.claim(key, event, f"user:{person.id}", now=now):
            continue  # told already (this event was reported twice)
        digests.notify(person, subject, "organisation_message", kind=key, reply_to=organisation.reply_to,
                       now=now, body=body)
        told += 1
    return told


def _grant_values(grant, *, link: str | None = None) -> dict:
    team = grant.grantee_team
    return {"grantee": grant.grantee_name, "team": team.name if team else grant.grantee_name,
            "organization": grant.organisation.name, "kind": grant.kind.label.lower(),
            "amount": format_cents(grant.amount_cents), "challenge": grant.challenge.title,
            "link": link or digests.external_link("grants.grant", grant_id=grant.id)}


def _tranche_values(tranche) -> dict:
    grant = tranche.grant
    values = _grant_values(grant)
    values.update(tranche=f"tranche {tranche.position} of {len(grant.tranches)}",
                  tranche_amount=format_cents(tranche.amount_cents))
    return values


def _condition(tranche) -> str:
    if tranche.condition.value == "on_acceptance":
        return "on acceptance"
    if tranche.condition.value == "on_date":
        return f"on {tranche.due_on:%-d %B %Y}" if tranche.due_on else "on a date"
    return f"when \u201c{tranche.milestone_title}\u201d is approved" if tranche.milestone_title else \
        "when a milestone is approved"


def _team_members(grant) -> list:
    team = grant.grantee_team
    return [m.user for m in team.members] if team else []


def _with_role(organisation_id: int, role: Role) -> list:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.role == role,
               User.is_deactivated.is_(False)).order_by(User.id)))


def _name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.display_name if user else None
