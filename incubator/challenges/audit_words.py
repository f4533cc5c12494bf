"""How the challenges domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.challenges.models import Challenge, Question
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db

phrases({
    "challenge.created": "{actor} created the challenge {object}",
    "challenge.updated": "{actor} updated the challenge {object}",
    "challenge.published": "{actor} published the challenge {object}",
    "question.added": "{actor} added the question {object}",
    "question.updated": "{actor} changed the question {object}",
    "question.deleted": "{actor} deleted the question \u201c{details[label]}\u201d",
    "question.moved": "{actor} moved the question {object} {details[direction]}",
})


@names("Challenge")
def _challenges(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Challenge.id, Challenge.title).where(Challenge.id.in_(ids)))
    return {i: Named(title, url_for("challenges.manage", challenge_id=i)) for i, title in rows}


@names("Question")
def _questions(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Question.id, Question.label, Question.challenge_id, Challenge.title)
                              .join(Challenge, Challenge.id == Question.challenge_id).where(Question.id.in_(ids)))
    return {i: Named(f"\u201c{_short(label)}\u201d of {title}", url_for("challenges.manage", challenge_id=challenge_id))
            for i, label, challenge_id, title in rows}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"
