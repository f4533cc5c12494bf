"""A notice is claimed once: the second claim of the same (kind, subject, recipient) writes nothing."""
import sqlalchemy as sa

from incubator.core import notices
from incubator.core.notices import SentNotice
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def test_a_notice_is_claimed_once_per_recipient():
    now = utcnow()
    assert notices.claim("review.round_closing", "round:1", "rae@example.org", now=now)
    assert not notices.claim("review.round_closing", "round:1", "rae@example.org", now=now)
    # Another recipient, subject or kind is another notice.
    assert notices.claim("review.round_closing", "round:1", "robin@example.org", now=now)
    assert notices.claim("review.round_closing", "round:2", "rae@example.org", now=now)
    assert notices.claim("review.manual_reminder", "round:1", "rae@example.org", now=now)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 4
    assert notices.was_sent("review.round_closing", "round:1", "rae@example.org")
    assert not notices.was_sent("review.round_closing", "round:3", "rae@example.org")


def test_a_claim_rolled_back_with_its_mail_can_be_claimed_again():
    now = utcnow()
    assert notices.claim("review.round_closing", "round:9", "rae@example.org", now=now)
    db.session.rollback()  # the mail it guarded was not queued either
    assert notices.claim("review.round_closing", "round:9", "rae@example.org", now=now)
