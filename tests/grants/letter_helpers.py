"""Helpers of the letter area's tests: make the award letter as the job would, and a stand-in
for the offers area's `tranches.on_acceptance` (a stub on this branch)."""
from incubator.extensions import db
from incubator.grants import letter_jobs, lifecycle
from incubator.grants.states import DueCondition, TrancheStatus


def make_letter(grant) -> str:
    """Run the letter job for the grant's current state; the SHA-256 it stored."""
    letter_jobs.render_award_letter(grant.id, letter_jobs.fingerprint(grant))
    db.session.expire_all()
    return db.session.get(type(grant), grant.id).letter_sha256


def fake_on_acceptance(monkeypatch) -> list:
    """Replaces tranches.on_acceptance with its contract's simplest reading (the on-acceptance
    tranches become due); the list of (grant id, actor id) it was called with."""
    from incubator.grants import tranches

    calls = []

    def fake(grant, *, actor, now):
        calls.append((grant.id, actor.id))
        made = []
        for tranche in grant.tranches:
            if tranche.condition is DueCondition.on_acceptance and tranche.status is TrancheStatus.scheduled:
                lifecycle.move_tranche(tranche, TrancheStatus.due, actor=actor, became_due_at=now)
                made.append(tranche)
        return made

    monkeypatch.setattr(tranches, "on_acceptance", fake)
    return calls
