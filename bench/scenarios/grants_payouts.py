"""Payouts under the real worker: SIZE approved tranches (to Stripe payees) paid through the
Stripe-compatible test server (tests/stripe_server.py, on 127.0.0.1, through the real `stripe`
SDK) by one `flask worker --burst --queue payments` (the command production runs), against the
same number of no-op jobs on the same queue and worker.

The issue asks for tranches per second and the ratio to no-op jobs. Throughput is read from the
jobs' own start and end times in Redis (bench/scenarios/worker.py's helpers), so the worker's
start-up is not counted. Each payout job claims its tranche (a committed compare-and-set), makes
one transfer (one HTTP request), records it and its ledger line, and commits.

SIZE // 4 grants of four $1,000 tranches each, one team and one connected account per grant.
"""
import os
from datetime import timedelta

import sqlalchemy as sa

from bench.scenarios.worker import _batch, _run_worker, _timings
from incubator.applications.models import Team
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core import jobs
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import end_of_local_day, utcnow
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche

NAME = "grants-payouts"
SIZE = 1_000
REQUESTS = []  # no pages: the figures come from figures()
TRANCHE_CENTS = 1_000_00
PER_GRANT = 4

_server = {}


def _stripe():
    if "server" not in _server:
        from tests.stripe_server import StripeServer

        _server["server"] = StripeServer(balance_cents=10**12).start()
    return _server["server"]


def seed(size):
    from incubator.accounts.models import User

    server = _stripe()
    org = seed_accounts()
    staff = db.session.scalar(sa.select(User).filter_by(email="staff@example.org"))
    finance = db.session.scalar(sa.select(User).filter_by(email="finance@example.org"))
    now = utcnow()
    challenge = Challenge(organisation=org, title="Bench Payouts", slug="bench-payouts", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=200),
                          closes_at=now - timedelta(days=150), grant_pool_cents=size * TRANCHE_CENTS * 2,
                          planning_grant_cents=PER_GRANT * TRANCHE_CENTS)
    db.session.add(challenge)
    db.session.flush()
    grants = max(1, size // PER_GRANT)
    db.session.execute(sa.insert(Team), [{"name": f"Payout Team {n:05d}"} for n in range(grants)])
    team_ids = db.session.scalars(sa.select(Team.id).where(Team.name.like("Payout Team %")).order_by(Team.id)).all()
    expires_on = (now + timedelta(days=30)).date()
    db.session.execute(sa.insert(Grant), [
        {"organisation_id": org.id, "challenge_id": challenge.id, "kind": "planning", "team_id": team_id,
         "amount_cents": PER_GRANT * TRANCHE_CENTS, "currency": "USD", "terms": "Bench terms.",
         "expires_on": expires_on, "expires_at": end_of_local_day(expires_on, org.timezone), "status": "accepted",
         "version": 2, "offered_by_id": staff.id, "offered_at": now - timedelta(days=10), "accepted_at": now,
         "accepted_name": "Lee Lead", "accepted_ip": "127.0.0.1", "accepted_letter_sha256": "a" * 64}
        for team_id in team_ids])
    grant_rows = db.session.execute(sa.select(Grant.id, Grant.team_id).where(Grant.challenge_id == challenge.id)
                                    .order_by(Grant.id)).all()
    db.session.execute(sa.insert(Payee), [
        {"organisation_id": org.id, "team_id": team_id, "kind": "stripe", "payouts_enabled": True,
         "details_submitted": True, "name": f"Payout School {n}", "created_at": now,
         "stripe_account_id": server.create_account(email=f"lead{n}@example.org", name=f"Payout School {n}")["id"]}
        for n, (_, team_id) in enumerate(grant_rows)])
    db.session.execute(sa.insert(Tranche), [
        {"grant_id": grant_id, "position": p, "amount_cents": TRANCHE_CENTS, "condition": "on_acceptance",
         "status": "approved", "version": 4, "became_due_at": now, "requested_by_id": staff.id,
         "requested_at": now, "approved_by_id": finance.id, "approved_at": now, "payout_attempt": 1,
         "milestone_title": "", "failure_message": "", "needs_attention": "", "cancel_reason": ""}
        for grant_id, _ in grant_rows for p in range(1, PER_GRANT + 1)])
    db.session.commit()


def figures(size):
    from incubator.grants import payouts

    server = _stripe()
    from tests.stripe_server import SECRET_KEY

    os.environ.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=server.url)
    try:
        tranches = db.session.execute(sa.select(Tranche.id, Tranche.payout_attempt).order_by(Tranche.id)).all()
        noop_ids = _batch("payments", lambda: [jobs.queue("payments").enqueue("builtins.int")
                                               for _ in range(len(tranches))])
        _run_worker("payments", 0)
        noop_span, _, _ = _timings(noop_ids)
        payout_ids = _batch("payments", lambda: [payouts.enqueue_payout(t, a) for t, a in tranches])
        _run_worker("payments", 0)
        payout_span, payout_ms, _ = _timings(payout_ids)
    finally:
        for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE"):
            os.environ.pop(name, None)
        server.stop()
        _server.clear()
    db.session.expire_all()
    paid = db.session.scalar(sa.select(sa.func.count()).select_from(Tranche).where(Tranche.status == "paid"))
    lines = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    made = len(server.transfers)
    once = (paid == made == lines == len(tranches)
            and all(len(server.transfers_for(t)) == 1 for t, _ in tranches[:50]))
    if not once:
        raise SystemExit(f"[grants-payouts] {paid} paid, {made} transfers, {lines} ledger lines "
                         f"for {len(tranches)} tranches")
    noop_rate, payout_rate = len(tranches) / noop_span, len(tranches) / payout_span
    payout_ms.sort()
    return [
        (f"{len(tranches):,} no-op jobs (payments queue)", f"{noop_rate:,.0f} jobs/s ({1000 / noop_rate:.1f} ms a job)",
         ""),
        (f"{len(tranches):,} payouts (Stripe test server)",
         f"{payout_rate:,.0f} tranches/s ({1000 / payout_rate:.1f} ms a tranche; median "
         f"{payout_ms[len(payout_ms) // 2]:.1f} ms in the job)", ""),
        ("payouts / no-op throughput", f"{payout_rate / noop_rate:.2f}", ""),
        ("transfers made / tranches paid / ledger lines", f"{made:,} / {paid:,} / {lines:,} (each exactly once)",
         "one each"),
    ]
