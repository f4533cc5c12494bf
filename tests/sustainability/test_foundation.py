"""The foundation's invariants: the report table, the frozen verified report, who sees a school."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from incubator.core.errors import InvalidTransition
from incubator.core.permissions import can
from incubator.extensions import db
from incubator.sustainability import figures, lifecycle, states
from incubator.sustainability.models import AnnualReport
from incubator.sustainability.states import ReportStatus

ALLOWED = {(ReportStatus.draft, ReportStatus.submitted), (ReportStatus.returned, ReportStatus.submitted),
           (ReportStatus.submitted, ReportStatus.verified), (ReportStatus.submitted, ReportStatus.returned)}


@pytest.mark.parametrize("current", list(ReportStatus))
@pytest.mark.parametrize("target", list(ReportStatus))
def test_the_report_table(current, target):
    if (current, target) in ALLOWED:
        assert states.check(current, target).startswith("sustainability.report.")
    else:
        with pytest.raises(InvalidTransition):
            states.check(current, target)


def test_a_verified_report_cannot_change_through_the_orm_or_in_the_database(school_world):
    report = school_world.make_report(1, ReportStatus.verified)
    report.actual_enrollment = 1
    with pytest.raises(RuntimeError, match="frozen"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="frozen"):
        db.session.execute(sa.update(AnnualReport).where(AnnualReport.id == report.id).values(actual_enrollment=1))
    db.session.rollback()
    assert db.session.get(AnnualReport, report.id).actual_enrollment == 190


def test_one_open_revision_of_a_year_at_a_time(school_world):
    school_world.make_report(1, ReportStatus.verified)
    school_world.make_report(1, ReportStatus.draft, revision=2)
    with pytest.raises(IntegrityError):
        school_world.make_report(1, ReportStatus.submitted, revision=3)
    db.session.rollback()


def test_the_move_is_compare_and_set_and_audited(school_world):
    from incubator.core.audit import AuditEvent

    report = school_world.make_report(1, ReportStatus.submitted)
    lifecycle.move(report, ReportStatus.returned, actor=school_world.finance, comment="Cash?",
                   returned_at=report.submitted_at)
    db.session.commit()
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.from_state, event.to_state) == ("sustainability.report.returned", "submitted",
                                                                "returned")
    # Another request submits it again meanwhile; this one still holds the returned report.
    db.session.execute(sa.update(AnnualReport).where(AnnualReport.id == report.id)
                       .values(status=ReportStatus.submitted, version=AnnualReport.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(lifecycle.ChangedMeanwhile):
        lifecycle.move(report, ReportStatus.submitted, actor=school_world.lead)
    db.session.rollback()


def test_only_the_latest_verified_revision_counts(school_world):
    school_world.make_report(1, ReportStatus.verified)
    school_world.make_report(1, ReportStatus.verified, revision=2, public_federal_cents=0)
    school_world.make_report(2, ReportStatus.submitted)
    years = figures.verified_years([school_world.school.id])[school_world.school.id]
    assert [(f.year, f.public_federal_cents) for f in years] == [(1, 0)]


def test_who_sees_the_school(school_world, other_org_finance, make_user):
    school = school_world.school
    for person in (school_world.finance, school_world.staff, school_world.lead, school_world.member,
                   school_world.reporter):
        assert can(person, "view", school)
    assert not can(other_org_finance, "view", school)
    assert not can(make_user("nobody@example.org"), "view", school)
    assert can(school_world.finance, "manage", school) and not can(school_world.staff, "manage", school)
    assert can(school_world.reporter, "report", school) and not can(school_world.finance, "report", school)
