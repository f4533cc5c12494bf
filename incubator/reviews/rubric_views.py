"""Staff's pages of a round's rubric: the rubric with a preview of what reviewers see, criteria
(add, edit, remove, move), the default rubric and a copy of another round's rubric."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from incubator.core.errors import DomainError, NotFound
from incubator.core.forms import is_plain_id
from incubator.core.permissions import visible_or_404
from incubator.extensions import db
from incubator.reviews import round_forms as forms
from incubator.reviews import rubrics
from incubator.reviews.models import Criterion, ReviewRound
from incubator.reviews.round_views import CHANGED_MEANWHILE, copy_choices
from incubator.reviews.views import bp


def _rubric_url(review_round: ReviewRound, anchor: str = "") -> str:
    return url_for(".rubric", round_id=review_round.id) + anchor


def _copy_form(review_round: ReviewRound) -> forms.CopyRubricForm:
    form = forms.CopyRubricForm()
    form.source_round.choices = copy_choices(review_round.organisation_id, review_round.id)
    return form


@bp.get("/rounds/<int:round_id>/rubric")
@login_required
def rubric(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    criteria = review_round.criteria
    total = sum(c.weight for c in criteria)
    return render_template("reviews/rubric.html", review_round=review_round, challenge=review_round.challenge,
                           criteria=criteria, total_weight=total, locked=rubrics.is_locked(review_round),
                           copy_form=_copy_form(review_round), form=forms.CsrfForm(), locked_reason=rubrics.LOCKED)


def _criterion_or_404(review_round: ReviewRound, criterion_id: int) -> Criterion:
    criterion = visible_or_404(Criterion, criterion_id, "manage")
    if criterion.round_id != review_round.id:
        abort(404)
    return criterion


def _criterion_page(review_round, criterion, form, status):
    return render_template("reviews/criterion_form.html", review_round=review_round, criterion=criterion, form=form,
                           challenge=review_round.challenge, locked=rubrics.is_locked(review_round)), status


def _save(review_round: ReviewRound, form: forms.CriterionForm, operation, target, anchor: str, criterion=None):
    try:
        saved = operation(target, form.data_(), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form.title.errors = [*form.title.errors, str(error)]
        return _criterion_page(review_round, criterion, form, 422)
    db.session.commit()
    flash(f"Saved the criterion {saved.title}.", "success")
    return redirect(_rubric_url(review_round, f"#criterion-{saved.id}"))


@bp.route("/rounds/<int:round_id>/criteria/new", methods=["GET", "POST"])
@login_required
def criterion_add(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    form = forms.CriterionForm()
    if form.validate_on_submit():
        return _save(review_round, form, rubrics.add_criterion, review_round, "")
    return _criterion_page(review_round, None, form, 422 if request.method == "POST" else 200)


@bp.route("/rounds/<int:round_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@login_required
def criterion_edit(round_id: int, criterion_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    criterion = _criterion_or_404(review_round, criterion_id)
    if request.method == "GET":
        form = forms.CriterionForm(data={
            "title": criterion.title, "guidance": criterion.guidance, "weight": format(criterion.weight.normalize(), "f"),
            "scale_lo": criterion.scale_lo, "scale_hi": criterion.scale_hi, "allows_na": criterion.allows_na,
            "descriptors": "\n".join(text for _, text in criterion.points)})
    else:
        form = forms.CriterionForm()
    if form.validate_on_submit():
        return _save(review_round, form, rubrics.update_criterion, criterion, "", criterion)
    return _criterion_page(review_round, criterion, form, 422 if request.method == "POST" else 200)


def _run(review_round: ReviewRound, operation, *args, success: str, anchor: str = ""):
    form = forms.CsrfForm()
    form.validate_on_submit()  # CSRFProtect has already refused a POST without a valid token
    try:
        operation(*args, actor=current_user)
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        flash(CHANGED_MEANWHILE, "error")
    else:
        flash(success, "success")
    return redirect(_rubric_url(review_round, anchor))


@bp.post("/rounds/<int:round_id>/criteria/<int:criterion_id>/remove")
@login_required
def criterion_remove(round_id: int, criterion_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    criterion = _criterion_or_404(review_round, criterion_id)
    return _run(review_round, rubrics.remove_criterion, criterion, success=f"Removed the criterion {criterion.title}.")


@bp.post("/rounds/<int:round_id>/criteria/<int:criterion_id>/move")
@login_required
def criterion_move(round_id: int, criterion_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    criterion = _criterion_or_404(review_round, criterion_id)
    direction = request.form.get("direction", "")
    return _run(review_round, rubrics.move_criterion, criterion, direction,
                success=f"Moved {criterion.title} {direction[:10]}.", anchor=f"#criterion-{criterion.id}")


@bp.post("/rounds/<int:round_id>/rubric/default")
@login_required
def rubric_default(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    return _run(review_round, rubrics.use_default, review_round, success="The rubric now has the default criteria.")


@bp.post("/rounds/<int:round_id>/rubric/copy")
@login_required
def rubric_copy(round_id: int):
    """Another organization's round answers 404, as if it did not exist."""
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    value = request.form.get("source_round", "")
    if not is_plain_id(value):
        flash("Choose the round to copy the rubric from.", "error")
        return redirect(_rubric_url(review_round))
    source = visible_or_404(ReviewRound, int(value), "manage")
    return _run(review_round, rubrics.copy_from, review_round, source,
                success=f"Copied the rubric of {source.title} ({source.challenge.title}).")
