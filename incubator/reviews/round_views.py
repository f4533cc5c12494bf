"""Staff's pages of a challenge's review rounds: the list, a new round, a round's overview, its
settings, deletion, order, and its pool of reviewers. The rubric's pages are in rubric_views."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from incubator.accounts.models import User
from incubator.challenges.models import Challenge
from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id
from incubator.core.pagination import Page, page_number
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import from_local, local
from incubator.extensions import db
from incubator.reviews import round_forms as forms
from incubator.reviews import rounds, rubrics
from incubator.reviews.models import ReviewRound
from incubator.reviews.views import bp

POOL_PAGE = 50
CHANGED_MEANWHILE = "Someone else changed this round a moment ago. Reload the page and try again."
# The other staff pages of a round, built by other parts of review; linked once they exist.
# The staff pages of a round, in the order the work goes.
ROUND_PAGES = (("Assignments", "reviews.assignment_overview"), ("Conflicts of interest", "reviews.round_conflicts"),
               ("Dashboard", "reviews.round_dashboard"), ("Ranking", "reviews.ranking_page"),
               ("Decisions", "reviews.decisions_list"))


def round_links(review_round: ReviewRound) -> list[tuple[str, str]]:
    return [(label, url_for(endpoint, round_id=review_round.id)) for label, endpoint in ROUND_PAGES]


def _round_data(form: forms.RoundForm, tz_name: str) -> rounds.RoundData:
    return rounds.RoundData(
        title=form.title.data, instructions=form.instructions.data or "",
        opens_at=from_local(form.opens_at.data, tz_name), closes_at=from_local(form.closes_at.data, tz_name),
        reviewers_per_application=form.reviewers_per_application.data, max_load=form.max_load.data,
        is_blind=form.is_blind.data, entry=form.entry.data, has_bids=form.has_bids.data)


def copy_choices(organisation_id: int, exclude_round_id: int | None = None) -> list[tuple[str, str]]:
    sources = rubrics.copy_sources(organisation_id, exclude_round_id)
    return [("", "Choose a round")] + [
        (str(r.id), f"{r.title} ({r.challenge.title}, {len(r.criteria)} criteria)") for r in sources]


def _attach(form: forms.RoundForm, error: DomainError) -> None:
    """Show a refusal next to the setting it is about (the summary at the top links to it)."""
    message = str(error)
    if "first round" in message or "which applications" in message:
        target = form.entry
    elif "blind" in message:
        target = form.is_blind
    elif "rubric" in message and hasattr(form, "copy_from"):
        target = form.copy_from
    else:
        target = form.title
    target.errors = [*target.errors, message]


def _suggest_times(form: forms.NewRoundForm, challenge: Challenge, tz: str) -> None:
    """Two weeks from 9:00 the day after the challenge (or the last round) closes, to 17:00."""
    existing = rounds.rounds_of(challenge)
    after = max([challenge.closes_at, *(r.closes_at for r in existing)])
    start = local(after, tz).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(days=1)
    form.opens_at.data = start
    form.closes_at.data = (start + timedelta(days=14)).replace(hour=17)


@bp.get("/challenges/<int:challenge_id>/rounds")
@login_required
def rounds_list(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    return render_template("reviews/round_list.html", challenge=challenge, rounds=rounds.rounds_of(challenge),
                           form=forms.CsrfForm())


@bp.route("/challenges/<int:challenge_id>/rounds/new", methods=["GET", "POST"])
@login_required
def round_new(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    tz = challenge.timezone
    form = forms.NewRoundForm()
    form.show_zone(tz)
    form.copy_from.choices = copy_choices(challenge.organisation_id)
    first = not rounds.rounds_of(challenge)
    if request.method == "GET":
        _suggest_times(form, challenge, tz)
        if not first:
            form.entry.data = "advanced"
    if form.validate_on_submit():
        source = None
        if form.rubric.data == "copy" and is_plain_id(form.copy_from.data):
            source = db.session.get(ReviewRound, int(form.copy_from.data))
        try:
            review_round = rounds.create_round(challenge, _round_data(form, tz), actor=current_user,
                                               rubric=form.rubric.data, copy_source=source)
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(f"Created the round {review_round.title} with {len(review_round.reviewers)} reviewers in its pool "
                  f"and {len(review_round.criteria)} criteria.", "success")
            return redirect(url_for(".round_detail", round_id=review_round.id))
    return render_template("reviews/round_form.html", challenge=challenge, review_round=None, form=form,
                           first=first), 422 if request.method == "POST" else 200


@bp.get("/rounds/<int:round_id>")
@login_required
def round_detail(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    return render_template(
        "reviews/round_detail.html", review_round=review_round, challenge=review_round.challenge,
        round_pages=round_links(review_round), pool=_pool_page(review_round), candidates=rounds.candidates(review_round),
        open_counts=rounds.open_assignment_counts(review_round), locked=rubrics.is_locked(review_round),
        delete_problem=rounds.delete_problem(review_round), add_form=_add_form(review_round),
        form=forms.CsrfForm())


def _pool_page(review_round: ReviewRound) -> Page:
    everyone = rounds.pool(review_round)
    number = min(page_number(), max(1, -(-len(everyone) // POOL_PAGE)))
    return Page(items=everyone[(number - 1) * POOL_PAGE:number * POOL_PAGE], page=number, per_page=POOL_PAGE,
                total=len(everyone))


def _add_form(review_round: ReviewRound) -> forms.AddReviewerForm:
    form = forms.AddReviewerForm()
    form.reviewer.choices = [("", "Choose a reviewer")] + [
        (str(u.id), f"{u.name} ({u.email})" if u.name else u.email) for u in rounds.candidates(review_round)]
    return form


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def round_edit(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    tz = review_round.timezone
    form = forms.RoundForm(obj=review_round if request.method == "GET" else None)
    form.show_zone(tz)
    if request.method == "GET":
        form.opens_at.data = local(review_round.opens_at, tz).replace(tzinfo=None)
        form.closes_at.data = local(review_round.closes_at, tz).replace(tzinfo=None)
        form.entry.data = review_round.entry.value
    elif form.validate_on_submit():
        try:
            changed = rounds.update_round(review_round, _round_data(form, tz), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash("Saved the round." if changed else "Nothing changed.", "success")
            return redirect(url_for(".round_detail", round_id=review_round.id))
    return render_template("reviews/round_form.html", challenge=review_round.challenge, review_round=review_round,
                           form=form, first=rounds.is_first(review_round)), 422 if request.method == "POST" else 200


@bp.route("/rounds/<int:round_id>/delete", methods=["GET", "POST"])
@login_required
def round_delete(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    challenge = review_round.challenge
    form = forms.CsrfForm()
    if form.validate_on_submit():
        title = review_round.title
        try:
            rounds.delete_round(review_round, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for(".round_detail", round_id=round_id))
        db.session.commit()
        flash(f"Deleted the round {title}.", "success")
        return redirect(url_for(".rounds_list", challenge_id=challenge.id))
    return render_template("reviews/round_delete.html", review_round=review_round, challenge=challenge, form=form,
                           problem=rounds.delete_problem(review_round),
                           assignments=sum(rounds.open_assignment_counts(review_round).values()))


def _run(review_round: ReviewRound, operation, *args, success: str, back: str | None = None):
    """Run a round operation for the current user; commit on success, explain a refusal."""
    try:
        result = operation(review_round, *args, actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    except (IntegrityError, StaleDataError):  # another staff member changed the same rows a moment ago
        db.session.rollback()
        flash(CHANGED_MEANWHILE, "error")
    else:
        flash(success.format(result=result), "success")
    return redirect(back or url_for(".round_detail", round_id=review_round.id))


@bp.post("/rounds/<int:round_id>/move")
@login_required
def round_move(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    direction = request.form.get("direction", "")
    return _run(review_round, rounds.move_round, direction, success=f"Moved {review_round.title} {direction[:10]}.",
                back=url_for(".rounds_list", challenge_id=review_round.challenge_id))


# ---- the pool ------------------------------------------------------------------------------------

@bp.post("/rounds/<int:round_id>/pool")
@login_required
def pool_add(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    form = _add_form(review_round)
    form.validate_on_submit()  # only the CSRF token to check: CSRFProtect already refused a missing one
    user = db.session.get(User, int(form.reviewer.data)) if is_plain_id(form.reviewer.data) else None
    if user is None:
        flash("Choose a reviewer of the organization to add.", "error")
        return redirect(url_for(".round_detail", round_id=round_id) + "#pool")
    return _run(review_round, rounds.add_reviewer, user, success=f"Added {user.name or user.email} to the pool.",
                back=url_for(".round_detail", round_id=round_id) + "#pool")


def _pool_member(review_round: ReviewRound, reviewer_id: int):
    row = rounds.member(review_round, reviewer_id)
    if row is None:
        abort(404)
    return row


@bp.post("/rounds/<int:round_id>/pool/<int:reviewer_id>/remove")
@login_required
def pool_remove(round_id: int, reviewer_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    row = _pool_member(review_round, reviewer_id)
    name = row.user.name or row.user.email
    return _run(review_round, rounds.remove_reviewer, reviewer_id,
                success=f"Removed {name} from the pool, with {{result}} assignment(s) that had no submitted review.",
                back=url_for(".round_detail", round_id=round_id) + "#pool")


@bp.post("/rounds/<int:round_id>/pool/<int:reviewer_id>/max")
@login_required
def pool_max(round_id: int, reviewer_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    row = _pool_member(review_round, reviewer_id)
    form = forms.OwnMaxForm()
    back = url_for(".round_detail", round_id=round_id) + "#pool"
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors) or "Enter a number.", "error")
        return redirect(back)
    name = row.user.name or row.user.email
    what = "no maximum of their own" if form.max_load.data is None else f"a maximum of {form.max_load.data}"
    return _run(review_round, rounds.set_own_max, reviewer_id, form.max_load.data,
                success=f"{name} now has {what}.", back=back)


# Imported for its routes.
from incubator.reviews import rubric_views  # noqa: E402,F401
