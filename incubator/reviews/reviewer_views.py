"""The reviewer's pages: their queue, the scoring form (saved, autosaved, submitted), and staff
reopening a submitted review. Files a reviewer downloads: reviewer_files.py."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.accounts.models import Role
from incubator.applications.editing import CORE_LABELS, answer_text
from incubator.applications.forms import PLAN_YEARS, SCHOOL_FIELDS
from incubator.challenges.models import MODEL_ELEMENTS, Challenge, QuestionKind, Track
from incubator.core.arrival import received_at
from incubator.core.errors import DomainError
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import format_local, utcnow
from incubator.extensions import db
from incubator.reviews import blind, declarations, queue, reviewing
from incubator.reviews.models import Assignment, ReviewRound
from incubator.reviews.permissions import staff_of
from incubator.reviews.states import Recommendation, ReviewStatus
from incubator.reviews.views import bp


def _declaration_redirect(assignment: Assignment) -> str | None:
    """Where the reviewer must declare conflicts before anything of the application is shown
    (None: they may go on): a blind round's list first, then this application's declaration."""
    return declarations.next_step_url(assignment, current_user)


# What every page of an assignment reads, in the one query that loads it.
_PAGE_LOADS = (joinedload(Assignment.round).joinedload(ReviewRound.challenge).joinedload(Challenge.organisation),
               joinedload(Assignment.application))


def reviewer_assignment_or_404(assignment_id: int, action: str = "view") -> tuple[Assignment, bool]:
    """The assignment (404 unless the user may do `action`) and whether the user is its reviewer
    (otherwise they are the organization's staff)."""
    assignment = visible_or_404(Assignment, assignment_id, action=action, options=_PAGE_LOADS)
    # Seeing it as anyone but staff already meant being its (unconflicted) reviewer.
    is_reviewer = assignment.reviewer_id == current_user.id and (
        not staff_of(current_user, assignment.round.organisation_id) or can(current_user, "score", assignment))
    return assignment, is_reviewer


def application_context(assignment: Assignment, *, blinded: bool) -> dict:
    """What templates/reviews/_application.html shows of the application."""
    application = assignment.application
    years = {y.year_number: y for y in application.financial_years}
    hides_school = blinded and application.school_name_identifies_team
    shown = [key for key in SCHOOL_FIELDS[Track(application.challenge.track)]
             if not (hides_school and key == "school_name")]
    facts = [(CORE_LABELS[key], "" if getattr(application, key) is None else str(getattr(application, key)))
             for key in shown]
    answers = {a.question_id: a for a in application.answers}
    attachments = sorted(application.attachments, key=lambda a: (a.uploaded_at is None, a.uploaded_at, a.id))
    names = {a.id: (blind.attachment_name(a) if blinded else a.original_filename) for a in attachments}
    return {"application": application, "challenge": application.challenge, "blind": blinded,
            "hides_school": hides_school, "facts": facts, "model_elements": MODEL_ELEMENTS,
            "answers": answers, "answer_text": answer_text, "QuestionKind": QuestionKind,
            "plan": [(n, years.get(n)) for n in PLAN_YEARS], "attachments": attachments, "file_names": names,
            "label": blind.label_for(assignment) if blinded else (application.school_name or "Untitled school")}


@bp.get("/queue")
@login_required
def reviewer_queue():
    if not current_user.organisations_with(Role.reviewer):
        abort(404)
    groups = queue.queue(current_user)
    total = sum(len(g.rows) for g in groups)
    done = sum(g.submitted for g in groups)
    now = utcnow()
    return render_template("reviews/queue.html", groups=groups, total=total, done=done, now=now,
                           bidding=queue.rounds_taking_bids(current_user, now))


def _saved_values(assignment: Assignment) -> tuple[dict, dict]:
    values, comments = {}, {}
    for row in assignment.scores:
        values[row.criterion_id] = reviewing.NA if row.is_na else ("" if row.value is None else str(row.value))
        comments[row.criterion_id] = row.comment
    return values, comments


def _page(assignment: Assignment, is_reviewer: bool, *, errors=(), posted=None, status: int = 200):
    review_round = assignment.round
    blinded = review_round.is_blind and (is_reviewer or not can(current_user, "see_review", assignment))
    if posted is not None:  # the reviewer's own input back, after a refusal
        values = {c.id: posted.get(f"score-{c.id}", "") for c in review_round.criteria}
        comments = {c.id: posted.get(f"comment-{c.id}", "") for c in review_round.criteria}
        overall, recommendation = posted.get("overall_comment", ""), posted.get("recommendation", "")
    else:
        values, comments = _saved_values(assignment)
        overall = assignment.overall_comment
        recommendation = str(assignment.recommendation) if assignment.recommendation else ""
    now = utcnow()
    locked = assignment.status == ReviewStatus.submitted
    return render_template(
        "reviews/score.html", assignment=assignment, review_round=review_round, criteria=review_round.criteria,
        is_reviewer=is_reviewer, is_staff=can(current_user, "see_review", assignment), locked=locked,
        can_edit=is_reviewer and not locked and review_round.is_open(now), values=values, comments=comments,
        overall=overall, recommendation=recommendation, recommendations=list(Recommendation), errors=list(errors),
        na=reviewing.NA, now=now, comment_max=reviewing.COMMENT_MAX, overall_max=reviewing.OVERALL_COMMENT_MAX,
        **application_context(assignment, blinded=blinded)), status


@bp.get("/assignments/<int:assignment_id>")
@login_required
def score(assignment_id: int):
    assignment, is_reviewer = reviewer_assignment_or_404(assignment_id)
    if is_reviewer and (step := _declaration_redirect(assignment)):
        return redirect(step)
    if not is_reviewer and not can(current_user, "see_review", assignment):
        abort(404)
    return _page(assignment, is_reviewer)


@bp.post("/assignments/<int:assignment_id>")
@login_required
def save(assignment_id: int):
    assignment, _ = reviewer_assignment_or_404(assignment_id, action="score")
    if step := _declaration_redirect(assignment):
        return redirect(step)
    action = request.form.get("action")
    action = action if action in ("save", "submit", "next") else "save"
    service = reviewing.save_draft if action == "save" else reviewing.submit
    try:
        service(assignment, request.form, actor=current_user, now=received_at(), version=request.form.get("version"))
    except DomainError as error:
        db.session.rollback()
        errors = error.errors if isinstance(error, reviewing.InvalidReview) else [str(error)]
        status = 409 if isinstance(error, (reviewing.StaleReview, reviewing.ReviewLocked)) else 422
        db.session.refresh(assignment)
        locked = isinstance(error, reviewing.ReviewLocked)  # show what was submitted, not the attempt
        return _page(assignment, True, errors=errors, posted=None if locked else request.form, status=status)
    db.session.commit()
    if action == "save":
        flash(f"Draft saved at {format_local(assignment.updated_at, assignment.round.timezone, '%H:%M')}.", "success")
        return redirect(url_for(".score", assignment_id=assignment.id))
    flash("Review submitted. Thank you! It is locked now; staff can reopen it if needed.", "success")
    if action == "next":
        following = queue.next_unfinished(current_user, assignment, utcnow())
        if following is not None:
            return redirect(url_for(".score", assignment_id=following.id))
        flash("That was your last review to do.", "info")
    return redirect(url_for(".reviewer_queue"))


@bp.post("/assignments/<int:assignment_id>/autosave")
@login_required
def autosave(assignment_id: int):
    assignment, _ = reviewer_assignment_or_404(assignment_id, action="score")
    if _declaration_redirect(assignment):
        return jsonify(error="Declare whether you have a conflict of interest first."), 409
    try:
        reviewing.save_draft(assignment, request.form, actor=current_user, now=received_at(),
                             version=request.form.get("version"))
    except (reviewing.StaleReview, reviewing.ReviewLocked) as error:
        db.session.rollback()
        return jsonify(error=str(error)), 409
    except reviewing.InvalidReview as error:
        db.session.rollback()
        return jsonify(error="Not saved: " + " ".join(error.errors), errors=error.errors), 422
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 422
    db.session.commit()
    return jsonify(version=assignment.version, status=str(assignment.status),
                   score=None if assignment.score is None else round(assignment.score, 1),
                   saved_at=format_local(assignment.updated_at, assignment.round.timezone, "%H:%M"))


@bp.post("/assignments/<int:assignment_id>/reopen")
@login_required
def reopen(assignment_id: int):
    assignment = visible_or_404(Assignment, assignment_id, action="reopen")
    try:
        reviewing.reopen(assignment, actor=current_user, reason=request.form.get("reason", ""), now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".score", assignment_id=assignment.id) + "#reopen")
    db.session.commit()
    flash(f"The review is a draft again; {assignment.reviewer.display_name} was told by email.", "success")
    return redirect(url_for(".score", assignment_id=assignment.id))


from incubator.reviews import reviewer_files  # noqa: E402,F401  (its routes)
