"""Demo data of grants (registered with core.demo; safe to run twice, sends no mail).

Runs last (grants is the last of DOMAINS, after incubation's cohort exists), with the manual
gateway of the embedded default:

- finance@example.org (already a demo sign-in) and a second finance user, finance2@example.org,
  so the two-person rule can be tried; both have two-factor sign-in turned on with the fixed
  demo secret DEMO_TOTP_SECRET (printed in the README: add it to an authenticator app), since
  finance pages require it.
- An accepted $100,000 planning grant to lead@example.org's team (Bayou Learning Lab), with its
  acceptance record and a manual payee: tranche 1 ($40,000, on acceptance) paid outside the
  portal with the reference "ACH 2027-0142" and its ledger line; tranche 2 ($30,000, on a date
  that has passed) due, for staff to request; tranche 3 ($30,000) scheduled on the prototype
  pilot milestone.
- A $100,000 planning grant offered to Crescent Studio, open for three more weeks.

Every status change goes through `grants.lifecycle` (audited); no notice is queued.
"""
import hashlib
from datetime import timedelta

import sqlalchemy as sa

from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core import audit
from incubator.core.demo import get_or_create_user, seeder
from incubator.core.timeutil import end_of_local_day, local, utcnow
from incubator.extensions import db
from incubator.grants import lifecycle
from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, LedgerKind, PayeeKind, TrancheStatus
from incubator.incubation import plans

CHALLENGE_SLUG = "nola-future-of-school"
ACCEPTED_TEAM = "Bayou Learning Lab"
OFFERED_TEAM = "Crescent Studio"
AMOUNT_CENTS = 100_000_00
REFERENCE = "ACH 2027-0142"
# The demo's authenticator secret (base32) for both finance users: a local demo only, like the
# demo password. Never seed it into a production database.
from incubator.core.demo import DEMO_TOTP_SECRET  # noqa: E402  (one demo secret, core's)
FINANCE_PEOPLE = (("finance@example.org", "Frankie Finance"), ("finance2@example.org", "Flo Finance"))
TERMS = """This planning grant funds the team's design year: staff time for the founding team,
community input sessions, the prototype pilot and the charter application.

- Funds are spent on the approved planning budget; a change of more than 10% in any line needs
  the program team's written agreement.
- The team reports on its milestones in the portal and meets its coach at least monthly.
- Unspent funds are returned if the team stops its work before the end of the incubation.
"""


@seeder
def seed_grants(org: Organisation) -> None:
    staff = _user("staff@example.org")
    finance, finance2 = (_finance_user(org, email, name) for email, name in FINANCE_PEOPLE)
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == CHALLENGE_SLUG,
                                                             Challenge.organisation_id == org.id))
    if staff is None or challenge is None:
        return
    if db.session.scalar(sa.select(Grant.id).where(Grant.challenge_id == challenge.id).limit(1)):
        return  # seeded before, or someone made offers of their own
    now = utcnow()
    accepted = _application(challenge, ACCEPTED_TEAM)
    offered = _application(challenge, OFFERED_TEAM)
    if accepted is not None:
        _accepted_grant(org, challenge, accepted, staff, finance, finance2, now)
    if offered is not None:
        _offer(org, challenge, offered, staff, offered_at=now - timedelta(days=2), expires_in=21)
    db.session.flush()


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _finance_user(org: Organisation, email: str, name: str) -> User:
    user = get_or_create_user(email, name)
    if Role.finance not in user.roles_in(org.id):
        db.session.add(Membership(user=user, organisation=org, role=Role.finance))
    if user.two_factor_enabled_at is None:  # set up once; never overwrite a secret someone changed
        user.totp_secret, user.two_factor_enabled_at = DEMO_TOTP_SECRET, utcnow()
    db.session.flush()
    return user


def _application(challenge: Challenge, team_name: str) -> Application | None:
    return db.session.scalar(sa.select(Application).join(Team, Team.id == Application.team_id).where(
        Application.challenge_id == challenge.id, Team.name == team_name, Application.status == "selected"))


def _offer(org, challenge, application, staff, *, offered_at, expires_in: int) -> Grant:
    """An offer as program staff make it: $40,000 on acceptance, $30,000 on a date, $30,000 when the
    prototype pilot is approved."""
    tz = org.timezone
    today = local(offered_at, tz).date()
    expires_on = today + timedelta(days=expires_in)
    prototype = next((t for t in plans.template_of(org) if "rototype" in t.title), None)
    grant = Grant(organisation_id=org.id, challenge_id=challenge.id, kind=GrantKind.planning,
                  application_id=application.id, team_id=application.team_id, amount_cents=AMOUNT_CENTS,
                  terms=TERMS, expires_on=expires_on, expires_at=end_of_local_day(expires_on, tz),
                  offered_by_id=staff.id, offered_at=offered_at)
    grant.tranches.append(Tranche(position=1, amount_cents=40_000_00, condition=DueCondition.on_acceptance))
    grant.tranches.append(Tranche(position=2, amount_cents=30_000_00, condition=DueCondition.on_date,
                                  due_on=today + timedelta(days=35)))
    if prototype is not None:
        grant.tranches.append(Tranche(position=3, amount_cents=30_000_00, condition=DueCondition.on_milestone,
                                      template_milestone_id=prototype.id, milestone_title=prototype.title))
    else:
        grant.tranches.append(Tranche(position=3, amount_cents=30_000_00, condition=DueCondition.on_date,
                                      due_on=today + timedelta(days=150)))
    db.session.add(grant)
    db.session.flush()
    audit.record(staff, "grants.grant.offered", grant, amount_cents=grant.amount_cents, source="demo")
    return grant


def _accepted_grant(org, challenge, application, staff, finance, finance2, now) -> Grant:
    grant = _offer(org, challenge, application, staff, offered_at=now - timedelta(days=40), expires_in=30)
    lead = application.team.lead
    accepted_at = now - timedelta(days=36)
    # The letter the lead read: the demo has no rendered PDF, so the record holds the SHA-256 of
    # the offer's text (the letter job makes the real PDF when someone opens it).
    letter = hashlib.sha256(f"{grant.id}\n{grant.amount_cents}\n{grant.terms}".encode()).hexdigest()
    lifecycle.move_grant(grant, GrantStatus.accepted, actor=lead, details={"source": "demo"},
                         accepted_by_id=lead.id, accepted_name=lead.name or lead.email, accepted_at=accepted_at,
                         accepted_ip="127.0.0.1", accepted_letter_sha256=letter)
    first, second, third = grant.tranches
    lifecycle.move_tranche(first, TrancheStatus.due, actor=lead, details={"source": "demo"},
                           became_due_at=accepted_at)
    payee = Payee(organisation_id=org.id, team_id=application.team_id, kind=PayeeKind.manual,
                  name=application.school_name or application.team.name,
                  instructions="ACH to the school's operating account (details on file with finance).",
                  created_by_id=finance.id, created_at=now - timedelta(days=35))
    db.session.add(payee)
    db.session.flush()
    audit.record(finance, "grants.payee.changed", payee, kind=PayeeKind.manual.value, source="demo")
    lifecycle.move_tranche(first, TrancheStatus.requested, actor=staff, details={"source": "demo"},
                           requested_by_id=staff.id, requested_at=now - timedelta(days=34))
    lifecycle.move_tranche(first, TrancheStatus.approved, actor=finance, details={"source": "demo"},
                           approved_by_id=finance.id, approved_at=now - timedelta(days=33))
    paid_at = now - timedelta(days=32)
    lifecycle.move_tranche(first, TrancheStatus.processing, actor=finance2, details={"source": "demo"},
                           processing_at=paid_at)
    lifecycle.move_tranche(first, TrancheStatus.paid, actor=finance2, details={"reference": REFERENCE, "source": "demo"},
                           paid_at=paid_at, manual_reference=REFERENCE)
    line = LedgerEntry(organisation_id=org.id, grant_id=grant.id, tranche_id=first.id, payee_id=payee.id,
                       kind=LedgerKind.manual_payment, amount_cents=first.amount_cents, reference=REFERENCE,
                       approved_by_id=finance.id, recorded_by_id=finance2.id, created_at=paid_at)
    db.session.add(line)
    db.session.flush()
    audit.record(finance2, "grants.ledger.recorded", line, amount_cents=line.amount_cents, reference=REFERENCE,
                 source="demo")
    # Tranche 2's date has passed (the dated sweep made it due); tranche 3 waits for the pilot.
    second.due_on = local(now, org.timezone).date() - timedelta(days=3)
    db.session.flush()
    lifecycle.move_tranche(second, TrancheStatus.due, actor=None, details={"source": "demo"},
                           became_due_at=now - timedelta(days=3))
    return grant
