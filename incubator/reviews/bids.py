"""Bids: in a round with bids, each pool reviewer says which entrants they would like to review
(interested / willing / not interested); the automatic assignment prefers what they asked for.

In a blind round the bid page must not identify a team, so an application is shown as
"Application N": its position in the round's order of entrants (by id), not its database id.
"""
from datetime import datetime

import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews.entry import entrants_query
from incubator.reviews.models import Conflict, ReviewBid, ReviewRound
from incubator.reviews.states import Bid

SUMMARY_CHARACTERS = 300


class BidRefused(DomainError):
    pass


def positions(review_round: ReviewRound) -> dict[int, int]:
    """Application id -> its neutral number in the round: the same "Application 7" the reviewer's
    queue and scoring page show (blind.numbers), never the order the teams applied in."""
    from incubator.reviews.blind import numbers

    every = numbers(review_round)
    ids = db.session.scalars(entrants_query(review_round).with_only_columns(Application.id)).all()
    return {application_id: every[application_id] for application_id in ids if application_id in every}


def biddable_query(review_round: ReviewRound, reviewer_id: int) -> sa.Select:
    """The round's entrants a reviewer may bid on: those they have no active conflict with."""
    conflicted = sa.select(Conflict.id).where(Conflict.application_id == Application.id,
                                              Conflict.reviewer_id == reviewer_id, Conflict.lifted_at.is_(None)).exists()
    return entrants_query(review_round).where(~conflicted)  # (the page sorts its rows by neutral number)


def summary(application: Application) -> str:
    """The first ~300 characters of the model's description (its elements, in order)."""
    from incubator.challenges.models import MODEL_ELEMENTS

    text = " ".join(" ".join((getattr(application, key, "") or "").split()) for key, _ in MODEL_ELEMENTS).strip()
    return text if len(text) <= SUMMARY_CHARACTERS else text[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0] + "…"


def bids_of(review_round: ReviewRound, reviewer_id: int, application_ids) -> dict[int, Bid]:
    return dict(db.session.execute(sa.select(ReviewBid.application_id, ReviewBid.bid).where(
        ReviewBid.round_id == review_round.id, ReviewBid.reviewer_id == reviewer_id,
        ReviewBid.application_id.in_(list(application_ids)))).all())


def save(review_round: ReviewRound, choices: dict[int, Bid | None], *, actor, now: datetime) -> int:
    """Store the reviewer's bids (None clears one). All or nothing. Returns bids changed.

    :raises BidRefused: the round takes no bids or has closed, or an application is not one
        the reviewer may bid on
    """
    require(actor, "take_part", review_round)
    if not review_round.has_bids:
        raise BidRefused("This round does not take bids.")
    if now >= review_round.closes_at:
        raise BidRefused("This round has closed; bids can no longer be changed.")
    allowed = set(db.session.scalars(biddable_query(review_round, actor.id).with_only_columns(Application.id)
                                     .where(Application.id.in_(list(choices)))))
    if set(choices) - allowed:
        raise BidRefused("Some of these applications are not open to your bids. Reload the page and try again.")
    current = {b.application_id: b for b in db.session.scalars(sa.select(ReviewBid).where(
        ReviewBid.round_id == review_round.id, ReviewBid.reviewer_id == actor.id,
        ReviewBid.application_id.in_(list(choices))))}
    changed = 0
    for application_id, bid in sorted(choices.items()):
        row = current.get(application_id)
        if bid is None:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            db.session.add(ReviewBid(round_id=review_round.id, application_id=application_id, reviewer_id=actor.id,
                                     bid=bid, updated_at=now))
            changed += 1
        elif row.bid != bid:
            row.bid, row.updated_at = bid, now
            changed += 1
    if changed:
        audit.record(actor, "review.bids_saved", review_round, changed=changed)
    db.session.flush()
    return changed
