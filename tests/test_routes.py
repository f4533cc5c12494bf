"""Every route of the app, walked by people who have no business there.

Each rule with an id in its address is filled with a real object of another team
and organisation: an outsider (signed in, no team, no role) gets 404 for every
method and changes nothing; a signed-out visitor gets 404 or is sent to sign in,
the same answer whether the object exists or not, so nothing leaks. Routes without
an id are listed by hand, so a new one needs a decision here.
"""
import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Invitation, Role
from incubator.applications.models import Application, Attachment, Team, TeamInvitation, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core import tokens
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db

# Routes without an object id: who may reach them is decided by the view itself.
NO_ID = {
    "/", "/healthz", "/login", "/logout", "/register", "/dashboard", "/confirm/resend", "/password/change",
    "/account", "/account/email", "/account/email/<token>",
    "/password/forgot", "/password/reset/<token>", "/confirm/<token>", "/invitations/<token>",
    "/applications/invitations/<token>", "/applications/teams", "/applications/teams/new",
    "/challenges/", "/challenges/<slug>", "/challenges/manage", "/challenges/new",
    "/admin/audit", "/admin/organisations", "/admin/organisations/new", "/admin/outbox", "/admin/users",
    "/static/<path:filename>", "/readiness/instruments",
}
NO_ID |= {"/reviews/profile"}  # conflicts: the reviewer profile (any reviewer; others 404)
NO_ID |= {"/reviews/queue"}  # scoring
NO_ID |= {"/incubation/", "/account/notifications"}  # incubation: the cohorts a person may see; notice settings
# grants: a person's grants; finance's dashboard (their first organisation); Stripe's webhook (signed, no
# session); two-factor sign-in (the person's own; the sign-in step needs a password first).
NO_ID |= {"/grants/", "/grants/finance", "/grants/stripe/webhook", "/account/two-factor", "/account/two-factor/setup",
          "/account/two-factor/confirm", "/login/two-factor"}
# sustainability: the schools a person may see; the organisations' portfolios they may see; the CSV
# templates of the imports (blank headers); an invitation to report (its token, for its addressee).
NO_ID |= {"/sustainability/", "/sustainability/schools/new", "/sustainability/portfolio",
          "/sustainability/import-templates/<kind>.csv", "/sustainability/invitations/<token>"}
# Of those, the ones an outsider must not reach either.
NO_ID_STAFF_ONLY = {"/challenges/manage", "/challenges/new", "/admin/audit", "/admin/organisations",
                    "/admin/organisations/new", "/admin/outbox", "/admin/users", "/readiness/instruments"}
NO_ID_STAFF_ONLY |= {"/reviews/profile"}  # conflicts
NO_ID_STAFF_ONLY |= {"/reviews/queue"}  # scoring: a signed-in user who reviews nowhere gets 404
NO_ID_STAFF_ONLY |= {"/grants/finance"}  # grants: finance of no organisation gets 404
NO_ID_STAFF_ONLY |= {"/sustainability/schools/new", "/sustainability/portfolio"}  # finance / staff of none: 404
HOSTILE_FORM = {"school_name": "Hijacked", "confirm": "y", "name": "X", "email": "x@example.org", "role": "finance",
                "roles": ["finance"], "active": "0", "decision": "ineligible", "reason": "no", "direction": "up",
                "member": "1", "challenge_id": "1", "title": "X", "slug": "x", "timezone": "UTC", "label": "X",
                "kind": "short_text"}


@pytest.fixture
def world(org, staff, make_user):
    """One of every object, none of them the outsider's."""
    now = utcnow()
    lead = make_user("lead@example.org")
    challenge = Challenge(organisation=org, title="Future of School", slug="future", track=Track.new_school,
                          status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
    challenge.questions.append(Question(position=1, kind=QuestionKind.file, label="Budget"))
    team = Team(name="Bayou Lab")
    team.members.append(TeamMember(user=lead, is_lead=True))
    application = Application(team=team, challenge=challenge, status=Status.submitted, submitted_at=now,
                              school_name="Bayou School")
    application.attachments.append(Attachment(original_filename="plan.pdf", stored_name=secrets.token_hex(20),
                                              content_type="application/pdf", size_bytes=10, sha256="0" * 64))
    team_invitation = TeamInvitation(team=team, email="friend@example.org", token_hash=tokens.hash_token("t1"),
                                     expires_at=now + timedelta(days=7))
    org_invitation = Invitation(organisation=org, role=Role.reviewer, email="rev@example.org",
                                token_hash=tokens.hash_token("t2"), expires_at=now + timedelta(days=7))
    message = OutboxMessage(recipient="lead@example.org", subject="Hello", body_text="Hi",
                            message_id=f"<{secrets.token_hex(8)}@example.org>")
    db.session.add_all([challenge, application, team_invitation, org_invitation, message])
    db.session.commit()
    readiness = _readiness_world(org, challenge, application, lead)
    reviews = _reviews_world(org, challenge, application, make_user)
    incubation = _incubation_world(org, challenge, application, lead, make_user)
    grants = _grants_world(org, challenge, application, incubation, make_user)
    sustainability = _sustainability_world(org, incubation, make_user)
    return {**readiness, **reviews, **incubation, **grants, **sustainability, "org_id": org.id, "user_id": staff.id, "challenge_id": challenge.id,
            "question_id": challenge.questions[0].id, "team_id": team.id, "application_id": application.id,
            "attachment_id": application.attachments[0].id, "message_id": message.id,
            "invitation_id": {"applications": team_invitation.id, "sustainability": sustainability["school_invitation_id"],
                              "default": org_invitation.id}}


def _readiness_world(org, challenge, application, lead) -> dict:
    """The organization's default instrument, the challenge requiring it, an open assessment."""
    from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument
    from incubator.readiness.states import Requirement

    instrument = db.session.scalar(sa.select(Instrument).filter_by(organisation_id=org.id))
    db.session.add(ChallengeReadiness(challenge_id=challenge.id, instrument_id=instrument.id,
                                      requirement=Requirement.required))
    assessment = Assessment(organisation_id=org.id, team_id=application.team_id, application=application,
                            instrument_id=instrument.id, label="Intake", opened_by_id=lead.id)
    db.session.add(assessment)
    db.session.commit()
    return {"instrument_id": instrument.id, "domain_id": instrument.domains[0].id,
            "item_id": instrument.domains[0].items[0].id, "assessment_id": assessment.id}


def _reviews_world(org, challenge, application, make_user) -> dict:
    """A round with one criterion, a reviewer of the organisation assigned and conflicted, a decision."""
    from incubator.accounts.models import Membership
    from incubator.reviews.models import Assignment, Conflict, Criterion, Decision, ReviewRound, RoundReviewer
    from incubator.reviews.states import ConflictSource, Outcome

    now = utcnow()
    reviewer = make_user("rae@example.org", name="Rae Reviewer")
    db.session.add(Membership(user=reviewer, organisation=org, role=Role.reviewer))
    review_round = ReviewRound(challenge=challenge, title="Written review", opens_at=now - timedelta(days=1),
                               closes_at=now + timedelta(days=9))
    review_round.criteria.append(Criterion(position=1, title="Learning growth", descriptors=["1", "2", "3", "4", "5"]))
    review_round.reviewers.append(RoundReviewer(user=reviewer))
    assignment = Assignment(round=review_round, application=application, reviewer=reviewer)
    conflict = Conflict(application=application, reviewer=reviewer, source=ConflictSource.staff, note="Cousin")
    decision = Decision(round=review_round, application=application, outcome=Outcome.waitlist, rationale="Close")
    db.session.add_all([review_round, assignment, conflict, decision])
    db.session.commit()
    return {"round_id": review_round.id, "criterion_id": review_round.criteria[0].id,
            "assignment_id": assignment.id, "conflict_id": conflict.id, "decision_id": decision.id,
            "reviewer_id": reviewer.id,
            "key": "review.decision.select"}


def _incubation_world(org, challenge, application, lead, make_user) -> dict:
    """A cohort with a coach and the team in it: its plan, a file of evidence, a stakeholder entry,
    a coaching session, the organisation's template, a school."""
    from datetime import date

    from incubator.accounts.models import Membership
    from incubator.incubation import plans
    from incubator.incubation.models import (CoachingSession, Cohort, CohortCoach, CohortTeam, Evidence, School,
                                             StakeholderEntry)

    coach = make_user("cam@example.org", name="Cam Coach")
    db.session.add(Membership(user=coach, organisation=org, role=Role.coach))
    cohort = Cohort(organisation=org, challenge=challenge, name="Spring cohort", starts_on=date(2027, 1, 4))
    cohort.coaches.append(CohortCoach(user=coach))
    cohort_team = CohortTeam(cohort=cohort, application=application, team_id=application.team_id)
    db.session.add_all([cohort, cohort_team])
    db.session.flush()
    template = plans.template_of(org)
    milestone = plans.make_plan(cohort_team, template, cohort.starts_on, org.timezone)[0]
    evidence = Evidence(milestone=milestone, kind="file", original_filename="plan.pdf",
                        stored_name=secrets.token_hex(20), content_type="application/pdf", size_bytes=10,
                        sha256="0" * 64, added_by_id=lead.id)
    entry = StakeholderEntry(cohort_team=cohort_team, group="parents", held_on=date(2027, 1, 20), method="survey",
                             participants=12, takeaways="Longer day", created_by_id=lead.id)
    coaching = CoachingSession(cohort_team=cohort_team, coach_id=coach.id, held_on=date(2027, 1, 21),
                               duration_minutes=60, topics="Budget")
    school = School(organisation_id=org.id, team_id=application.team_id, name="Bayou School", grades="K-5")
    db.session.add_all([evidence, entry, coaching, school])
    db.session.commit()
    return {"cohort_id": cohort.id, "cohort_team_id": cohort_team.id, "milestone_id": milestone.id,
            "evidence_id": evidence.id, "entry_id": entry.id, "coaching_id": coaching.id,
            "template_milestone_id": template[0].id, "school_id": school.id, "coach_id": coach.id}


def _grants_world(org, challenge, application, incubation, make_user) -> dict:
    """An accepted planning grant to the team with a due tranche, the team's manual payee and a
    ledger line of a paid tranche."""
    from datetime import date

    from incubator.core.timeutil import end_of_local_day
    from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche
    from incubator.grants.states import DueCondition, GrantKind, GrantStatus, LedgerKind, PayeeKind, TrancheStatus

    now = utcnow()
    grant = Grant(organisation_id=org.id, challenge_id=challenge.id, kind=GrantKind.planning,
                  application_id=application.id, team_id=application.team_id, amount_cents=100_000_00,
                  terms="Planning", expires_on=date(2027, 1, 31), expires_at=end_of_local_day(date(2027, 1, 31), org.timezone),
                  status=GrantStatus.accepted, accepted_at=now, accepted_name="Lee Lead",
                  accepted_letter_sha256="a" * 64)
    paid = Tranche(position=1, amount_cents=40_000_00, condition=DueCondition.on_acceptance,
                   status=TrancheStatus.paid, paid_at=now, manual_reference="CHK-1")
    due = Tranche(position=2, amount_cents=60_000_00, condition=DueCondition.on_milestone,
                  template_milestone_id=incubation["template_milestone_id"], milestone_title="Prototype",
                  status=TrancheStatus.due, became_due_at=now)
    grant.tranches.extend([paid, due])
    payee = Payee(organisation_id=org.id, team_id=application.team_id, kind=PayeeKind.manual, name="Bayou School")
    db.session.add_all([grant, payee])
    db.session.flush()
    db.session.add(LedgerEntry(organisation_id=org.id, grant_id=grant.id, tranche_id=paid.id, payee_id=payee.id,
                               kind=LedgerKind.manual_payment, amount_cents=40_000_00, reference="CHK-1"))
    db.session.commit()
    return {"grant_id": grant.id, "tranche_id": due.id}


def _sustainability_world(org, incubation, make_user) -> dict:
    """The school's year-1 report verified and its year-2 report submitted, a named reporter, a
    pending invitation to report, a finished CSV import."""
    from incubator.core.imports import ImportRun, ImportStatus
    from incubator.incubation.models import School
    from incubator.sustainability.models import AnnualReport, SchoolInvitation, SchoolReporter
    from incubator.sustainability.states import ReportStatus

    now = utcnow()
    school = db.session.get(School, incubation["school_id"])
    school.planned_opening_year, school.source = 2024, "direct"
    reporter = SchoolReporter(school_id=school.id, user_id=make_user("rita@example.org", name="Rita Reporter").id)
    figures = dict(fiscal_year=2025, budgeted_enrollment=200, actual_enrollment=190,
                   public_state_local_cents=1_500_000_00, public_federal_cents=200_000_00, philanthropic_cents=400_000_00,
                   other_revenue_cents=10_000_00, operating_expenses_cents=2_000_000_00,
                   total_expenses_cents=2_100_000_00, unrestricted_cash_cents=300_000_00,
                   current_assets_cents=500_000_00, current_liabilities_cents=300_000_00)
    verified = AnnualReport(school_id=school.id, year=1, status=ReportStatus.verified, submitted_at=now,
                            verified_at=now, **figures)
    submitted = AnnualReport(school_id=school.id, year=2, status=ReportStatus.submitted, submitted_at=now,
                             **{**figures, "fiscal_year": 2026})
    invitation = SchoolInvitation(school_id=school.id, email="newreporter@example.org",
                                  token_hash=tokens.hash_token("t3"), expires_at=now + timedelta(days=7))
    run = ImportRun(organisation_id=org.id, kind="sustainability.schools", file_name="schools.csv",
                    content="name\n", status=ImportStatus.done, finished_at=now)
    db.session.add_all([reporter, verified, submitted, invitation, run])
    db.session.commit()
    return {"report_id": submitted.id, "year": 2, "reporter_id": reporter.id, "run_id": run.id,
            "organisation_id": org.id, "kind": "schools",
            "school_invitation_id": invitation.id}


def _fill(rule, ids, missing=False):
    def value(match):
        name = match.group(1).split(":")[-1]
        if missing:
            return str(2**31 - 7)
        found = ids[name]
        if isinstance(found, dict):  # an invitation id: the team's or the organisation's
            found = found.get(rule.endpoint.split(".")[0], found["default"])
        return str(found)

    return re.sub(r"<([^>]+)>", value, rule.rule)


def routes_with_ids(app, ids, missing=False):
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, _fill(rule, ids, missing)))
    return found


def test_every_route_is_accounted_for(app):
    without_ids = {rule.rule for rule in app.url_map.iter_rules() if "<int:" not in rule.rule}
    assert without_ids == NO_ID, "decide who may reach the new route and list it here"


def test_an_outsider_gets_404_everywhere_and_changes_nothing(app, make_client, make_user, world):
    outsider = make_client(make_user("outsider@example.org"))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    routes = routes_with_ids(app, world) + [(method, rule.rule) for rule in app.url_map.iter_rules()
                                            if rule.rule in NO_ID_STAFF_ONLY
                                            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) > 40
    for method, url in routes:
        response = outsider.open(url, method=method, data=HOSTILE_FORM if method == "POST" else None)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    db.session.expire_all()
    application = db.session.get(Application, world["application_id"])
    assert (application.status, application.school_name) == (Status.submitted, "Bayou School")


def test_a_visitor_learns_nothing_from_an_id(app, make_client, world):
    visitor = make_client()
    for (method, url), (_, absent) in zip(routes_with_ids(app, world), routes_with_ids(app, world, missing=True)):
        response = visitor.open(url, method=method, data=HOSTILE_FORM if method == "POST" else None)
        assert response.status_code in (302, 404), f"{method} {url} answered {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], url
        other = visitor.open(absent, method=method, data=HOSTILE_FORM if method == "POST" else None)
        assert other.status_code == response.status_code, f"{method} {url}: a real id answers differently"


def test_every_post_needs_a_csrf_token(app, make_client, admin, world):
    """Even for someone allowed to post, a form without the token is refused and nothing happens."""
    browser = make_client(admin)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    posts = [url for method, url in routes_with_ids(app, world) if method == "POST"]
    posts += [rule.rule for rule in app.url_map.iter_rules()
              if rule.rule in NO_ID and "POST" in rule.methods and "<" not in rule.rule]
    for url in posts:
        response = browser.post(url, data=HOSTILE_FORM, csrf=False)
        assert response.status_code in (400, 404), f"POST {url} answered {response.status_code} without a token"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
