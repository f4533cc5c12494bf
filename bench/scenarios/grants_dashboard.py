"""The finance dashboard of an organisation with 5,000 grant tranches (1,667 grants of three
tranches over three challenges, in every state: paid with ledger lines, requested, failed with
Stripe's message, a few needing attention, dated ones coming due), seen by finance, filtered
and not, and its CSV exports.

Budget (DESIGN.md section 7): the dashboard's median under 100 ms; the number of SQL statements
independent of the number of tranches (compare `--size 500` with the default: the SQL/request
column must not move).
"""
from datetime import timedelta

import sqlalchemy as sa

from incubator.core.demo import DEMO_TOTP_SECRET
from incubator.accounts.models import User
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import end_of_local_day, utcnow
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, LedgerKind, PayeeKind, TrancheStatus

NAME = "grants-dashboard"
SIZE = 5_000  # tranches
CHALLENGES = 3
PER_GRANT = 3

# The state of tranche `position` of grant `g`: most grants accepted and part paid.
_CYCLE = [TrancheStatus.paid, TrancheStatus.paid, TrancheStatus.requested, TrancheStatus.approved,
          TrancheStatus.due, TrancheStatus.scheduled, TrancheStatus.scheduled, TrancheStatus.failed,
          TrancheStatus.cancelled, TrancheStatus.processing, TrancheStatus.paid, TrancheStatus.scheduled]


def _chunks(rows, size=2_000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def seed(size):
    org = seed_accounts()
    now = utcnow()
    staff = db.session.scalar(sa.select(User).filter_by(email="staff@example.org"))
    finance = db.session.scalar(sa.select(User).filter_by(email="finance@example.org"))
    finance.totp_secret, finance.two_factor_enabled_at = DEMO_TOTP_SECRET, now  # enrolled (finance pages)
    challenges = []
    for c in range(CHALLENGES):
        challenge = Challenge(organisation=org, title=f"Bench Grants Challenge {c + 1}", slug=f"bench-grants-{c}",
                              track=Track.new_school, status=ChallengeStatus.published,
                              opens_at=now - timedelta(days=300), closes_at=now - timedelta(days=250),
                              grant_pool_cents=200_000_000_00, planning_grant_cents=100_000_00)
        challenges.append(challenge)
    db.session.add_all(challenges)
    db.session.flush()
    grants = -(-size // PER_GRANT)
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Grant Team {g:05d}", "created_at": now} for g in range(grants)]).all()
    application_ids = db.session.scalars(
        sa.insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [{"challenge_id": challenges[g % CHALLENGES].id, "team_id": team_id, "status": Status.selected,
          "version": 1, "school_name": f"Grant School {g:05d}", "submitted_at": now - timedelta(days=260),
          "created_at": now, "updated_at": now} for g, team_id in enumerate(team_ids)]).all()
    expires_on = (now + timedelta(days=30)).date()
    grant_rows = []
    for g, (team_id, application_id) in enumerate(zip(team_ids, application_ids)):
        offered = g % 10 == 9
        grant_rows.append({
            "organisation_id": org.id, "challenge_id": challenges[g % CHALLENGES].id, "kind": GrantKind.planning,
            "application_id": application_id, "team_id": team_id, "amount_cents": 100_000_00, "currency": "USD",
            "terms": "Planning.", "expires_on": expires_on, "expires_at": end_of_local_day(expires_on, org.timezone),
            "status": GrantStatus.offered if offered else GrantStatus.accepted, "version": 1,
            "offered_by_id": staff.id, "offered_at": now - timedelta(days=60), "end_reason": "",
            "accepted_by_id": None, "accepted_name": None if offered else "Lee Lead",
            "accepted_at": None if offered else now - timedelta(days=50), "accepted_ip": None,
            "accepted_letter_sha256": None})
    grant_ids = []
    for chunk in _chunks(grant_rows):
        grant_ids += db.session.scalars(sa.insert(Grant).returning(Grant.id, sort_by_parameter_order=True), chunk).all()
    payee_rows = [{"organisation_id": org.id, "team_id": team_id, "kind": PayeeKind.manual, "payouts_enabled": False,
                   "details_submitted": False, "name": f"Grant School {g:05d}", "instructions": "", "created_at": now}
                  for g, team_id in enumerate(team_ids)]
    payee_ids = []
    for chunk in _chunks(payee_rows):
        payee_ids += db.session.scalars(sa.insert(Payee).returning(Payee.id, sort_by_parameter_order=True), chunk).all()
    tranche_rows, made = [], 0
    for g, grant_id in enumerate(grant_ids):
        offered = g % 10 == 9
        for p in range(1, PER_GRANT + 1):
            if made == size:
                break
            made += 1
            status = TrancheStatus.scheduled if offered else _CYCLE[(g + p * 5) % len(_CYCLE)]
            past_request = status not in (TrancheStatus.scheduled, TrancheStatus.due, TrancheStatus.cancelled)
            past_approval = past_request and status is not TrancheStatus.requested
            condition = [DueCondition.on_acceptance, DueCondition.on_date, DueCondition.on_milestone][p - 1]
            tranche_rows.append({
                "grant_id": grant_id, "position": p, "amount_cents": [40_000_00, 30_000_00, 30_000_00][p - 1],
                "condition": condition, "due_on": (now + timedelta(days=(g % 120) - 30)).date() if p == 2 else None,
                "milestone_title": "Prototype pilot" if p == 3 else "", "status": status, "version": 3,
                "requested_by_id": staff.id if past_request else None,
                "requested_at": now - timedelta(days=20) if past_request else None,
                "approved_by_id": finance.id if past_approval else None,
                "approved_at": now - timedelta(days=19) if past_approval else None,
                "payout_attempt": 1, "paid_at": now - timedelta(days=18) if status is TrancheStatus.paid else None,
                "manual_reference": f"Cheque {g}-{p}" if status is TrancheStatus.paid else None,
                "failed_at": now - timedelta(days=2) if status is TrancheStatus.failed else None,
                "failure_message": "Your platform balance is insufficient." if status is TrancheStatus.failed else "",
                "needs_attention": "Processing for over an hour; no transfer found." if status is TrancheStatus.processing
                and g % 4 == 0 else "", "cancel_reason": "Merged." if status is TrancheStatus.cancelled else ""})
    tranche_ids = []
    for chunk in _chunks(tranche_rows):
        tranche_ids += db.session.scalars(sa.insert(Tranche).returning(Tranche.id, sort_by_parameter_order=True),
                                          chunk).all()
    grant_index = {grant_id: g for g, grant_id in enumerate(grant_ids)}
    ledger_rows = [{"organisation_id": org.id, "grant_id": row["grant_id"], "tranche_id": tranche_id,
                    "payee_id": payee_ids[grant_index[row["grant_id"]]], "kind": LedgerKind.manual_payment,
                    "amount_cents": row["amount_cents"], "currency": "USD", "reference": row["manual_reference"],
                    "approved_by_id": finance.id, "recorded_by_id": finance.id, "created_at": row["paid_at"]}
                   for row, tranche_id in zip(tranche_rows, tranche_ids) if row["status"] is TrancheStatus.paid]
    for chunk in _chunks(ledger_rows):
        db.session.execute(sa.insert(LedgerEntry), chunk)
    db.session.commit()


def requests():
    org_id = db.session.scalar(sa.select(Grant.organisation_id).limit(1))
    grant_id = db.session.scalar(sa.select(Grant.id).order_by(Grant.id).limit(1))
    challenge_id = db.session.scalar(sa.select(Grant.challenge_id).order_by(Grant.id).limit(1))
    base = f"/grants/finance/{org_id}"
    return [
        ("finance dashboard", "finance@example.org", base),
        ("dashboard: failed only", "finance@example.org", f"{base}?state=failed"),
        ("dashboard: one challenge, planning, page 20", "finance@example.org",
         f"{base}?challenge={challenge_id}&kind=planning&page=20"),
        ("grant page (finance)", "finance@example.org", f"/grants/{grant_id}"),
        ("tranches.csv (all)", "finance@example.org", f"{base}/tranches.csv"),
        ("ledger.csv (all)", "finance@example.org", f"{base}/ledger.csv"),
    ]
