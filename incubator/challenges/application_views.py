"""Program staff's pages of a challenge's applications: list, CSV export, read, screen."""
import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from incubator.applications.editing import school_facts
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges import forms, listing, screening
from incubator.challenges.export import stream_csv
from incubator.challenges.models import MODEL_ELEMENTS, Challenge, QuestionKind
from incubator.challenges.views import bp
from incubator.core.audit import AuditEvent
from incubator.core.errors import DomainError
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db


@bp.get("/<int:challenge_id>/applications")
def applications(challenge_id: int):
    # The organisation comes with the challenge: the page shows times in its timezone.
    challenge = visible_or_404(Challenge, challenge_id, "manage", options=[joinedload(Challenge.organisation)])
    filters = listing.Filters.from_args(request.args)
    counts, total = listing.list_counts(challenge, filters)
    page = paginate(listing.applications_query(challenge, filters), scalars=False, total=total)
    return render_template("challenges/applications.html", challenge=challenge, page=page, filters=filters,
                           counts=counts, statuses=listing.STAFF_STATUSES, sorts=listing.SORT_LABELS)


@bp.get("/<int:challenge_id>/applications.csv")
def applications_csv(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    filters = listing.Filters.from_args(request.args)
    filename = f"{challenge.slug}-applications-{local(utcnow(), challenge.timezone):%Y%m%d}.csv"
    return Response(stream_with_context(stream_csv(challenge.id, filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _application_or_404(challenge: Challenge, application_id: int) -> Application:
    application = db.session.scalar(
        sa.select(Application).where(Application.id == application_id, Application.challenge_id == challenge.id,
                                     listing.staff_visible())
        .options(selectinload(Application.team).selectinload(Team.members).selectinload(TeamMember.user),
                 selectinload(Application.answers), selectinload(Application.financial_years),
                 selectinload(Application.attachments)))
    if application is None:
        abort(404)
    return application


def _render_application(challenge: Challenge, application: Application, form, status: int = 200):
    # The applications domain owns the downloads; its rule lets program staff of the organisation read them.
    pdf_url = url_for("applications.pdf", application_id=application.id) if application.pdf_path else None
    questions = sorted(challenge.questions, key=lambda q: (q.position, q.id))
    answers = {a.question_id: a for a in application.answers}
    history = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "Application", AuditEvent.object_id == application.id,
                                    AuditEvent.action == "application.screened")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template("challenges/application.html", history=history, challenge=challenge, application=application,
                           questions=questions, answers=answers, form=form, Status=Status,
                           QuestionKind=QuestionKind, pdf_url=pdf_url, school_facts=school_facts(application),
                           model_elements=MODEL_ELEMENTS,
                           attachment_url=lambda f: url_for("applications.download", application_id=application.id,
                                                            attachment_id=f.id)), status


@bp.get("/<int:challenge_id>/applications/<int:application_id>")
def application_detail(challenge_id: int, application_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    application = _application_or_404(challenge, application_id)
    return _render_application(challenge, application, forms.ScreeningForm())


@bp.post("/<int:challenge_id>/applications/<int:application_id>/screen")
def application_screen(challenge_id: int, application_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    application = _application_or_404(challenge, application_id)
    form = forms.ScreeningForm()
    if not form.validate_on_submit():
        return _render_application(challenge, application, form, 422)
    eligible = form.decision.data == "eligible"
    try:
        screening.screen(application, eligible=eligible, reason=form.reason.data, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Marked eligible." if eligible else "Marked ineligible. The team will be told by email, with your reason.",
              "success")
    return redirect(url_for(".application_detail", challenge_id=challenge.id, application_id=application.id))
