"""Two finance users approve the same requested tranche at the same moment: one wins (the
compare-and-set on status and version), the other is told someone else changed it, and the
tranche is approved once, by one of them, with one audit event.

Two threads, each with its own session (its own connection), both load the requested tranche
before either approves. On PostgreSQL they then approve at once; on SQLite (one writer at a
time) they approve in turn from those copies, which is the same race with its order fixed."""
import threading

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import release
from incubator.grants.lifecycle import ChangedMeanwhile
from incubator.grants.models import Tranche
from incubator.grants.states import PayeeKind, TrancheStatus
from tests.grants import finance_fakes
from tests.grants.finance_fakes import accept

# Fixtures of the fakes (see finance_fakes).
payouts_contract = finance_fakes.payouts_contract


def test_two_finance_users_approving_at_once_one_wins_the_other_is_told(app, grants_world):
    accept(grants_world)
    grants_world.payee(PayeeKind.manual)
    tranche = grants_world.tranches[0]
    release.request_release(tranche, actor=grants_world.staff, now=utcnow())
    db.session.commit()
    people = [grants_world.finance.id, grants_world.finance2.id]
    at_once = db.engine.dialect.name == "postgresql"
    loaded, turn, results = threading.Barrier(2), threading.Lock(), {}

    def approve(user_id):
        with app.app_context():
            try:
                db.session().expire_on_commit = False  # a request's copy, as loaded before the other wrote
                copy, actor = db.session.get(Tranche, tranche.id), db.session.get(User, user_id)
                release.current_payee(copy.grant), actor.memberships  # all the service reads, before the race
                db.session.commit()  # end the read transaction: the copies stay loaded
                loaded.wait(timeout=20)
                if not at_once:
                    turn.acquire()
                try:
                    release.approve_release(copy, actor=actor, now=utcnow())
                    db.session.commit()
                    results[user_id] = "won"
                except ChangedMeanwhile as error:
                    db.session.rollback()
                    results[user_id] = str(error)
                finally:
                    if not at_once:
                        turn.release()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and list(results.values()).count("won") == 1, results
    loser = next(v for v in results.values() if v != "won")
    assert loser.startswith("Someone else changed this tranche"), loser
    db.session.expire_all()
    approved = db.session.get(Tranche, tranche.id)
    winner = next(user_id for user_id, v in results.items() if v == "won")
    assert approved.status is TrancheStatus.approved and approved.approved_by_id == winner
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "grants.tranche.approved")) == 1
