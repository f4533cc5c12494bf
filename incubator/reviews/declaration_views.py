"""The reviewer's declarations: per assignment on first opening it, and a blind round's list."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import conflict_services, declarations
from incubator.reviews.conflict_forms import CsrfForm, DeclarationForm
from incubator.reviews.models import Assignment, ReviewRound
from incubator.reviews.views import bp


def _own_assignment_or_404(assignment_id: int) -> Assignment:
    # "score": the assigned reviewer, holding the role, without an active conflict; staff get 404 too
    # (this page is the reviewer's own step).
    assignment = visible_or_404(Assignment, assignment_id, "score")
    if assignment.reviewer_id != current_user.id:
        abort(404)
    return assignment


def _declaration_page(assignment: Assignment, form: DeclarationForm, status: int = 200):
    application = assignment.application
    return render_template("reviews/declare.html", assignment=assignment, round=assignment.round,
                           application=application, blind=assignment.round.is_blind, form=form,
                           members=sorted(application.team.members, key=lambda m: (not m.is_lead, m.id))
                           if not assignment.round.is_blind else [],
                           scoring_url=declarations.scoring_url(assignment), tz=assignment.round.timezone), status


@bp.route("/assignments/<int:assignment_id>/declare", methods=["GET", "POST"])
@login_required
def assignment_declare(assignment_id: int):
    assignment = _own_assignment_or_404(assignment_id)
    if declarations.needs_round_list(assignment.round, current_user):
        return redirect(url_for(".round_declare", round_id=assignment.round_id, next_assignment=assignment.id))
    form = DeclarationForm()
    if request.method == "GET":
        return _declaration_page(assignment, form)
    if not form.validate_on_submit():
        return _declaration_page(assignment, form, 422)
    now = utcnow()
    try:
        if form.choice.data == "none" and assignment.declared_at is not None:
            return redirect(declarations.scoring_url(assignment))
        if form.choice.data == "none":
            declarations.confirm_no_conflict(assignment, actor=current_user, now=now)
        else:
            conflict_services.declare(assignment, form.note.data, actor=current_user, now=now)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _declaration_page(assignment, form, 422)
    if form.choice.data == "none":
        flash("Thank you. You may now review this application.", "success")
        return redirect(declarations.scoring_url(assignment))
    flash("Thank you for telling us. This application was removed from your reviews, and staff were told.",
          "success")
    return redirect(declarations.queue_url())


def _next_assignment() -> Assignment | None:
    """The assignment the reviewer was opening when sent to the list (theirs only)."""
    given = request.values.get("next_assignment", "")
    if not is_plain_id(given):
        return None
    assignment = db.session.get(Assignment, int(given))
    if assignment is None or not can(current_user, "score", assignment) or assignment.reviewer_id != current_user.id:
        return None
    return assignment


@bp.route("/rounds/<int:round_id>/declare", methods=["GET", "POST"])
@login_required
def round_declare(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "take_part")
    if not review_round.is_blind:
        abort(404)
    entries = declarations.round_list(review_round, current_user)
    row = declarations.pool_entry(review_round, current_user)
    following = _next_assignment()
    following_id = following.id if following is not None else None
    if request.method == "POST":
        known = {e.token for e in entries}
        ticked = [t for t in request.form.getlist("entry")[:len(entries)] if t in known]
        added = declarations.declare_round_list(review_round, ticked, actor=current_user, now=utcnow())
        db.session.commit()
        if added:
            flash("Thank you. The applications tied to the people and organizations you know were removed "
                  "from your reviews.", "success")
        else:
            flash("Thank you. You may now open your applications.", "success")
        following = db.session.get(Assignment, following_id) if following_id else None
        if following is not None and can(current_user, "score", following):
            return redirect(url_for(".assignment_declare", assignment_id=following_id))
        return redirect(declarations.queue_url())
    return render_template("reviews/round_declare.html", round=review_round, entries=entries, row=row,
                           following=following, form=CsrfForm(), tz=review_round.timezone)
