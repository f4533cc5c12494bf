"""Staff pages of a round's assignments: the overview (per application its reviewers, per
reviewer their load), the automatic proposal and applying it, assigning by hand (one
application to several reviewers, several applications to one reviewer), unassigning."""
import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.core.errors import DomainError
from incubator.core.pagination import Page, page_number, paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import assignment as services
from incubator.reviews import bid_views  # noqa: F401  (its routes)
from incubator.reviews.entry import entrants_query
from incubator.reviews.models import Assignment, Conflict, ReviewBid, ReviewRound
from incubator.reviews.solver import effective_cap
from incubator.reviews.states import ReviewStatus
from incubator.reviews.views import bp

PAIRS_PER_PAGE = 100
MAX_CHOSEN = 500  # more ids than any page offers is not a person choosing
DIGEST = re.compile(r"[0-9a-f]{32}")
SAME_MOMENT = "Someone assigned one of these pairs at the same moment. Look at the list again and choose."


def _round_or_404(round_id: int) -> ReviewRound:
    return visible_or_404(ReviewRound, round_id, "manage")


def _ids(name: str) -> list[int] | None:
    """The ints posted under `name`; None when one is not a plausible id."""
    values = request.form.getlist(name)
    if len(values) > MAX_CHOSEN:
        return None
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or len(value) > 10 or not 0 < int(value) < 2**31:
            return None
        ids.append(int(value))
    return sorted(set(ids))


def _pool(review_round: ReviewRound):
    """[(RoundReviewer, User, load, cap)] of the active pool, by user id."""
    loads = services.round_loads(review_round)
    return [(member, user, loads.get(user.id, 0), effective_cap(review_round.max_load, member.max_load))
            for member, user in db.session.execute(services.pool_query(review_round)).all()]


@bp.get("/rounds/<int:round_id>/assignments")
@login_required
def assignment_overview(round_id: int):
    review_round = _round_or_404(round_id)
    k = review_round.reviewers_per_application
    counts = (sa.select(Assignment.application_id, sa.func.count().label("n"))
              .where(Assignment.round_id == review_round.id).group_by(Assignment.application_id).subquery())
    query = (entrants_query(review_round).outerjoin(counts, counts.c.application_id == Application.id)
             .options(selectinload(Application.team)))
    under = request.args.get("filter") == "under"
    if under:
        query = query.where(sa.func.coalesce(counts.c.n, 0) < k)
    page = paginate(query)
    on_page = [a.id for a in page.items]
    by_application: dict[int, list[Assignment]] = {}
    if on_page:
        for assignment in db.session.scalars(sa.select(Assignment).where(
                Assignment.round_id == review_round.id, Assignment.application_id.in_(on_page))
                .options(joinedload(Assignment.reviewer)).order_by(Assignment.reviewer_id)):
            by_application.setdefault(assignment.application_id, []).append(assignment)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(entrants_query(review_round).subquery()))
    short = db.session.scalar(sa.select(sa.func.count()).select_from(
        entrants_query(review_round).outerjoin(counts, counts.c.application_id == Application.id)
        .where(sa.func.coalesce(counts.c.n, 0) < k).subquery()))
    return render_template("reviews/assign_overview.html", round=review_round, page=page, k=k, under=under,
                           by_application=by_application, pool=_pool(review_round), total=total, short=short)


def _pairs_page(pairs: list) -> Page:
    number = page_number()
    start = (number - 1) * PAIRS_PER_PAGE
    return Page(items=pairs[start:start + PAIRS_PER_PAGE], page=number, per_page=PAIRS_PER_PAGE, total=len(pairs))


def _preview_page(review_round: ReviewRound, proposal: services.Preview, status: int = 200, changed: bool = False):
    plan = proposal.plan
    reviewers = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(plan.loads_before))))} \
        if plan.loads_before else {}
    return render_template("reviews/assign_preview.html", round=review_round, proposal=proposal, plan=plan,
                           pairs=_pairs_page(plan.pairs), reviewers=reviewers, changed=changed,
                           unmet=sorted(plan.unmet.items())), status


@bp.get("/rounds/<int:round_id>/assignments/preview")
@login_required
def assignment_preview(round_id: int):
    review_round = _round_or_404(round_id)
    proposal = services.preview(review_round, now=utcnow())
    page = _preview_page(review_round, proposal)  # rendered before the commit expires what it shows
    db.session.commit()  # the automatic conflicts it found are kept (so staff can see and lift them)
    return page


@bp.post("/rounds/<int:round_id>/assignments/apply")
@login_required
def assignment_apply(round_id: int):
    review_round = _round_or_404(round_id)
    expected = request.form.get("digest", "")
    if not DIGEST.fullmatch(expected):
        flash("Open the preview first, then apply what it proposes.", "error")
        return redirect(url_for(".assignment_preview", round_id=review_round.id))
    try:
        proposal = services.apply(review_round, actor=current_user, now=utcnow(), expected=expected)
        db.session.flush()
    except (services.ProposalChanged, IntegrityError):  # IntegrityError: someone applied at the same moment
        db.session.rollback()
        flash("Nothing was assigned: the data changed since the preview (an application, a reviewer, a conflict "
              "or an assignment was added or removed). This is the new proposal; check it and apply again.", "error")
        proposal = services.preview(review_round, now=utcnow())
        page = _preview_page(review_round, proposal, 409, changed=True)
        db.session.commit()
        return page
    db.session.commit()
    plan = proposal.plan
    message = f"Assigned {len(plan.pairs)} new review{'s' if len(plan.pairs) != 1 else ''}."
    if plan.unmet:
        message += (f" {len(plan.unmet)} application{'s' if len(plan.unmet) != 1 else ''} still "
                    f"need{'' if len(plan.unmet) != 1 else 's'} {sum(plan.unmet.values())} more: "
                    "add reviewers to the pool or raise the maximum load.")
    flash(message, "success" if not plan.unmet else "info")
    return redirect(url_for(".assignment_overview", round_id=review_round.id))


def _application_of(review_round: ReviewRound, application_id: int) -> Application:
    if not 0 < application_id < 2**31:
        abort(404)
    application = db.session.get(Application, application_id)
    if application is None or application.challenge_id != review_round.challenge_id:
        abort(404)
    return application


def _conflicted(review_round: ReviewRound, application_ids, reviewer_ids) -> set[tuple[int, int]]:
    if not application_ids or not reviewer_ids:
        return set()
    return set(db.session.execute(sa.select(Conflict.application_id, Conflict.reviewer_id).where(
        Conflict.application_id.in_(list(application_ids)), Conflict.reviewer_id.in_(list(reviewer_ids)),
        Conflict.lifted_at.is_(None))).all())


def _assign_posted(review_round, kind: str, model, pairs_of) -> tuple[int, str | None, list | None]:
    """Assign the `kind`s ticked in the form (rows of `model`, paired by `pairs_of`) and commit:
    (status, error, the assignments made; None when refused and nothing was saved)."""
    chosen = _ids(kind)
    message = f"Choose {kind}s from the list."
    if chosen is None:
        return 422, message, None
    rows = db.session.scalars(sa.select(model).where(model.id.in_(chosen)).order_by(model.id)).all()
    try:
        if len(rows) != len(chosen):
            raise services.AssignmentRefused(message)
        made = services.assign_pairs(review_round, pairs_of(rows), actor=current_user, now=utcnow())
    except DomainError as refused:
        db.session.rollback()
        return 422, str(refused), None
    except IntegrityError:
        db.session.rollback()
        return 409, SAME_MOMENT, None
    db.session.commit()
    return 200, None, made


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>/assign", methods=["GET", "POST"])
@login_required
def assignment_for_application(round_id: int, application_id: int):
    """One application to one or several reviewers of the pool."""
    review_round = _round_or_404(round_id)
    application = _application_of(review_round, application_id)
    status, error = 200, None
    if request.method == "POST":
        status, error, made = _assign_posted(review_round, "reviewer", User,
                                             lambda users: [(application, user) for user in users])
        if made is not None:
            flash(f"Assigned {len(made)} reviewer{'s' if len(made) != 1 else ''}; "
                  "they are emailed about their new reviews.", "success")
            return redirect(url_for(".assignment_for_application", round_id=review_round.id,
                                    application_id=application.id))
    pool = _pool(review_round)
    assigned = {a.reviewer_id: a for a in db.session.scalars(sa.select(Assignment).where(
        Assignment.round_id == review_round.id, Assignment.application_id == application.id))}
    conflicted = {r for _, r in _conflicted(review_round, [application.id], [u.id for _, u, _, _ in pool])}
    bids = dict(db.session.execute(sa.select(ReviewBid.reviewer_id, ReviewBid.bid).where(
        ReviewBid.round_id == review_round.id, ReviewBid.application_id == application.id)).all()) \
        if review_round.has_bids else {}
    return render_template("reviews/assign_application.html", round=review_round, application=application,
                           pool=pool, assigned=assigned, conflicted=conflicted, bids=bids, error=error), status


@bp.route("/rounds/<int:round_id>/reviewers/<int:reviewer_id>/assign", methods=["GET", "POST"])
@login_required
def assignment_for_reviewer(round_id: int, reviewer_id: int):
    """Several applications to one reviewer of the pool."""
    review_round = _round_or_404(round_id)
    member = None
    if 0 < reviewer_id < 2**31:
        member = db.session.execute(services.pool_query(review_round).where(User.id == reviewer_id)).first()
    if member is None:
        abort(404)
    reviewer = member[1]
    status, error = 200, None
    if request.method == "POST":
        status, error, made = _assign_posted(review_round, "application", Application,
                                             lambda applications: [(a, reviewer) for a in applications])
        if made is not None:
            flash(f"Assigned {len(made)} application{'s' if len(made) != 1 else ''} to {reviewer.display_name}; "
                  "they are emailed about their new reviews.", "success")
            return redirect(url_for(".assignment_for_reviewer", round_id=review_round.id, reviewer_id=reviewer.id))
    page = paginate(entrants_query(review_round).options(selectinload(Application.team)))
    on_page = [a.id for a in page.items]
    assigned = set(db.session.scalars(sa.select(Assignment.application_id).where(
        Assignment.round_id == review_round.id, Assignment.reviewer_id == reviewer.id,
        Assignment.application_id.in_(on_page)))) if on_page else set()
    conflicted = {a for a, _ in _conflicted(review_round, on_page, [reviewer.id])}
    load = services.round_loads(review_round).get(reviewer.id, 0)
    return render_template("reviews/assign_reviewer.html", round=review_round, reviewer=reviewer, page=page,
                           assigned=assigned, conflicted=conflicted, load=load,
                           cap=effective_cap(review_round.max_load, member[0].max_load), error=error), status


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["GET", "POST"])
@login_required
def assignment_unassign(assignment_id: int):
    assignment = visible_or_404(Assignment, assignment_id, "manage")
    review_round = assignment.round
    error, status = None, 200
    if request.method == "POST":
        try:
            services.unassign(assignment, actor=current_user, discard_draft=request.form.get("discard_draft") == "y")
        except DomainError as refused:
            db.session.rollback()
            error, status = str(refused), 422
        else:
            db.session.commit()
            flash("Reviewer unassigned.", "success")
            return redirect(url_for(".assignment_overview", round_id=review_round.id))
    return render_template("reviews/assign_unassign.html", assignment=assignment, round=review_round,
                           error=error, ReviewStatus=ReviewStatus), status
