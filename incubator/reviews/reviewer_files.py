"""Files a reviewer can reach: the application's attachments and its PDF copy (blind in a blind
round: neutral names, no metadata), and staff marking a school name as identifying."""
from io import BytesIO

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from incubator.applications import attachments
from incubator.applications.models import Application, Attachment
from incubator.core import audit
from incubator.core.forms import is_plain_id
from incubator.core.permissions import can
from incubator.extensions import db
from incubator.reviews import blind
from incubator.reviews.models import Assignment
from incubator.reviews.permissions import staff_of
from incubator.reviews.reviewer_views import _declaration_redirect, reviewer_assignment_or_404
from incubator.reviews.views import bp


def _readable(assignment_id: int) -> tuple[Assignment, bool]:
    """The assignment for its reviewer (once declared) or the staff; the second value: blind copy."""
    assignment, is_reviewer = reviewer_assignment_or_404(assignment_id)
    if is_reviewer:
        if _declaration_redirect(assignment):
            abort(404)  # nothing of the application before the declaration
    elif not can(current_user, "see_review", assignment):
        abort(404)
    return assignment, assignment.round.is_blind and is_reviewer


def _download(data_or_path, *, mimetype: str, name: str):
    response = send_file(data_or_path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/assignments/<int:assignment_id>/attachments/<int:attachment_id>")
@login_required
def reviewer_attachment(assignment_id: int, attachment_id: int):
    assignment, blinded = _readable(assignment_id)
    attachment = db.session.get(Attachment, attachment_id) if 0 < attachment_id < 2**31 else None
    if attachment is None or attachment.application_id != assignment.application_id:
        abort(404)
    path = attachments.path_of(attachment)
    if not path.is_file():
        current_app.logger.error("Attachment %s has no file on disk", attachment.id)
        abort(404)
    if not blinded:
        return _download(path, mimetype=attachment.content_type, name=attachments.download_name(attachment))
    try:
        data = blind.stripped_copy(attachment, path.read_bytes())
    except blind.CannotStrip as error:
        current_app.logger.warning("Attachment %s could not be cleaned for blind review: %s", attachment.id, error)
        flash("That file could not be prepared for blind review (its author details could not be removed). "
              "The program staff have been told; ask them for a copy.", "error")
        return redirect(url_for(".score", assignment_id=assignment.id))
    return _download(BytesIO(data), mimetype=attachment.content_type, name=blind.attachment_name(attachment))


@bp.get("/assignments/<int:assignment_id>/application.pdf")
@login_required
def reviewer_application_pdf(assignment_id: int):
    assignment, blinded = _readable(assignment_id)
    review_round = assignment.round
    if blinded:
        data = blind.application_pdf(assignment.application, review_round)
        name = f"{blind.neutral_label(assignment, review_round).lower().replace(' ', '-')}.pdf"
    else:
        from incubator.applications.pdf import render_application

        data = render_application(assignment.application)
        name = f"application-{assignment.application_id}.pdf"
    return _download(BytesIO(data), mimetype="application/pdf", name=name)


@bp.post("/applications/<int:application_id>/identifying")
@login_required
def mark_identifying(application_id: int):
    application = db.session.get(Application, application_id) if 0 < application_id < 2**31 else None
    if application is None or not staff_of(current_user, application.challenge.organisation_id):
        abort(404)
    identifying = request.form.get("identifying") in ("y", "on", "1", "true")
    if identifying != application.school_name_identifies_team:
        application.school_name_identifies_team = identifying
        audit.record(current_user, "review.school_name_identifying" if identifying else
                     "review.school_name_not_identifying", application)
        db.session.commit()
    flash("Blind rounds now hide the school's name." if identifying
          else "Blind rounds now show the school's name.", "success")
    back = request.form.get("assignment_id", "")
    if is_plain_id(back):
        assignment = db.session.get(Assignment, int(back))
        if assignment is not None and assignment.application_id == application.id and \
                can(current_user, "see_review", assignment):
            return redirect(url_for(".score", assignment_id=assignment.id))
    return redirect(url_for("applications.detail", application_id=application.id))
