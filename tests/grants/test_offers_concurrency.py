"""Two offers at once cannot overcommit the pool: the challenge's row is locked while the pool
is counted. On PostgreSQL the second waits for the first's lock, then sees its offer and is
refused with the figures; SQLite has one writer at a time, so there the second simply comes after."""
import threading
import time

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.challenges.models import Challenge
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import offers, pool
from incubator.grants.models import Grant
from incubator.grants.offers import OfferRefused, TrancheSpec
from incubator.grants.states import DueCondition, GrantKind, GrantStatus


def test_two_offers_at_once_cannot_take_the_same_dollars(app, grants_world, make_grants_world):
    world = grants_world
    world.grant.status = GrantStatus.withdrawn
    other = make_grants_world(world.org, world.staff, world.finance)
    other.application.challenge_id = world.challenge.id
    db.session.delete(other.grant)
    db.session.commit()
    challenge_id, staff_id = world.challenge.id, world.staff.id
    first_id, second_id = world.application.id, other.application.id
    expires_on = utcnow().date().replace(year=utcnow().year + 1)
    # $500,000 available: each offer alone fits; both together would be $600,000.

    def make_offer(application_id):
        return offers.offer_grant(
            db.session.get(Challenge, challenge_id), kind=GrantKind.planning,
            application=db.session.get(Application, application_id), amount_cents=300_000_00,
            terms="Planning.", expires_on=expires_on,
            tranches=[TrancheSpec(300_000_00, DueCondition.on_acceptance)],
            actor=db.session.get(User, staff_id), now=utcnow())

    outcome = []

    def second():
        with app.app_context():
            try:
                make_offer(second_id)
                db.session.commit()
                outcome.append("offered")
            except OfferRefused as error:
                db.session.rollback()
                outcome.append(str(error))
            finally:
                db.session.remove()

    concurrent = db.engine.dialect.name == "postgresql"
    make_offer(first_id)  # holds the challenge's row lock until commit
    thread = threading.Thread(target=second)
    if concurrent:
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the first's lock
        db.session.commit()
    else:
        db.session.commit()
        thread.start()
    thread.join(10)
    assert outcome == ["The pool has $200,000.00 available ($500,000.00 budget, $300,000.00 committed); "
                       "this offer is $300,000.00."]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant).where(
        Grant.status == GrantStatus.offered)) == 1
    assert pool.figures(db.session.get(Challenge, challenge_id)).available_cents == 200_000_00
