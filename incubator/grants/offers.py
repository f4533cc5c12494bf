"""Making and withdrawing offers, and expiring them (offers area).

An offer names its grantee (a planning grant: a selected application of the challenge and its
team; a launch or transition grant: a school of the organisation), its amount in cents, its
terms (Markdown, rendered safe on the pages) and its expiry (a local day of the organisation),
and 1 to 12 tranches that add up exactly to the amount. It draws on the challenge's grant
pool: the challenge's row is locked while the pool is counted, so two offers at once cannot
take the same dollars twice.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.applications.states import Status as ApplicationStatus
from incubator.challenges.models import Challenge
from incubator.core import audit
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.core.timeutil import end_of_local_day, local
from incubator.extensions import db
from incubator.grants import lifecycle, notify, pool
from incubator.grants.models import MAX_GRANT_CENTS, MAX_TRANCHES, REASON_MAX, TERMS_MAX, Grant, Tranche
from incubator.grants.permissions import staff_of
from incubator.grants.states import DueCondition, GrantKind, GrantStatus
from incubator.incubation import plans
from incubator.incubation.models import School, TemplateMilestone

OPEN = (GrantStatus.offered, GrantStatus.accepted)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class OfferRefused(ValidationFailed):
    """The offer breaks a rule; the message names the figures."""


@dataclass
class TrancheSpec:
    amount_cents: int
    condition: DueCondition | str
    due_on: date | None = None
    template_milestone: TemplateMilestone | None = None


def dollars(cents: int) -> str:
    return pool._dollars(cents)


def today_of(organisation, now: datetime) -> date:
    return local(now, organisation.timezone).date()


def _lock(challenge: Challenge) -> None:
    """Hold the challenge's row until commit (PostgreSQL; SQLite has one writer at a time)."""
    db.session.execute(sa.select(Challenge.id).where(Challenge.id == challenge.id).with_for_update())


def _check_grantee(challenge, kind: GrantKind, application, school) -> None:
    if kind is GrantKind.planning:
        if school is not None or application is None:
            raise OfferRefused("A planning grant goes to a selected team: choose its application.")
        if application.challenge_id != challenge.id:
            raise OfferRefused("That application is not one of this challenge's.")
        if ApplicationStatus(application.status) is not ApplicationStatus.selected:
            raise OfferRefused("A planning grant goes to a selected team; this application is "
                               f"{ApplicationStatus(application.status).value}.")
    else:
        if application is not None or school is None:
            raise OfferRefused(f"A {kind.label.lower()} goes to a school: choose the school.")
        if school.organisation_id != challenge.organisation_id:
            raise OfferRefused("That school is not one of this organization's.")


def _check_no_open_grant(challenge, kind: GrantKind, application, school) -> None:
    grantee = (Grant.application_id == application.id) if application is not None else (Grant.school_id == school.id)
    existing = db.session.scalar(sa.select(Grant.id).where(
        Grant.challenge_id == challenge.id, Grant.kind == kind, grantee, Grant.status.in_(OPEN)).limit(1))
    if existing is not None:
        raise OfferRefused(f"This grantee already has an open {kind.label.lower()} from this pool "
                           f"(grant {existing}); withdraw it before offering another.")


def clean_terms(terms: str | None) -> str:
    text = (terms or "").replace("\r\n", "\n").strip()
    if not text:
        raise OfferRefused("Write the terms of the grant.")
    if len(text) > TERMS_MAX:
        raise OfferRefused(f"The terms are at most {TERMS_MAX:,} characters; these are {len(text):,}.")
    if _CONTROL.search(text):
        raise OfferRefused("The terms contain characters that are not allowed (control characters or "
                           "direction overrides).")
    return text


def _check_tranches(organisation, amount_cents: int, specs: list[TrancheSpec], today: date) -> list[Tranche]:
    if not 1 <= len(specs) <= MAX_TRANCHES:
        raise OfferRefused(f"A grant has 1 to {MAX_TRANCHES} tranches; this one has {len(specs)}.")
    template = {item.id: item for item in plans.template_of(organisation)}
    made = []
    for position, spec in enumerate(specs, 1):
        condition = DueCondition(spec.condition)
        if not isinstance(spec.amount_cents, int) or spec.amount_cents <= 0:
            raise OfferRefused(f"Tranche {position}: its amount must be more than $0.00.")
        tranche = Tranche(position=position, amount_cents=spec.amount_cents, condition=condition)
        if condition is DueCondition.on_date:
            if spec.due_on is None:
                raise OfferRefused(f"Tranche {position}: give the date it becomes due.")
            if spec.due_on <= today:
                raise OfferRefused(f"Tranche {position}: its date must be after today "
                                   f"({today:%-d %b %Y}); it is {spec.due_on:%-d %b %Y}.")
            tranche.due_on = spec.due_on
        elif condition is DueCondition.on_milestone:
            item = spec.template_milestone
            if item is None or template.get(item.id) is not item:
                raise OfferRefused(f"Tranche {position}: choose a milestone of your organization's "
                                   "incubation template.")
            tranche.template_milestone_id, tranche.milestone_title = item.id, item.title
        made.append(tranche)
    total = sum(t.amount_cents for t in made)
    if total != amount_cents:
        raise OfferRefused(f"The tranches add up to {dollars(total)}; the grant is {dollars(amount_cents)}.")
    return made


def offer_grant(challenge: Challenge, *, kind: GrantKind | str, application: Application | None = None,
                school: School | None = None, amount_cents: int, terms: str, expires_on: date,
                tranches: list[TrancheSpec], actor, now: datetime) -> Grant:
    """Offer a grant from the challenge's pool; audited (grants.grant.offered); the grantee's
    team is told (notify.offer_made). Flushes.

    :raises NotAllowed: the actor is not program staff of the challenge's organisation
    :raises OfferRefused: a rule is broken (the grantee, one open grant per kind and grantee,
        the amount, the tranches and their sum, the expiry, what the pool has available)
    """
    organisation = challenge.organisation
    if not staff_of(actor, challenge.organisation_id):
        raise NotAllowed("Only the organization's program staff can offer grants.")
    kind = GrantKind(kind)
    _check_grantee(challenge, kind, application, school)
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise OfferRefused("The grant's amount must be more than $0.00.")
    if amount_cents > MAX_GRANT_CENTS:
        raise OfferRefused(f"A grant is at most {dollars(MAX_GRANT_CENTS)}; this one is {dollars(amount_cents)}.")
    text = clean_terms(terms)
    today = today_of(organisation, now)
    if expires_on is None or expires_on <= today:
        raise OfferRefused(f"The offer must expire after today ({today:%-d %b %Y}).")
    made = _check_tranches(organisation, amount_cents, tranches, today)
    _lock(challenge)
    _check_no_open_grant(challenge, kind, application, school)
    figures = pool.figures(challenge)
    if amount_cents > figures.available_cents:
        raise OfferRefused(f"The pool has {figures.words()}; this offer is {dollars(amount_cents)}.")
    grant = Grant(organisation_id=challenge.organisation_id, challenge_id=challenge.id, kind=kind,
                  application_id=application.id if application is not None else None,
                  team_id=application.team_id if application is not None else None,
                  school_id=school.id if school is not None else None,
                  amount_cents=amount_cents, currency="USD", terms=text, expires_on=expires_on,
                  expires_at=end_of_local_day(expires_on, organisation.timezone), status=GrantStatus.offered,
                  offered_by_id=actor.id, offered_at=now)
    grant.tranches.extend(made)
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "grants.grant.offered", grant, to_state=GrantStatus.offered, kind=kind.value,
                 amount_cents=amount_cents, tranches=len(made), challenge_id=challenge.id)
    notify.offer_made(grant)
    return grant


def withdraw(grant: Grant, *, actor, reason: str, now: datetime) -> None:
    """Withdraw an offer not answered yet (offered -> withdrawn), with a reason; audited.

    :raises NotAllowed: the actor is not program staff of the grant's organisation
    :raises OfferRefused: no reason, or one too long
    :raises InvalidTransition: the grant is not offered any more
    :raises ChangedMeanwhile: it was answered or changed meanwhile
    """
    if not staff_of(actor, grant.organisation_id):
        raise NotAllowed("Only the organization's program staff can withdraw an offer.")
    text = (reason or "").replace("\r\n", "\n").strip()
    if not text:
        raise OfferRefused("Give the reason for withdrawing the offer: the team reads it.")
    if len(text) > REASON_MAX:
        raise OfferRefused(f"The reason is at most {REASON_MAX:,} characters.")
    if _CONTROL.search(text):
        raise OfferRefused("The reason contains characters that are not allowed.")
    lifecycle.move_grant(grant, GrantStatus.withdrawn, actor=actor, details={"reason": text},
                         ended_by_id=actor.id, ended_at=now, end_reason=text)


def expire_offers(now: datetime) -> int:
    """Offers past their expiry (the end of their local day) -> expired; audited as the system.
    Safe to run twice: a grant answered meanwhile is left alone. Flushes; returns how many."""
    expired = 0
    due = db.session.scalars(sa.select(Grant).where(Grant.status == GrantStatus.offered, Grant.expires_at <= now)
                             .order_by(Grant.id))
    for grant in list(due):
        try:
            lifecycle.move_grant(grant, GrantStatus.expired, actor=None, ended_at=now)
        except lifecycle.ChangedMeanwhile:
            continue
        expired += 1
    return expired
