"""The grantee's answer to an offer (letter area): accept (full name, the agreement, the
SHA-256 of the exact letter read) or decline.

Services take the grant and an explicit actor, flush, never commit (the view commits).
"""
from datetime import datetime

from incubator.core.errors import ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.extensions import db
from incubator.grants import lifecycle, notify, tranches
from incubator.grants.models import REASON_MAX, Grant
from incubator.grants.states import GrantStatus

NAME_MAX = 200


class OfferClosed(ValidationFailed):
    """The offer can no longer be answered (expired, withdrawn, declined, accepted)."""


class LetterChanged(ValidationFailed):
    """The letter the person read is not the current one."""

    def __init__(self):
        super().__init__("The award letter changed since you opened it; read it again before accepting.")


def _answerable(grant: Grant, now: datetime) -> None:
    status = GrantStatus(grant.status)
    if status is not GrantStatus.offered:
        raise OfferClosed(f"This offer is {status.label.lower()}: it can no longer be answered.")
    if grant.expires_at is not None and now >= grant.expires_at:
        # The expiry sweep may not have run yet: the offer is expired all the same.
        raise OfferClosed(f"This offer expired at the end of {grant.expires_on:%-d %B %Y}: it can no longer "
                          "be accepted. Ask the program staff for a new offer.")


def clean_name(full_name: str | None) -> str:
    name = " ".join((full_name or "").split())
    if not name:
        raise ValidationFailed("Type your full name to accept.")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"Your full name must be at most {NAME_MAX} characters.")
    if has_control_characters(full_name or ""):
        raise ValidationFailed("Your full name contains characters that are not allowed.")
    return name


def accept(grant: Grant, *, actor, full_name: str, ip: str, letter_sha256: str, now: datetime,
           current_letter_sha256: str | None = None) -> Grant:
    """offered -> accepted, recording who, the name typed, when, from where and which letter.

    `current_letter_sha256` is the SHA-256 of the letter of the grant's current state (the view
    reads the stored file; None while it is being prepared). When not given, the hash the job
    stored on the grant (`letter_sha256`) is the current one.

    :raises OfferClosed: not offered any more, or expired (even before the sweep)
    :raises LetterChanged: the hash read is not the current letter's
    :raises ValidationFailed: an empty or too long name; no letter made yet
    :raises ChangedMeanwhile: someone else answered or withdrew it meanwhile
    """
    _answerable(grant, now)
    name = clean_name(full_name)
    current = current_letter_sha256 if current_letter_sha256 is not None else grant.letter_sha256
    if not current:
        raise ValidationFailed("The award letter is still being prepared: read it before accepting.")
    if (letter_sha256 or "").strip().lower() != current:
        raise LetterChanged()
    lifecycle.move_grant(grant, GrantStatus.accepted, actor=actor,
                         details={"letter_sha256": current, "name": name},
                         accepted_by_id=actor.id, accepted_name=name, accepted_at=now,
                         accepted_ip=(ip or "unknown")[:64], accepted_letter_sha256=current)
    tranches.on_acceptance(grant, actor=actor, now=now)
    notify.grant_answered(grant)
    db.session.flush()
    return grant


def decline(grant: Grant, *, actor, reason: str = "", now: datetime) -> Grant:
    """offered -> declined, with an optional reason.

    :raises OfferClosed, ValidationFailed, ChangedMeanwhile: as accept
    """
    _answerable(grant, now)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"The reason must be at most {REASON_MAX} characters.")
    lifecycle.move_grant(grant, GrantStatus.declined, actor=actor, details={"reason": reason} if reason else None,
                         ended_by_id=actor.id, ended_at=now, end_reason=reason)
    notify.grant_answered(grant)
    db.session.flush()
    return grant
