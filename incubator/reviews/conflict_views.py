"""Staff's conflicts page of a round: every conflict of its applications, add, lift, restore,
detect now. (The reviewer's declaration and profile pages live in declaration_views and
profile_views, imported below so views.py needs one import for all of conflicts.)"""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import conflict_services, entry
from incubator.reviews.conflict_forms import AddConflictForm
from incubator.reviews.models import Conflict, ReviewRound
from incubator.reviews.views import bp

PAGE_SIZE = 50


def _add_form(review_round: ReviewRound, form: AddConflictForm | None = None) -> AddConflictForm:
    form = form or AddConflictForm()
    applications = db.session.execute(entry.entrants_query(review_round).with_only_columns(
        Application.id, Application.school_name).order_by(Application.school_name, Application.id)).all()
    form.application_id.choices = [("", "Choose an application")] + [
        (str(i), f"{name or 'Untitled'} (#{i})") for i, name in applications]
    pool = sorted((rr.user for rr in review_round.reviewers), key=lambda u: (u.display_name.casefold(), u.id))
    form.reviewer_id.choices = [("", "Choose a reviewer")] + [(str(u.id), f"{u.display_name} <{u.email}>")
                                                              for u in pool]
    return form


def _page(review_round: ReviewRound, form: AddConflictForm | None = None, status: int = 200):
    entrants = entry.entrants_query(review_round).with_only_columns(Application.id)
    shown = request.args.get("status", "")
    query = sa.select(Conflict).where(Conflict.application_id.in_(entrants))
    if shown == "active":
        query = query.where(Conflict.lifted_at.is_(None))
    elif shown == "lifted":
        query = query.where(Conflict.lifted_at.is_not(None))
    query = (query
             .options(joinedload(Conflict.application).joinedload(Application.team), joinedload(Conflict.reviewer))
             .order_by(Conflict.lifted_at.is_not(None), Conflict.created_at.desc(), Conflict.id.desc()))
    page = paginate(query, per_page=PAGE_SIZE)
    people_ids = {c.created_by_id for c in page.items} | {c.lifted_by_id for c in page.items}
    people = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(people_ids - {None})))}
    return render_template("reviews/conflicts.html", round=review_round, page=page, people=people,
                           form=_add_form(review_round, form), tz=review_round.timezone,
                           shown=shown if shown in ("active", "lifted") else ""), status


@bp.get("/rounds/<int:round_id>/conflicts")
@login_required
def round_conflicts(round_id: int):
    return _page(visible_or_404(ReviewRound, round_id, "manage"))


def _back(review_round_id: int):
    return redirect(url_for(".round_conflicts", round_id=review_round_id))


@bp.post("/rounds/<int:round_id>/conflicts")
@login_required
def conflict_add(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    form = _add_form(review_round, AddConflictForm())
    if not form.validate_on_submit():
        return _page(review_round, form, 422)
    application_id, reviewer_id = form.application_id.data, form.reviewer_id.data
    if not (is_plain_id(application_id) and is_plain_id(reviewer_id)):
        abort(404)
    try:
        conflict = conflict_services.add(review_round, int(application_id), int(reviewer_id), form.note.data,
                                         actor=current_user, now=utcnow())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("Someone recorded this conflict a moment ago.", "error")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(f"Recorded: {conflict.reviewer.display_name} may not review this application. Their assignments "
              "to it without a submitted review were removed.", "success")
    return _back(review_round.id)


def _round_of(conflict: Conflict) -> int | None:
    """The round whose page the staff member came from (else the challenge's latest round)."""
    query = sa.select(ReviewRound.id).where(ReviewRound.challenge_id == conflict.application.challenge_id)
    given = request.form.get("back", "")
    if is_plain_id(given):
        found = db.session.scalar(query.where(ReviewRound.id == int(given)))
        if found:
            return found
    return db.session.scalar(query.order_by(ReviewRound.position.desc(), ReviewRound.id.desc()).limit(1))


def _conflict_action(conflict_id: int, operation, done: str):
    conflict = visible_or_404(Conflict, conflict_id, "manage")
    try:
        operation(conflict, actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(done, "success")
    round_id = _round_of(conflict)
    return _back(round_id) if round_id else redirect(url_for("core.dashboard"))


@bp.post("/conflicts/<int:conflict_id>/lift")
@login_required
def conflict_lift(conflict_id: int):
    return _conflict_action(conflict_id, conflict_services.lift,
                            "Conflict lifted: the reviewer may be assigned this application again.")


@bp.post("/conflicts/<int:conflict_id>/restore")
@login_required
def conflict_restore(conflict_id: int):
    return _conflict_action(conflict_id, conflict_services.restore,
                            "Conflict restored: the reviewer's assignments to it without a submitted review "
                            "were removed.")


@bp.post("/rounds/<int:round_id>/conflicts/detect")
@login_required
def conflicts_detect(round_id: int):
    review_round = visible_or_404(ReviewRound, round_id, "manage")
    added, released = conflict_services.detect_round(review_round, actor=current_user, now=utcnow())
    db.session.commit()
    flash(f"Found {added} new conflict{'' if added == 1 else 's'}"
          + (f"; removed {released} assignment{'' if released == 1 else 's'} without a submitted review." if released
             else "."), "success")
    return _back(review_round.id)


from incubator.reviews import declaration_views, profile_views  # noqa: E402,F401
