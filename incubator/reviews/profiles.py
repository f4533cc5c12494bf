"""A reviewer's profile: what they know (expertise tags, used by automatic assignment) and who they
are tied to (names, addresses, domains, matched against teams by `conflicts.detect`).

Saving the ties re-runs detection against the applications of every round whose pool the reviewer is
in and that has not closed, so a new tie removes access at once (and the pair's unsubmitted
assignments go, for staff to refill).
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core import audit
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.extensions import db
from incubator.reviews import conflict_services, conflicts, entry, tags
from incubator.reviews.models import ReviewerProfile, ReviewRound, RoundReviewer

MAX_TIES = 100
MAX_TIE_LENGTH = 200
MAX_NEIGHBOURHOODS = 20
MAX_NEIGHBOURHOOD_LENGTH = 80


def is_reviewer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and any(m.role == Role.reviewer for m in user.memberships))


def profile_of(user) -> ReviewerProfile | None:
    return db.session.scalar(sa.select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))


def neighbourhood_names(profile: ReviewerProfile | None) -> list[str]:
    """The neighbourhood tags of a profile, back in words ("neighbourhood:treme-lafitte" -> "treme lafitte")."""
    prefix = "neighbourhood:"
    return [t[len(prefix):].replace("-", " ") for t in (profile.expertise if profile else []) if t.startswith(prefix)]


def clean_ties(text: str) -> list[str]:
    """The ties typed, one per line (or separated by semicolons), checked: each a name, an address or a domain.

    :raises ValidationFailed: too many, too long, or a public mail provider's domain
    """
    lines = [" ".join(line.split()) for line in (text or "").replace(";", "\n").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_TIES:
        raise ValidationFailed(f"List at most {MAX_TIES} ties (you listed {len(lines):,}). Keep the ones that matter.")
    cleaned: list[str] = []
    for line in lines:
        if len(line) > MAX_TIE_LENGTH:
            raise ValidationFailed(f"A tie is at most {MAX_TIE_LENGTH} characters: \u201c{line[:40]}\u2026\u201d is longer.")
        kind, key = conflicts.parse_tie(line)
        if kind == "domain" and conflicts.is_public_domain(key):
            raise ValidationFailed(f"{key} is a public mail provider shared by strangers: list the person's "
                                   "address instead.")
        if line.casefold() not in (c.casefold() for c in cleaned):
            cleaned.append(line)
    return cleaned


def clean_neighbourhoods(text: str) -> list[str]:
    names = [" ".join(n.split()) for n in (text or "").replace(";", ",").replace("\n", ",").split(",")]
    names = [n for n in names if n]
    if len(names) > MAX_NEIGHBOURHOODS:
        raise ValidationFailed(f"List at most {MAX_NEIGHBOURHOODS} neighborhoods.")
    if any(len(n) > MAX_NEIGHBOURHOOD_LENGTH for n in names):
        raise ValidationFailed(f"A neighborhood's name is at most {MAX_NEIGHBOURHOOD_LENGTH} characters.")
    return names


@dataclass
class Saved:
    conflicts_added: int
    assignments_released: int


def open_rounds_of(user, now: datetime) -> list[ReviewRound]:
    return list(db.session.scalars(
        sa.select(ReviewRound).join(RoundReviewer, RoundReviewer.round_id == ReviewRound.id)
        .where(RoundReviewer.user_id == user.id, ReviewRound.closes_at > now).order_by(ReviewRound.id)))


def save(user, *, expertise: list[str], neighbourhoods: str, ties: str, actor, now: datetime) -> Saved:
    """Store `user`'s expertise tags and ties, then detect their conflicts in their open rounds.

    :raises NotAllowed: the actor is not `user`, or `user` is no reviewer
    :raises ValidationFailed: an unknown tag, too many or too long ties or neighborhoods
    """
    if getattr(actor, "id", None) != user.id or not is_reviewer(user):
        raise NotAllowed("Only a reviewer edits their own reviewer profile.")
    unknown = [t for t in expertise if t not in tags.FIXED_TAG_KEYS]
    if unknown:
        raise ValidationFailed("Choose expertise from the list.")
    chosen = [key for key, _ in tags.FIXED_TAGS if key in set(expertise)]
    for name in clean_neighbourhoods(neighbourhoods):
        tag = tags.neighbourhood_tag(name)
        if tag and tag not in chosen:
            chosen.append(tag)
    tie_lines = clean_ties(ties)
    profile = profile_of(user)
    if profile is None:
        profile = ReviewerProfile(user_id=user.id)
        db.session.add(profile)
    profile.expertise, profile.ties, profile.updated_at = chosen, "\n".join(tie_lines), now
    db.session.flush()
    audit.record(actor, "review.profile_saved", user, expertise=len(chosen), ties=len(tie_lines))
    added = released = 0
    for review_round in open_rounds_of(user, now):
        added += conflicts.detect(entry.entrants(review_round), [user], now=now)
        released += conflict_services.release_conflicted(review_round, actor=actor, reviewer_id=user.id)
    return Saved(added, released)
