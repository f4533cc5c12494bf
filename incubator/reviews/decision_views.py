"""Staff decide per application or in batches (with a confirmation page that previews the
team's email and warns beyond the challenge's slots), and read a round's decisions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.applications.models import Application
from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import decisions, mail
from incubator.reviews.decision_forms import BatchForm, DecisionForm
from incubator.reviews.feedback import shared_feedback
from incubator.reviews.models import ReviewRound
from incubator.reviews.states import Outcome
from incubator.reviews.views import bp


@bp.app_template_global("review_feedback_for")
def review_feedback_for(application, user):
    """For the team's application page: the reviewers' comments staff shared, without names."""
    return shared_feedback(application, user)


def _round_and_application(round_id: int, application_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    application = db.session.get(Application, application_id) if 0 < application_id < 2**31 else None
    if application is None or not decisions.in_round(review_round, application):
        abort(404)
    return review_round, application


def _decide_page(review_round, application, form, status=200, preview=None, over_slots=None):
    return render_template(
        "reviews/decide.html", review_round=review_round, application=application, form=form,
        decision=decisions.current_decision(review_round, application), preview=preview, over_slots=over_slots,
        is_last_round=decisions.next_round(review_round) is None), status


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>/decide", methods=["GET", "POST"])
@login_required
def decide(round_id: int, application_id: int):
    review_round, application = _round_and_application(round_id, application_id)
    if request.method == "GET":
        current = decisions.current_decision(review_round, application)
        form = DecisionForm(data={"outcome": current.outcome.value if current else None,
                                  "rationale": current.rationale if current else "",
                                  "shares_comments": current.shares_comments if current else False,
                                  "expected_status": application.status.value})
        return _decide_page(review_round, application, form)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _decide_page(review_round, application, form, 422)
    if request.form.get("action") == "preview":
        return _decide_page(review_round, application, form,
                            preview=mail.preview(review_round, application, Outcome(form.outcome.data),
                                                 form.rationale.data))
    try:
        decisions.decide(review_round, application, form.outcome.data, form.rationale.data, actor=current_user,
                         now=utcnow(), shares_comments=form.shares_comments.data,
                         expected_status=form.expected_status.data, confirm_over_slots=form.confirm_over_slots.data)
    except decisions.OverSlots as error:
        db.session.rollback()
        return _decide_page(review_round, application, form, 409, over_slots=error)
    except decisions.DecidedMeanwhile as error:
        db.session.rollback()
        flash(str(error), "error")
        db.session.refresh(application)
        form.expected_status.data = application.status.value
        return _decide_page(review_round, application, form, 409)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _decide_page(review_round, application, form, 409)
    db.session.commit()
    flash(f"Decision saved: {application.school_name or application.team.name} is now "
          f"{application.status.label.lower()}.", "success")
    return redirect(url_for(".decisions_list", round_id=review_round.id))


def _batch_ids(review_round, form) -> list[int] | None:
    """The applications of the batch: the ticked rows, or the top N; None when a value is hostile."""
    raw = request.form.getlist("application_ids")
    if any(not is_plain_id(value) for value in raw):
        return None
    ids = [int(value) for value in raw]
    if not ids and form.top.data:
        ids = decisions.top_ids(review_round, form.top.data)
    return list(dict.fromkeys(ids))


@bp.post("/rounds/<int:round_id>/decisions/batch")
@login_required
def decide_batch(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    form = BatchForm()
    valid = form.validate_on_submit()
    ids = _batch_ids(review_round, form)
    if ids is None:
        valid = False
        form.form_errors.append("The applications chosen could not be read. Go back to the ranking and choose again.")
        ids = []
    elif not ids and valid:
        valid = False
        form.form_errors.append("Choose at least one application (tick its row, or give a number for the top N).")
    applications = decisions.batch_applications(review_round, ids)
    page = dict(review_round=review_round, form=form, applications=applications, ids=ids, reasons=[],
                over_slots=None, preview=None)
    if not valid:
        return render_template("reviews/decide_batch.html", **page), 422
    args = dict(actor=current_user, now=utcnow(), shares_comments=form.shares_comments.data)
    if form.confirmed.data == "1":
        try:
            made = decisions.decide_batch(review_round, ids, form.outcome.data, form.rationale.data,
                                          confirm_over_slots=form.confirm_over_slots.data, **args)
        except decisions.OverSlots as error:
            db.session.rollback()
            page["over_slots"] = error
        except decisions.BatchRefused as error:
            db.session.rollback()
            page["reasons"] = error.reasons
        except DomainError as error:
            db.session.rollback()
            page["reasons"] = [str(error)]
        else:
            db.session.commit()
            flash(f"Decided {len(made)} application{'s' if len(made) != 1 else ''}: "
                  f"{Outcome(form.outcome.data).past.lower()}. The teams' emails are on their way.", "success")
            return redirect(url_for(".decisions_list", round_id=review_round.id))
        page["preview"] = _preview(review_round, applications, form)
        return render_template("reviews/decide_batch.html", **page), 409
    # First POST: try the batch without keeping anything, to show what would happen.
    page["over_slots"] = decisions.slots_warning(review_round, applications, form.outcome.data)
    page["reasons"] = _dry_run(review_round, ids, form, args)
    page["preview"] = _preview(review_round, applications, form)
    return render_template("reviews/decide_batch.html", **page)


def _dry_run(review_round, ids, form, args) -> list[str]:
    """Why the batch would be refused (empty: it would go through). Nothing is kept."""
    try:
        decisions.decide_batch(review_round, ids, form.outcome.data, form.rationale.data, confirm_over_slots=True,
                               **args)
    except decisions.BatchRefused as error:
        return error.reasons
    except DomainError as error:
        return [str(error)]
    finally:
        db.session.rollback()  # the whole request's transaction: the dry run's mail and audit go with it
    return []


def _preview(review_round, applications, form):
    if not applications:
        return None
    return mail.preview(review_round, applications[0], Outcome(form.outcome.data), form.rationale.data)


@bp.get("/rounds/<int:round_id>/decisions")
@login_required
def decisions_list(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    page = paginate(decisions.round_decisions(review_round))
    return render_template("reviews/decisions.html", review_round=review_round, page=page,
                           timezone=review_round.timezone)
